"""Stacks in parallel against one workspace, and the API's rate limit shared by processes that know nothing
of each other.

Part ``engine``: ``pulumi up``, ``refresh`` and ``destroy`` of 4 stacks of 250 endpoints each at the same
time through the real CLI (native plugin, YAML programs, one key), in two arms per round, alternating who
goes first: ``limit`` (the emulator's documented limit of 100 requests/s per key on) and ``no limit`` (off:
what the engine and the plugins cost on this machine with the API never in the way). Timed from the first
start to the last exit; the 429s the emulator sent, the errors, and the live endpoints against the declared
ones are reported.

Part ``clients``: the same 1,000 creates from 4 separate processes with our client and its default settings
(8 threads each, as the engine's parallelism would call a plugin), no engine at all: the case of stacks
on different machines, where only the API limits them. The floor is what the limit allows: 10 s.

Run from the repository root:

    .venv/bin/python benchmarks/bench_stacks.py [--stacks 4] [--endpoints 250] [--rounds 3] [--only engine]

Targets: ``clients`` within 1.5 x the 10 s floor with 0 errors; ``engine``: 0 errors, exact endpoints, and
the ``limit`` arm's ``up`` reported against both floors (10 s, and the ``no limit`` arm's). Exits 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, median

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from harness.emulator import ACME_KEY, DEFAULT_WORKSPACES, write_config
from harness.engine import tree_first
from harness.stacks import ParallelStacks, live_slugs
from pulumi_baseten_gateway.emulator.process import EmulatorProcess

LIMIT = 100
TARGET = 1.5
CLIENT = """
import sys
from concurrent.futures import ThreadPoolExecutor
from pulumi_baseten_gateway import GatewayClient
url, key, tag, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with GatewayClient(key, base_url=url) as client, ThreadPoolExecutor(8) as pool:
    jobs = [
        pool.submit(client.endpoints.create, f"acme/{tag}-{i}", [{"provider": "BASETEN", "model_id": "m"}])
        for i in range(count)
    ]
    errors = sum(job.exception() is not None for job in jobs)
print(errors)
"""


def _emulator(work: Path, limit: int) -> EmulatorProcess:
    config = write_config(work / "emulator.json", DEFAULT_WORKSPACES, rate_limit_per_second=limit)
    return EmulatorProcess(work / "emulator.sqlite3", config_path=config).start()


def engine_round(arm: str, work: Path, stacks: int, endpoints: int) -> dict[str, Any]:
    emulator = _emulator(work, LIMIT if arm == "limit" else 0)
    try:
        parallel = ParallelStacks(work, emulator.base_url, count=stacks, endpoints=endpoints)
        result: dict[str, Any] = {}
        for command in ("up", "refresh", "destroy"):
            emulator.reset_stats()
            run = parallel.run(command)
            stats = emulator.stats()
            expected = set() if command == "destroy" else parallel.slugs
            live = parallel.live()
            result[command] = {
                "seconds": run.seconds,
                "errors": len(run.failures()),
                "429s": stats["rate_limited"],
                "right": len(live) == len(set(live)) and set(live) == expected,
            }
        return result
    finally:
        emulator.stop()


def clients_round(work: Path, processes: int, endpoints: int) -> dict[str, Any]:
    emulator = _emulator(work, LIMIT)
    env = {**os.environ, "PYTHONPATH": tree_first(os.environ.get("PYTHONPATH"))}
    try:
        started = time.perf_counter()
        children = [
            subprocess.Popen(
                [sys.executable, "-c", CLIENT, emulator.base_url, ACME_KEY, f"p{i}", str(endpoints)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # the client's retry warnings: the 429s are counted instead
                text=True,
            )
            for i in range(processes)
        ]
        errors = [int(child.communicate(timeout=600)[0].strip() or "-1") for child in children]
        seconds = time.perf_counter() - started
        stats = emulator.stats()
        live = live_slugs(emulator.base_url)
        return {
            "seconds": seconds,
            "errors": sum(errors),
            "429s": stats["rate_limited"],
            "requests": stats["total_requests"],
            "right": len(live) == len(set(live)) == processes * endpoints,
        }
    finally:
        emulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stacks", type=int, default=4)
    parser.add_argument("--endpoints", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["engine", "clients"])
    options = parser.parse_args()
    floor = options.stacks * options.endpoints / LIMIT
    print(
        f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs; {options.stacks} x {options.endpoints} endpoints, limit {LIMIT}/s, "
        f"floor {floor:g} s"
    )
    ok = True
    if options.only in (None, "clients"):
        rounds = []
        for index in range(options.rounds):
            with tempfile.TemporaryDirectory(prefix="bench-clients-") as work:
                outcome = clients_round(Path(work), options.stacks, options.endpoints)
            rounds.append(outcome)
            print(
                f"clients round {index + 1}: {outcome['seconds']:.1f} s, {outcome['errors']} errors, "
                f"{outcome['429s']} 429s of {outcome['requests']} requests"
                f"{'' if outcome['right'] else ', WRONG endpoints'}",
                flush=True,
            )
        seconds = median([r["seconds"] for r in rounds])
        met = seconds <= TARGET * floor and all(r["errors"] == 0 and r["right"] for r in rounds)
        ok = ok and met
        print(
            f"clients: {seconds:.1f} s = {seconds / floor:.3f} x the floor (median of {len(rounds)}), "
            f"target <= {TARGET}, 0 errors: {'met' if met else 'MISSED'}"
        )
    if options.only in (None, "engine"):
        results: dict[str, list[dict[str, Any]]] = {"limit": [], "no limit": []}
        for index in range(options.rounds):
            for arm in ("limit", "no limit") if index % 2 == 0 else ("no limit", "limit"):
                with tempfile.TemporaryDirectory(prefix="bench-stacks-") as work:
                    outcome = engine_round(arm, Path(work), options.stacks, options.endpoints)
                results[arm].append(outcome)
                line = ", ".join(
                    f"{command} {o['seconds']:5.1f} s ({o['429s']} 429s, {o['errors']} errors"
                    f"{'' if o['right'] else ', WRONG endpoints'})"
                    for command, o in outcome.items()
                )
                print(f"engine round {index + 1} {arm:>8}: {line}", flush=True)
        clean = all(
            o["errors"] == 0 and o["right"] for rounds in results.values() for r in rounds for o in r.values()
        )
        ok = ok and clean
        up = {arm: median([r["up"]["seconds"] for r in rounds]) for arm, rounds in results.items()}
        for arm, rounds in results.items():
            refresh, destroy = (median([r[c]["seconds"] for r in rounds]) for c in ("refresh", "destroy"))
            print(
                f"engine {arm:>8}: up {up[arm]:.1f} s, refresh {refresh:.1f} s, destroy {destroy:.1f} s, "
                f"429s per up {median([r['up']['429s'] for r in rounds]):g} (medians of {len(rounds)})"
            )
        print(
            f"engine: up with the limit = {up['limit'] / floor:.2f} x the API's {floor:g} s floor, "
            f"{up['limit'] / up['no limit']:.3f} x the engine's own ({up['no limit']:.1f} s, no limit); "
            f"0 errors, exact endpoints: {'met' if clean else 'MISSED'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
