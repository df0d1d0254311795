"""`pulumi up / refresh / preview / destroy` with the real Pulumi CLI against the emulator.

The CLI is a separate download that these machines cannot fetch, so the tests here run only where
`pulumi` is on PATH and are skipped (and reported as skipped) elsewhere. Everything they check is also
checked without the CLI, through the plugin protocol, in test_provider_plugin.py and test_examples.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pulumi_baseten_gateway import GatewayClient
from tests.conftest import REPO_ROOT, MakeEmulator

PULUMI = shutil.which("pulumi")
pytestmark = pytest.mark.skipif(PULUMI is None, reason="the Pulumi CLI is not on PATH")
DEMO_KEY = "demo-key"


class Stack:
    def __init__(self, workdir: Path, api_url: str) -> None:
        self.project = workdir / "project"
        shutil.copytree(REPO_ROOT / "examples" / "basic", self.project)
        pulumi_yaml = self.project / "Pulumi.yaml"
        pulumi_yaml.write_text(
            pulumi_yaml.read_text().replace("virtualenv: venv", f"virtualenv: {sys.prefix}")
        )
        (workdir / "state").mkdir()
        self.env = {
            **os.environ,
            "PULUMI_BACKEND_URL": f"file://{workdir / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": "test-passphrase",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "BASETEN_API_KEY": "",
        }
        self.run("stack", "init", "dev")
        self.run("config", "set", "baseten:apiUrl", api_url)
        self.run("config", "set", "--secret", "baseten:apiKey", DEMO_KEY)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert PULUMI is not None
        result = subprocess.run(
            [PULUMI, *args, "--non-interactive"],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result


def held(api_url: str) -> dict[str, list[dict[str, object]]]:
    with GatewayClient(DEMO_KEY, base_url=api_url) as gateway:
        return {e.slug: [t.to_api() for t in e.targets] for e in gateway.list_endpoints()}


def test_up_refresh_destroy(tmp_path: Path, make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(config=False)
    stack = Stack(tmp_path, emulator.base_url)

    stack.run("up", "--yes", "--skip-preview")
    assert set(held(emulator.base_url)) == {"demo/glm-5.2", "demo/glm-5.2-staging"}
    stack.run("preview", "--expect-no-changes")

    state = stack.run("stack", "export", "--show-secrets").stdout
    assert DEMO_KEY not in state

    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        endpoint = gateway.find_endpoint_by_slug("demo/glm-5.2")
        assert endpoint is not None
        gateway.update_endpoint(endpoint.id, [{"provider": "BASETEN", "model_id": "drifted"}])
    stack.run("refresh", "--yes", "--skip-preview")
    drift = stack.run("preview", "--expect-no-changes", check=False)
    assert drift.returncode != 0
    assert "targets" in drift.stdout
    stack.run("up", "--yes", "--skip-preview")
    assert held(emulator.base_url)["demo/glm-5.2"] == [{"provider": "BASETEN", "model_id": "3kZ9xqd"}]

    stack.run("destroy", "--yes", "--skip-preview")
    assert held(emulator.base_url) == {}
    httpx.get(emulator.url("/_emulator/health")).raise_for_status()
