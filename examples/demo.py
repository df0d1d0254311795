"""`make demo`: the local gateway emulator, then a user's own `pulumi` commands in examples/basic.

Each command is printed (`$ ...`) before it runs, exactly as you would type it in examples/basic; what you
see after it is the command's own output. The Pulumi CLI is the pinned build of `make pulumi` with its
language hosts (or yours, with PULUMI_DIR=...). The stack lives on a throwaway local file backend, and
every process started, file written and link made here is removed before the script exits.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pulumi_baseten_gateway import GatewayClient  # noqa: E402
from pulumi_baseten_gateway.emulator.process import EmulatorProcess  # noqa: E402

API_KEY = "demo-key"  # the emulator's default demo workspace (prefix `demo`)
PROJECT = ROOT / "examples" / "basic"
STACK = "demo"


def engine_dir() -> Path:
    """The directory `make pulumi` prints last: the pinned CLI and its language hosts."""
    result = subprocess.run(
        ["bash", str(ROOT / "tools" / "pulumi-engine" / "build.sh")],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return Path(result.stdout.strip().splitlines()[-1])


def show_endpoints(url: str) -> None:
    with GatewayClient(API_KEY, base_url=url) as gateway:
        endpoints = list(gateway.endpoints.list())
    print(f"\nThe emulator now holds {len(endpoints)} endpoint(s):")
    for endpoint in endpoints:
        targets = [t.to_api() for t in endpoint.targets]
        print(f"  {endpoint.slug:<28} id={endpoint.id}  targets={targets}")


def banner(text: str) -> None:
    print(f"\n==> {text}\n", flush=True)


def main() -> int:
    engine = engine_dir()
    venv = PROJECT / "venv"
    made_venv = not venv.exists() and not venv.is_symlink()
    with tempfile.TemporaryDirectory(prefix="baseten-gateway-demo-") as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "PATH": os.pathsep.join([str(engine), os.environ.get("PATH", "")]),
            "PULUMI_BACKEND_URL": f"file://{work / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": "demo-passphrase",
            "PULUMI_HOME": str(work / "pulumi-home"),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }
        (work / "state").mkdir()

        def user(*command: str, check: bool = True) -> None:
            print(f"$ {shlex.join(command)}", flush=True)
            subprocess.run(command, cwd=PROJECT, env=env, check=check)

        with EmulatorProcess(work / "emulator.sqlite3") as emulator:
            url = emulator.base_url
            banner(
                f"gateway emulator at {url} (API key {API_KEY!r}, prefix 'demo'); its data is removed when "
                "the demo ends (`make emulator` keeps one)"
            )
            print(
                f"# in {PROJECT.relative_to(ROOT)}, with the pinned CLI ({engine}) first on PATH, state in a "
                "temporary local backend:"
            )
            print(f"export PULUMI_BACKEND_URL={env['PULUMI_BACKEND_URL']} PULUMI_CONFIG_PASSPHRASE=...")
            try:
                if made_venv:
                    # Pulumi.yaml names the virtualenv `venv`; the checkout's .venv holds the package.
                    print(f"$ ln -s {os.path.relpath(sys.prefix, PROJECT)} venv", flush=True)
                    venv.symlink_to(Path(sys.prefix), target_is_directory=True)
                user("pulumi", "stack", "init", STACK)
                user("pulumi", "config", "set", "baseten:apiUrl", url)
                user("pulumi", "config", "set", "--secret", "baseten:apiKey", API_KEY)
                banner("pulumi up")
                user("pulumi", "up", "--yes")
                show_endpoints(url)
                banner("a preview of the unchanged program: nothing to do")
                user("pulumi", "preview", "--expect-no-changes")
                banner("pulumi destroy")
                user("pulumi", "destroy", "--yes")
                show_endpoints(url)
            finally:
                user("pulumi", "stack", "rm", STACK, "--yes", "--force", check=False)
                (PROJECT / f"Pulumi.{STACK}.yaml").unlink(missing_ok=True)
                if made_venv:
                    venv.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
