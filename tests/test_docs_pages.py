"""The documentation site's hand-written pages (docs/, but docs/api/, which tools/docs_api.py generates).

* docs/policy-pack.md is generated from the policy literals (tools/docs_policy.py): regenerating it gives
  the committed page.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.engine import PASSPHRASE, engine_bin_dir, tree_first
from harness.programs import require_language_hosts
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "docs"


def test_the_policy_page_is_generated_from_the_policy_literals(tmp_path: Path) -> None:
    page = tmp_path / "policy-pack.md"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "docs_policy.py"), str(page)], check=True, cwd=REPO_ROOT
    )
    assert page.read_text(encoding="utf-8") == (DOCS / "policy-pack.md").read_text(encoding="utf-8"), (
        "docs/policy-pack.md is stale: run `python tools/docs_policy.py docs/policy-pack.md`"
    )


# -- the shell commands the pages show ------------------------------------------------------------------

#: The address the pages give the emulator (`make emulator`); the test's emulator has an ephemeral port.
DOCUMENTED_EMULATOR = "http://127.0.0.1:8787"


def test_the_documented_commands_run_as_written(tmp_path: Path, make_emulator: MakeEmulator) -> None:
    """docs/commands/examples.sh, which the pages include, run by bash (``-e``: the first failing command
    fails the test) in a copy of the examples it names, against an emulator, with the pinned CLI on PATH
    and the package's console scripts beside it, as a user with the package installed has them.

    The only edits: the emulator's address becomes this emulator's, and ``PULUMI_SKIP_CONFIRMATIONS``
    answers ``pulumi up`` and ``pulumi destroy``'s question as a user at a terminal does.
    """
    require_language_hosts()
    demo = make_emulator(config=False)
    tree = tmp_path / "tree"
    for name in ("basic", "yaml"):
        shutil.copytree(REPO_ROOT / "examples" / name, tree / "examples" / name)
    (tree / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    script = (DOCS / "commands" / "examples.sh").read_text(encoding="utf-8")
    assert DOCUMENTED_EMULATOR in script
    runnable = tmp_path / "examples.sh"
    runnable.write_text(script.replace(DOCUMENTED_EMULATOR, demo.base_url), encoding="utf-8")
    path = [engine_bin_dir(), Path(sys.executable).parent, Path(sys.base_prefix) / "bin", "/usr/bin:/bin"]
    env = {
        **os.environ,
        "PYTHONPATH": tree_first(os.environ.get("PYTHONPATH")),
        "PATH": os.pathsep.join(map(str, path)),
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_SKIP_CONFIRMATIONS": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "BASETEN_API_KEY": "",
        "BASETEN_API_URL": "",
    }
    (tmp_path / "state").mkdir()
    run = subprocess.run(
        ["bash", "-e", "-x", str(runnable)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # Two endpoints of each example created once and deleted once: recovery and its `up` changed nothing.
    routes = demo.stats()["by_route"]
    assert routes["POST /v1/gateway/endpoints"] == 4, routes
    assert routes["DELETE /v1/gateway/endpoints/{endpoint_id}"] == 4, routes
    with GatewayClient("demo-key", base_url=demo.base_url) as gateway:
        assert list(gateway.endpoints.list()) == []
