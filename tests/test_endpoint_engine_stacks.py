"""Four stacks against one workspace at once, as a platform team's CI runs them: ``pulumi up`` of 250
endpoints in each of 4 stacks at the same time, through the real CLI, with the emulator's documented rate
limit on (100 requests/s per key, every stack on the same key); then all four ``refresh`` at once, then all
four ``destroy``. No command fails, the workspace holds exactly the declared endpoints (no duplicate, none
missing) and nothing after ``destroy``; the 429s the API sent are counted and stay few: each plugin honours
them and slows down (api/pacing.py) instead of bouncing off the limit. The timing against the 10 s floor is
benchmarks/bench_stacks.py's (a test judges behaviour, not speed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.emulator import ACME_KEY
from harness.stacks import ParallelStacks
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator

pytestmark = pytest.mark.timeout(600)

STACKS, ENDPOINTS, LIMIT = 4, 250, 100


def test_four_stacks_of_250_endpoints_up_refresh_and_destroy_at_once_under_the_rate_limit(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator(rate_limit_per_second=LIMIT)
    parallel = ParallelStacks(tmp_path, emulator.base_url, count=STACKS, endpoints=ENDPOINTS)
    for command in ("up", "refresh", "destroy"):
        emulator.reset_stats()
        run = parallel.run(command)
        assert not run.failures(), run.failures()[0]
        stats = emulator.stats()
        with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
            live = [endpoint.slug for endpoint in client.endpoints.list()]
        assert len(live) == len(set(live))
        assert set(live) == (set() if command == "destroy" else parallel.slugs), command
        # Every 429 was answered by waiting and slowing down: few of them, none reaching a command.
        bounced, requests = stats["rate_limited"], stats["total_requests"]
        print(f"{command}: {bounced} 429s of {requests} requests, {run.seconds:.1f} s")
        assert bounced <= 0.1 * requests, stats
        if command == "up":
            assert [r.changes for r in run.runs] == [{"create": ENDPOINTS + 1}] * STACKS  # the stack too
        for stack in parallel.stacks:
            assert len(stack.resources()) == (0 if command == "destroy" else ENDPOINTS)
