"""`pulumi up` and `pulumi refresh` of N endpoints through the real CLI: our providers against the reference.

Same engine (the pinned build of ``make pulumi``), same emulator (faults, latency and rate limit off), same
run. Each round creates a fresh stack per arm, times ``pulumi up`` of N new endpoints and then ``pulumi
refresh`` of that stack (each a whole CLI process, start to exit), and destroys it untimed. The arms take
turns, rotating who goes first each round. The reference arm declares the same endpoints with a resource
backed by ``benchmarks/reference_provider.py`` (the same HTTP calls with bare httpx, nothing else); the
native arm declares them in a YAML program served by our native provider plugin
(``pulumi-resource-baseten-gateway``), where ``ours`` is the Python dynamic provider.

Run from the repository root:

    .venv/bin/python benchmarks/bench_engine.py [--endpoints 100] [--rounds 5] [--pacing 0]

Our provider paces requests under the API's 100 requests/s per key by default; the reference does not pace.
``--pacing 0`` turns ours off too, which isolates the provider's own overhead.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import BENCH_DIR, DEMO_KEY, DEMO_PREFIX, REPO_ROOT, Emulator, median

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# Imported as module `reference_provider` (BENCH_DIR is on sys.path), so dill pickles the class by
# reference and the plugin process imports it from its PYTHONPATH.
import reference_provider
from pulumi.dynamic import Resource

from harness.engine import EngineStack, engine_bin_dir
from harness.programs import ProjectStack, endpoints_program
from pulumi_baseten_gateway import Endpoint

TARGET = 1.10


class ReferenceEndpoint(Resource, module="reference", name="Endpoint"):
    def __init__(self, name: str, slug: str, targets: list[dict[str, Any]]) -> None:
        props = {"slug": slug, "targets": targets, "region": "UNRESTRICTED", "endpoint_id": None}
        super().__init__(reference_provider.ReferenceEndpointProvider(), name, props)


def program(arm: str, count: int, tag: str) -> Callable[[], None]:
    def declare() -> None:
        for i in range(count):
            slug = f"{DEMO_PREFIX}/{arm}-{tag}-{i:04d}"
            targets = [{"provider": "BASETEN", "model_id": f"m{i}"}]
            if arm == "ours":
                Endpoint(f"e{i:04d}", slug=slug, targets=targets)
            else:
                ReferenceEndpoint(f"e{i:04d}", slug, targets)

    return declare


def native_round(
    emulator: Emulator, work: Path, count: int, tag: str, pacing: str | None
) -> tuple[float, float]:
    declared = {f"e{i:04d}": (f"{DEMO_PREFIX}/native-{tag}-{i:04d}", f"m{i}") for i in range(count)}
    program = endpoints_program("bench-native", declared)
    stack = ProjectStack(work / f"native-{tag}", program, api_url=emulator.base_url, api_key=DEMO_KEY)
    if pacing is not None:
        stack.pulumi("config", "set", "baseten-gateway:maxRequestsPerSecond", pacing)
    started = time.perf_counter()
    stack.up()
    up = time.perf_counter() - started
    started = time.perf_counter()
    stack.pulumi("refresh", "--yes", "--skip-preview")
    refresh = time.perf_counter() - started
    assert len(stack.resources()) == count
    stack.pulumi("destroy", "--yes", "--skip-preview")
    return up, refresh


def one_round(
    emulator: Emulator, work: Path, arm: str, count: int, tag: str, pacing: str | None
) -> tuple[float, float]:
    if arm == "native":
        return native_round(emulator, work, count, tag, pacing)
    stack = EngineStack(
        work / f"{arm}-{tag}",
        program(arm, count, tag),
        api_url=emulator.base_url,
        api_key=DEMO_KEY,
        project=f"bench-{arm}",
        extra_env={"PYTHONPATH": os.pathsep.join([str(BENCH_DIR), os.environ.get("PYTHONPATH", "")])},
        config={} if pacing is None else {"baseten:maxRequestsPerSecond": pacing},
    )
    started = time.perf_counter()
    run = stack.up()
    up = time.perf_counter() - started
    assert run.changes.get("create") == count + 1, run.changes
    started = time.perf_counter()
    refreshed = stack.refresh()
    refresh = time.perf_counter() - started
    assert refreshed.changes.get("same") == count + 1, refreshed.changes
    stack.destroy()
    return up, refresh


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoints", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--pacing",
        help="baseten:maxRequestsPerSecond for our arm (default: ours, 95/s; 0 = off, as the reference is)",
    )
    options = parser.parse_args()
    engine = engine_bin_dir()
    print(
        f"bench_engine.py  {datetime.datetime.now().isoformat(timespec='seconds')}  "
        f"python {platform.python_version()}  {os.cpu_count()} CPUs  engine {engine / 'pulumi'}"
    )
    arms = ("ours", "reference", "native")
    times: dict[str, dict[str, list[float]]] = {arm: {"up": [], "refresh": []} for arm in arms}
    with Emulator(rate_limit=0) as emulator, tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        print(
            f"emulator {emulator.base_url}, faults, latency and rate limit off; "
            f"{options.endpoints} endpoints; our pacing: {options.pacing or 'default (95 requests/s)'}"
        )
        for index in range(options.rounds):
            order = arms[index % 3 :] + arms[: index % 3]
            for arm in order:
                pacing = options.pacing if arm != "reference" else None
                up, refresh = one_round(emulator, Path(tmp), arm, options.endpoints, f"r{index}", pacing)
                times[arm]["up"].append(up)
                times[arm]["refresh"].append(refresh)
                print(f"round {index + 1} {arm:>9}: up {up:6.2f} s, refresh {refresh:6.2f} s", flush=True)
    met = True
    for command in ("up", "refresh"):
        ours, reference = median(times["ours"][command]), median(times["reference"][command])
        native = median(times["native"][command])
        ratio = ours / reference
        met &= ratio <= TARGET
        print(
            f"pulumi {command:<7} of {options.endpoints}: ours {ours:.2f} s, reference {reference:.2f} s "
            f"(medians of {options.rounds}), ratio {ratio:.3f} (target <= {TARGET}); "
            f"native {native:.2f} s, native / ours {native / ours:.3f}"
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
