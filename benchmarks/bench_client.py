"""GatewayClient versus bare httpx.Client: N GETs and N creates against the same emulator, same run.

    python benchmarks/bench_client.py [--requests 1000] [--rounds 5]

The emulator runs with faults, added latency and its rate limit off, and the client with pacing off,
so both sides make the same HTTP calls; rounds alternate between the two to spread the machine's noise.
The ratio (ours / bare) is the median over rounds. Target: <= 1.15.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import httpx
from _common import DEMO_KEY, DEMO_PREFIX, Emulator

from pulumi_baseten_gateway import GatewayClient

TARGETS = [{"provider": "BASETEN", "model_id": "3kZ9xqd"}]


def timed(call: Callable[[int], object], indexes: list[int]) -> float:
    started = time.perf_counter()
    for i in indexes:
        call(i)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=1000, help="GETs and creates per side per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=int, default=50, help="requests per turn before the sides swap")
    args = parser.parse_args()
    n, block = args.requests, args.block

    with (
        Emulator(rate_limit=0) as emulator,
        GatewayClient(DEMO_KEY, base_url=emulator.base_url) as ours,
        httpx.Client(base_url=emulator.base_url, headers={"Authorization": f"Api-Key {DEMO_KEY}"}) as bare,
    ):
        endpoint_id = ours.endpoints.create(f"{DEMO_PREFIX}/get-target", TARGETS).id
        path = f"/v1/gateway/endpoints/{endpoint_id}"

        def bare_get(_: int) -> None:
            response = bare.get(path)
            response.raise_for_status()
            response.json()

        def bare_create(i: int) -> None:
            response = bare.post(
                "/v1/gateway/endpoints", json={"slug": f"{DEMO_PREFIX}/bare-{i}", "targets": TARGETS}
            )
            response.raise_for_status()
            response.json()

        sides: dict[str, dict[str, Callable[[int], object]]] = {
            "get": {"ours": lambda _: ours.endpoints.get(endpoint_id), "bare": bare_get},
            "create": {
                "ours": lambda i: ours.endpoints.create(f"{DEMO_PREFIX}/ours-{i}", TARGETS),
                "bare": bare_create,
            },
        }
        for op in sides.values():  # warm both pools and code paths
            for side in op.values():
                side(-1 - len(op))
        counter = iter(range(10**9))
        ratios: dict[str, list[float]] = {"get": [], "create": []}
        for round_ in range(args.rounds):
            for op, calls in sides.items():
                spent = {"ours": 0.0, "bare": 0.0}
                for turn in range(n // block):
                    order = ("ours", "bare") if (turn + round_) % 2 == 0 else ("bare", "ours")
                    for side in order:
                        spent[side] += timed(calls[side], [next(counter) for _ in range(block)])
                ratios[op].append(spent["ours"] / spent["bare"])
                print(
                    f"round {round_ + 1} {op:>6}: ours {spent['ours'] / n * 1e3:.3f} ms/request, "
                    f"bare {spent['bare'] / n * 1e3:.3f} ms/request, ratio {ratios[op][-1]:.3f}"
                )
    for op, values in ratios.items():
        print(
            f"{op:>6}: median ratio GatewayClient / bare httpx = {statistics.median(values):.3f} "
            f"({n} requests x {args.rounds} rounds; target <= 1.15)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
