"""Stacks updated in parallel against one workspace, as several CI jobs of a platform team do: ``count``
stacks of a YAML program of ``endpoints`` endpoints each (native plugin), with slugs of their own, run
by the real CLI at the same time. Used by tests/test_endpoint_engine_stacks.py and benchmarks/bench_stacks.py.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from harness.emulator import ACME_KEY
from harness.programs import CommandRun, ProjectStack, endpoints_program
from pulumi_baseten_gateway import GatewayClient

__all__ = ["ParallelRun", "ParallelStacks", "live_slugs", "program"]


def program(stack: int, endpoints: int) -> str:
    """The YAML program of stack ``stack``: endpoints ``acme/s<stack>-<i>``."""
    declared = {f"e{i}": (f"acme/s{stack}-{i}", f"m{i % 7}") for i in range(endpoints)}
    return endpoints_program(f"stack{stack}", declared)


def live_slugs(api_url: str, api_key: str = ACME_KEY) -> list[str]:
    """The slugs of every endpoint in the workspace, as listed (a duplicate would show twice)."""
    with GatewayClient(api_key, base_url=api_url) as client:
        return [endpoint.slug for endpoint in client.endpoints.list()]


@dataclass(frozen=True)
class ParallelRun:
    """One command run by every stack at once: the wall time from the first start to the last exit."""

    seconds: float
    runs: Sequence[CommandRun]

    def failures(self) -> list[str]:
        return [run.stdout[-2000:] + run.stderr[-2000:] for run in self.runs if run.returncode != 0]


class ParallelStacks:
    """``count`` stacks of ``endpoints`` endpoints each in the workspace of ``api_key``, each its own project
    directory, state and ``PULUMI_HOME`` (nothing shared but the API)."""

    def __init__(
        self, work: Path, api_url: str, *, count: int = 4, endpoints: int = 250, api_key: str = ACME_KEY
    ) -> None:
        self.stacks = [
            ProjectStack(work / f"stack{i}", program(i, endpoints), api_url=api_url, api_key=api_key)
            for i in range(count)
        ]
        self.slugs = {f"acme/s{i}-{n}" for i in range(count) for n in range(endpoints)}
        self._api_url, self._api_key = api_url, api_key

    def live(self) -> list[str]:
        """The slugs of every endpoint in the stacks' workspace, as listed."""
        return live_slugs(self._api_url, self._api_key)

    def run(self, command: str, *args: str) -> ParallelRun:
        """``pulumi COMMAND --yes --skip-preview ARGS`` in every stack at once (``up``, ``refresh`` or
        ``destroy``)."""
        with ThreadPoolExecutor(max_workers=len(self.stacks)) as pool:
            started = time.perf_counter()
            futures = [pool.submit(getattr(stack, command), *args, check=False) for stack in self.stacks]
            runs = [future.result() for future in futures]
            seconds = time.perf_counter() - started
        return ParallelRun(seconds, runs)
