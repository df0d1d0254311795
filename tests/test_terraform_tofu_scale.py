"""Many endpoints through the real ``tofu``: 100 at ``-parallelism=10`` with faults injected (5xx, 429s,
writes that commit but get no answer), then a refresh of 1,000, counting the requests.

The provider serves OpenTofu's parallel calls from one process, with one client: its pacing, retries and
create-by-slug (a retried POST whose first attempt committed finds its endpoint instead of making a
second) are the Pulumi providers'. Refresh reads arriving together share one listing of the workspace.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from harness.emulator import ACME_KEY, EmulatorProcess
from harness.tofu import TofuProject
from pulumi_baseten_gateway.api import GatewayClient

pytestmark = pytest.mark.timeout(900)

PROVIDER = """
terraform {
  required_providers {
    basetengateway = { source = "baseten/basetengateway" }
  }
}
"""


def _endpoints(count: int, prefix: str) -> str:
    return (
        PROVIDER
        + f"""
resource "basetengateway_endpoint" "e" {{
  count   = {count}
  slug    = "acme/{prefix}-${{count.index}}"
  targets = [{{ provider = "BASETEN", model_id = "m${{count.index}}" }}]
}}
"""
    )


def _slugs(client: GatewayClient) -> list[str]:
    return [e.slug for e in client.endpoints.list()]


def test_a_hundred_endpoints_in_parallel_through_faults_converge_without_duplicates_or_orphans(
    tmp_path: Path, make_emulator: object
) -> None:
    emulator: EmulatorProcess = make_emulator()  # type: ignore[operator]
    emulator.set_faults(error_rate=0.1, rate_limit_rate=0.05, drop_rate=0.1, seed=22)
    project = TofuProject(
        tmp_path / "scale",
        api_url=emulator.base_url,
        api_key=ACME_KEY,
        env={"BASETEN_MAX_REQUESTS_PER_SECOND": "0"},
    )
    project.write("main.tf", _endpoints(100, "par"))
    first = project.apply("-parallelism=10")
    # A step whose retries all met faults fails alone; the next apply finishes it (at most one more).
    if first.returncode != 0:
        assert "Error:" in first.text
        assert "Traceback" not in first.text
        project.apply("-parallelism=10").ok()
    faults = emulator.stats()["faults"]
    assert min(faults["5xx"], faults["429"], faults["drop"]) > 0, faults
    emulator.set_faults()
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        slugs = _slugs(client)
        assert sorted(slugs) == sorted(f"acme/par-{i}" for i in range(100))
        assert Counter(slugs).most_common(1)[0][1] == 1  # no duplicate
        state = project.resources()
        assert {v["endpoint_id"] for v in state.values()} == {e.id for e in client.endpoints.list()}
        assert project.plan("-parallelism=10").returncode == 0
        emulator.set_faults(error_rate=0.1, rate_limit_rate=0.05, drop_rate=0.1, seed=23)
        destroyed = project.destroy("-parallelism=10")
        if destroyed.returncode != 0:
            project.destroy("-parallelism=10").ok()
        emulator.set_faults()
        assert _slugs(client) == []  # no orphan


def test_a_refresh_of_a_thousand_endpoints_reads_them_by_listing(
    tmp_path: Path, make_emulator: object
) -> None:
    emulator: EmulatorProcess = make_emulator()  # type: ignore[operator]
    project = TofuProject(
        tmp_path / "refresh",
        api_url=emulator.base_url,
        api_key=ACME_KEY,
        env={"BASETEN_MAX_REQUESTS_PER_SECOND": "0"},
    )
    project.write("main.tf", _endpoints(1000, "ref"))
    project.apply("-parallelism=20").ok()
    emulator.reset_stats()
    refresh = project.run("plan", "-refresh-only", "-detailed-exitcode", "-no-color", "-parallelism=20")
    assert refresh.returncode == 0, refresh.text[-3000:]
    stats = emulator.stats()
    reads = {route: n for route, n in stats["by_route"].items() if route.startswith("GET")}
    lists = reads.get("GET /v1/gateway/endpoints", 0)
    gets = reads.get("GET /v1/gateway/endpoints/{endpoint_id}", 0)
    print(f"refresh of 1000 endpoints: {stats['total_requests']} requests ({lists} list pages, {gets} GETs)")
    # One GET per endpoint would be 1,000; a listing is one request per 1,000 endpoints, per batch.
    assert stats["total_requests"] <= 100, reads
