"""`make demo`: the local gateway emulator, then a real `pulumi up`, a no-change preview and `pulumi destroy`.

The Pulumi CLI is the pinned build of `make pulumi` (or yours, with PULUMI_DIR=...). It runs
examples/basic/__main__.py as it is, on a throwaway local file backend, and launches our provider plugin
itself; what you see below is the engine's own output. Every process started here is stopped, and every
file removed, before the script exits.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pulumi_baseten_gateway import GatewayClient  # noqa: E402
from pulumi_baseten_gateway.emulator.process import EmulatorProcess  # noqa: E402
from tests.harness.engine import EngineStack, engine_bin_dir, example_program  # noqa: E402

API_KEY = "demo-key"  # the emulator's default demo workspace (prefix `demo`)


def show_endpoints(url: str) -> None:
    with GatewayClient(API_KEY, base_url=url) as gateway:
        endpoints = list(gateway.list_endpoints())
    print(f"\nThe emulator now holds {len(endpoints)} endpoint(s):")
    for endpoint in endpoints:
        targets = [t.to_api() for t in endpoint.targets]
        print(f"  {endpoint.slug:<28} id={endpoint.id}  targets={targets}")


def banner(text: str) -> None:
    print(f"\n==> {text}\n", flush=True)


def main() -> int:
    engine = engine_bin_dir()
    with tempfile.TemporaryDirectory(prefix="baseten-gateway-demo-") as tmp:
        work = Path(tmp)
        with EmulatorProcess(work / "emulator.sqlite3") as emulator:
            url = emulator.base_url
            banner(
                f"gateway emulator at {url} (API key {API_KEY!r}, prefix 'demo'); its data is in "
                f"{work / 'emulator.sqlite3'}, removed when the demo ends (`make emulator` keeps one)"
            )
            stack = EngineStack(
                work / "stack",
                example_program("basic"),
                api_url=url,
                api_key=API_KEY,
                project="baseten-gateway-basic",
            )
            banner(f"pulumi up of examples/basic, with {engine / 'pulumi'}")
            stack.up(on_output=print)
            show_endpoints(url)
            banner("pulumi preview --expect-no-changes")
            stack.preview(on_output=print, expect_no_changes=True)
            banner("pulumi destroy")
            stack.destroy(on_output=print)
            show_endpoints(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
