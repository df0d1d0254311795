"""The OpenTofu provider as users install it: ``make dist``'s filesystem mirror, ``tofu init`` with no
network (the registry excluded), then plan, apply and destroy against the emulator.

The provider in the mirror is a launcher and the wheels it installs: its first start makes a virtualenv in
the user's cache; the project directory and the provider's environment never point into this checkout.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest

from harness.emulator import ACME_KEY, EmulatorProcess, unique_slug
from harness.tofu import PROVIDER_SOURCE, TofuProject

pytestmark = pytest.mark.timeout(600)

REPO_ROOT = Path(__file__).resolve().parents[1]
MIRROR = REPO_ROOT / "dist" / "terraform-mirror"
VERSION = version("pulumi-baseten-gateway")


def test_tofu_init_installs_the_provider_from_the_dist_mirror_offline(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    if not MIRROR.is_dir():
        raise AssertionError(f"{MIRROR} is missing: run `make dist` (make test does)")
    slug = unique_slug(name="tofu-dist")
    project = TofuProject(
        tmp_path / "user",
        api_url=emulator.base_url,
        api_key=ACME_KEY,
        mirror=MIRROR,
        env={"XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": ""},
    )
    project.write(
        "main.tf",
        f"""
terraform {{
  required_providers {{
    basetengateway = {{
      source  = "baseten/basetengateway"
      version = "{VERSION}"
    }}
  }}
}}

resource "basetengateway_endpoint" "e" {{
  slug    = "{slug}"
  targets = [{{ provider = "BASETEN", model_id = "abc1234" }}]
}}

output "endpoint_id" {{
  value = basetengateway_endpoint.e.endpoint_id
}}
""",
    )
    init = project.run("init", "-no-color").ok()
    assert f"Installing baseten/basetengateway v{VERSION}..." in init.stdout
    lock = (project.directory / ".terraform.lock.hcl").read_text()
    assert f'provider "{PROVIDER_SOURCE}"' in lock
    assert f'constraints = "{VERSION}"' in lock
    installed = project.directory / ".terraform" / "providers" / PROVIDER_SOURCE / VERSION / "linux_amd64"
    assert (installed / f"terraform-provider-basetengateway_v{VERSION}").is_file()

    project.apply().ok()
    endpoint_id = json.loads(project.run("output", "-json", "endpoint_id").ok().stdout)
    venvs = list((tmp_path / "cache" / "pulumi-baseten-gateway").glob(f"terraform-provider-{VERSION}-*"))
    assert [v.name for v in venvs if v.is_dir()], "the launcher made no virtualenv in the user's cache"
    for venv in (v for v in venvs if v.is_dir()):  # the wheel's copy, not this checkout's
        assert list(venv.glob("lib/python*/site-packages/pulumi_baseten_gateway/terraform/serve.py"))
    assert project.plan().returncode == 0
    project.destroy().ok()
    assert endpoint_id
