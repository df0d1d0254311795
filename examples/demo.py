"""`make demo`: start the local gateway emulator, deploy examples/basic to it, show what it now holds.

With the Pulumi CLI on PATH the example runs through `pulumi up` on a throwaway local file backend;
without it, through the same provider plugin process `pulumi up` would launch (see
`pulumi_baseten_gateway.localrun`). Every process started here is stopped before the script exits.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from pulumi_baseten_gateway.localrun import EmulatorProcess

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "basic"
API_KEY = "demo-key"  # the emulator's default demo workspace (prefix `demo`)


def run_with_cli(pulumi: str, url: str, work: Path) -> None:
    project = work / "basic"
    shutil.copytree(EXAMPLE, project)
    # Use this checkout's virtualenv instead of creating one per example.
    pulumi_yaml = (
        (project / "Pulumi.yaml").read_text().replace("virtualenv: venv", f"virtualenv: {sys.prefix}")
    )
    (project / "Pulumi.yaml").write_text(pulumi_yaml)
    env = {
        **os.environ,
        "PULUMI_BACKEND_URL": f"file://{work}",
        "PULUMI_CONFIG_PASSPHRASE": "demo",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }

    def pulumi_run(*args: str) -> None:
        subprocess.run([pulumi, *args, "--non-interactive"], cwd=project, env=env, check=True)

    pulumi_run("stack", "init", "dev")
    pulumi_run("config", "set", "baseten:apiUrl", url)
    pulumi_run("config", "set", "--secret", "baseten:apiKey", API_KEY)
    pulumi_run("up", "--yes", "--skip-preview")


def run_without_cli(url: str) -> None:
    print("(no `pulumi` on PATH: running the program through the provider plugin process, as the tests do)")
    env = {**os.environ, "BASETEN_API_KEY": API_KEY}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pulumi_baseten_gateway.localrun",
            str(EXAMPLE),
            "--config",
            f"baseten:apiUrl={url}",
        ],
        env=env,
        check=True,
    )


def main() -> int:
    with (
        tempfile.TemporaryDirectory(prefix="baseten-gateway-demo-") as tmp,
        EmulatorProcess(Path(tmp) / "emulator.sqlite3") as emulator,
    ):
        url = emulator.base_url
        print(f"emulator: {url} (API key {API_KEY!r}, prefix 'demo')")
        pulumi = shutil.which("pulumi")
        if pulumi:
            run_with_cli(pulumi, url, Path(tmp))
        else:
            run_without_cli(url)
        response = httpx.get(f"{url}/v1/gateway/endpoints", headers={"Authorization": f"Api-Key {API_KEY}"})
        response.raise_for_status()
        items = response.json()["items"]
        print(f"\nThe emulator now holds {len(items)} endpoint(s):")
        for item in items:
            print(f"  {item['slug']:<28} id={item['id']}  targets={json.dumps(item['targets'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
