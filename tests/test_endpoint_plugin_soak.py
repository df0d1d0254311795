"""Reliability soak, short: endpoint lifecycles through the real plugin against a faulty emulator.

The driver is ``benchmarks/soak_driver.py``, run from the command line by ``benchmarks/soak.py`` (the
long run is ``python benchmarks/soak.py --lifecycles 1000``); see that file's docstring for the engine
semantics it models and what it checks.
"""

from __future__ import annotations

import secrets

import httpx

from benchmarks.soak_driver import run_soak
from benchmarks.soak_plan import (
    DEFAULT_FAULTS,
    TYPED_ERROR,
    SoakConfig,
    classify_failure,
    emulator_args,
    lifecycle_slugs,
    lifecycle_targets,
    soak_workspace,
)
from tests.conftest import MakeEmulator

LIFECYCLES = 30
TYPED_CAUSES = {"HTTP 5xx", "HTTP 429", "no response", "already exists", "already exists (adopt advised)"}


def _key() -> str:
    return f"soak-test-{secrets.token_hex(12)}"


def test_lifecycles_converge_under_5xx_429_drops_and_latency(make_emulator: MakeEmulator) -> None:
    api_key = _key()
    emulator = make_emulator(*emulator_args(DEFAULT_FAULTS), workspaces=[soak_workspace(api_key)])
    report = run_soak(emulator.base_url, api_key, SoakConfig(lifecycles=LIFECYCLES, checkpoint_every=10))
    summary = report.render()

    assert report.problems() == [], summary
    assert report.converged == LIFECYCLES, summary
    assert report.orphans == [], summary
    assert report.duplicates == [], summary
    assert report.lost_updates == [], summary
    assert report.missing == [], summary
    assert report.key_leaks == [], summary
    assert report.driver_errors == [], summary
    assert report.plugin_alive, summary
    # Two endpoints per lifecycle (the original slug and the renamed one), and no other.
    assert report.endpoints_created == report.ids_learnt == 2 * LIFECYCLES, summary
    assert report.checkpoints == LIFECYCLES // 10 - 1, summary

    # Every kind of fault really reached the plugin's requests.
    plugin_faults = report.plugin_faults
    for kind in ("5xx", "429", "drop", "latency"):
        assert plugin_faults.get(kind, 0) > 0, summary
    assert report.plugin_requests > 0, summary
    assert sum(report.client_retries.values()) > 0, summary

    # Whatever reached the caller after the retry budget was a clear, typed error naming the slug.
    for failure in report.failures:
        assert failure.kind in TYPED_CAUSES, summary
        assert f"Endpoint '{failure.slug}'" in failure.last_line, summary
    assert sum(report.reruns.values()) == len(report.failures), summary

    # Afterwards (the driver switched faults off): nothing live is left in the workspace.
    listing = httpx.get(
        emulator.url("/v1/gateway/endpoints"), headers={"Authorization": f"Api-Key {api_key}"}
    )
    assert listing.status_code == 200
    assert listing.json()["items"] == []


def test_a_create_that_committed_unseen_is_adopted_on_the_re_run(make_emulator: MakeEmulator) -> None:
    """What a create whose last attempt committed but lost its response leaves behind: the slug exists,
    the state has nothing. The re-run fails with the adopt advice; the user's re-run with adopt=True
    takes the endpoint over; the driver counts both, and nothing is left over."""
    api_key = _key()
    emulator = make_emulator("--rate-limit", "0", workspaces=[soak_workspace(api_key)])
    slug, _ = lifecycle_slugs(0)
    t0, _, _ = lifecycle_targets(0)
    committed = httpx.post(
        emulator.url("/v1/gateway/endpoints"),
        json={"slug": slug, "targets": [t0]},
        headers={"Authorization": f"Api-Key {api_key}"},
    )
    assert committed.status_code == 200

    report = run_soak(emulator.base_url, api_key, SoakConfig(lifecycles=1, threads=1))
    summary = report.render()

    assert report.problems() == [], summary
    assert report.adopt_reruns == 1, summary
    assert report.takeovers == 0, summary
    assert report.reruns == {"create": 1}, summary
    assert [(f.step, f.rpc, f.kind) for f in report.failures] == [
        ("create", "Create", "already exists (adopt advised)")
    ], summary
    assert committed.json()["id"] in report.failures[0].last_line, summary
    # The adopted endpoint predates the run; the renamed one is the only endpoint the run created.
    assert report.ids_learnt == 2, summary
    assert report.endpoints_created == 1, summary
    assert report.faults_injected == {}, summary


def test_the_audit_sees_an_endpoint_nobody_owns(make_emulator: MakeEmulator) -> None:
    """The zero counts are not vacuous: a live endpoint outside the driver's state is an orphan at
    every checkpoint and at the end."""
    api_key = _key()
    emulator = make_emulator("--rate-limit", "0", workspaces=[soak_workspace(api_key)])
    stray = httpx.post(
        emulator.url("/v1/gateway/endpoints"),
        json={"slug": "soak/stray", "targets": [{"provider": "BASETEN", "model_id": "m"}]},
        headers={"Authorization": f"Api-Key {api_key}"},
    )
    assert stray.status_code == 200

    report = run_soak(emulator.base_url, api_key, SoakConfig(lifecycles=4, threads=2, checkpoint_every=2))

    assert report.converged == 4
    assert report.checkpoints == 1
    assert len(report.orphans) == 2, report.render()  # the checkpoint, and the end
    assert all("soak/stray" in orphan for orphan in report.orphans)
    assert report.problems() == [f"2 orphans: {'; '.join(report.orphans)}"]


def test_failure_classification() -> None:
    slug = "soak/lc-7"
    typed = TYPED_ERROR + "Endpoint 'soak/lc-7': {} failed: {}"
    traceback_head = 'Traceback (most recent call last):\n  File "x.py", line 1, in f\n'
    cases = {
        "update endpoint 'a' failed: PATCH /v1/gateway/endpoints/a returned HTTP 503: injected": "HTTP 5xx",
        "list endpoints failed: GET /v1/gateway/endpoints returned HTTP 429: Rate limit": "HTTP 429",
        "create endpoint 'soak/lc-7' failed: no response to POST /v1/gateway/endpoints: ReadError": (
            "no response"
        ),
        "slug 'soak/lc-7' already exists in this workspace (endpoint id 'x'); ... set adopt=True on it": (
            "already exists (adopt advised)"
        ),
        # Found by the create's look-up, before any POST (seen when a create under load gave up, and its
        # re-run found the endpoint that create's last ambiguous attempt had made).
        "the slug is taken: endpoint id 'x' in this workspace holds the slug (created at ..., before this "
        "create began); to manage that endpoint with this resource, set adopt=True on it": (
            "already exists (adopt advised)"
        ),
    }
    for cause, kind in cases.items():
        assert classify_failure(traceback_head + typed.format("create", cause) + "\n", slug) == kind
    # Another slug, another exception, or a cause outside the retry budget's: not the promised error.
    assert classify_failure(typed.format("create", "HTTP 503"), "soak/lc-8") is None
    assert classify_failure(traceback_head + "KeyError: 'targets'", slug) is None
    assert classify_failure(traceback_head + "TypeError: 'NoneType' object", slug) is None
    assert classify_failure(typed.format("update", "returned HTTP 404: not found"), slug) is None
    assert classify_failure("", slug) is None
