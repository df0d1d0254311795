"""Policy pack throughput: ``Analyze`` on many Endpoint resources through the real analyzer over gRPC.

The engine calls ``Analyze`` once per resource, one call at a time per resource step, so the serial
figure is what a ``pulumi preview`` of a large stack pays. Run from the repository root:

    .venv/bin/python benchmarks/bench_policy.py [--resources 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from harness.analyzer import PolicyPackProcess, StackResource  # noqa: E402
from pulumi_baseten_gateway.policy import ORG_PREFIX_POLICY  # noqa: E402
from pulumi_baseten_gateway.resources.endpoint.resource import ENDPOINT_TYPE_TOKEN  # noqa: E402

_TARGETS: list[dict[str, Any]] = [
    {"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": "production"},
    {"provider": "OPENAI", "secret_id": "sec_1", "target_model": "gpt-5"},
    {"provider": "VERTEX", "target_model": "gemini", "vertex_config": {"project_id": "p", "location": "eu"}},
    {
        "provider": "OPENAI_COMPATIBLE",
        "base_url": "https://llm.example",
        "secret_id": "s",
        "target_model": "m",
    },
]


def endpoint(index: int) -> dict[str, Any]:
    """A mix: mostly valid, every 10th has a slug outside the prefixes, every 7th has two targets."""
    prefix = "other-org" if index % 10 == 0 else "acme"
    targets = [_TARGETS[index % len(_TARGETS)]]
    if index % 7 == 0:
        targets.append(_TARGETS[0])
    return {"slug": f"{prefix}/model-{index}", "targets": targets, "region": "UNRESTRICTED"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds; the best and median are shown")
    options = parser.parse_args()
    resources = [endpoint(i) for i in range(options.resources)]

    with PolicyPackProcess() as pack:
        pack.configure({ORG_PREFIX_POLICY: {"allowedPrefixes": ["acme"]}})
        pack.analyze(ENDPOINT_TYPE_TOKEN, resources[0])  # warm-up: first-call imports and channel setup

        rounds: list[float] = []
        diagnostics = 0
        for _ in range(options.repeat):
            started = time.perf_counter()
            diagnostics = sum(
                len(pack.analyze(ENDPOINT_TYPE_TOKEN, props, name=f"endpoint-{i}"))
                for i, props in enumerate(resources)
            )
            rounds.append(time.perf_counter() - started)

        stack = [
            StackResource(ENDPOINT_TYPE_TOKEN, props, f"endpoint-{i}") for i, props in enumerate(resources)
        ]
        started = time.perf_counter()
        stack_diagnostics = len(pack.analyze_stack(stack))
        stack_seconds = time.perf_counter() - started

    best, median = min(rounds), statistics.median(rounds)
    count = options.resources
    print(f"Analyze, {count} Endpoint resources, one call each, serial ({options.repeat} rounds):")
    print(f"  best:   {count / best:8.0f} resources/s, mean latency {best / count * 1e3:.3f} ms/resource")
    print(f"  median: {count / median:8.0f} resources/s, mean latency {median / count * 1e3:.3f} ms/resource")
    print(f"  diagnostics per round: {diagnostics}")
    print(f"AnalyzeStack, {count} resources in one call: {stack_seconds * 1e3:.1f} ms")
    print(f"  diagnostics: {stack_diagnostics}")


if __name__ == "__main__":
    main()
