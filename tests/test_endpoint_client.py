"""GatewayClient against the emulator over real HTTP: every operation, every error class, pagination,
retries on 429 and 5xx, and creates that never duplicate under commit-then-drop faults."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

from harness.emulator import (
    ACME_KEY,
    ACME_VIEWER_KEY,
    GLOBEX_KEY,
    GLOBEX_PREFIX,
    EmulatorProcess,
    auth_headers,
    unique_slug,
)
from pulumi_baseten_gateway import (
    AuthenticationError,
    BadRequestError,
    DuplicateSlugError,
    GatewayClient,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from pulumi_baseten_gateway.api.models.endpoint import EndpointInfo, Region, Target, TargetProvider
from tests.conftest import MakeEmulator

BASETEN = {"provider": "BASETEN", "model_id": "3kZ9xqd"}
FAST_RETRY = RetryPolicy(max_attempts=8, initial_backoff=0.005, max_backoff=0.05, total_timeout=30)


def not_waited(seconds: float) -> None:
    """The fault tests' clients' waits, not slept: each injected 429 asks for a whole second, and what those
    tests prove is convergence under faults, not the waiting (test_rate_limits_are_waited_out proves the
    waits); the emulator's own limit, 10,000 a second, is never reached by their few requests."""


@pytest.fixture
def client(emulator: EmulatorProcess) -> Iterator[GatewayClient]:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=FAST_RETRY) as gateway:
        yield gateway


def live_slugs(emulator: EmulatorProcess, key: str = ACME_KEY) -> list[str]:
    with GatewayClient(key, base_url=emulator.base_url) as gateway:
        return [endpoint.slug for endpoint in gateway.endpoints.list()]


def test_lifecycle(client: GatewayClient) -> None:
    slug = unique_slug()
    created = client.endpoints.create(
        slug, [Target(provider=TargetProvider.BASETEN, model_id="3kZ9xqd", environment_name="staging")]
    )
    assert isinstance(created, EndpointInfo)
    assert (created.slug, created.region) == (slug, Region.UNRESTRICTED)
    assert created.targets[0].environment_name == "staging"
    assert client.endpoints.get(created.id) == created
    assert client.endpoints.find_by_slug(slug) == created

    updated = client.endpoints.update(
        created.id, [{"provider": "OPENAI", "secret_id": "s1", "target_model": "gpt-4o"}]
    )
    assert updated.id == created.id
    assert updated.targets == [Target(provider=TargetProvider.OPENAI, secret_id="s1", target_model="gpt-4o")]
    assert updated.updated_at > created.updated_at
    assert updated.created_at == created.created_at

    tombstone = client.endpoints.delete(created.id)
    assert (tombstone.id, tombstone.slug) == (created.id, slug)
    with pytest.raises(NotFoundError) as info:
        client.endpoints.get(created.id)
    assert info.value.status == 404
    assert client.endpoints.find_by_slug(slug) is None


def test_eu_region_and_bearer_scheme(emulator: EmulatorProcess) -> None:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, auth_scheme="Bearer") as gateway:
        endpoint = gateway.endpoints.create(unique_slug(), [BASETEN], region="EU")
        assert endpoint.region is Region.EU
        gateway.endpoints.delete(endpoint.id)


def test_pagination_visits_every_endpoint_once(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        created = [gateway.endpoints.create(f"acme/page-{i}", [BASETEN]).id for i in range(23)]
        emulator.reset_stats()
        listed = [endpoint.id for endpoint in gateway.endpoints.list(page_size=10)]
        assert listed == created
        assert emulator.stats()["by_route"]["GET /v1/gateway/endpoints"] == 3
        first = gateway.endpoints.list_page(limit=5)
        assert first.pagination.has_more
        second = gateway.endpoints.list_page(limit=5, cursor=first.pagination.cursor)
        assert [e.id for e in first.items + second.items] == created[:10]


def test_bad_request_names_the_rule_and_the_server_message(
    client: GatewayClient, emulator: EmulatorProcess
) -> None:
    slug = f"{GLOBEX_PREFIX}/not-ours"
    with pytest.raises(BadRequestError) as info:
        client.endpoints.create(slug, [BASETEN])
    error = info.value
    assert error.status == 400
    assert error.method == "POST"
    assert error.path == "/v1/gateway/endpoints"
    assert "prefix" in error.server_message
    assert slug in str(error)
    assert "create endpoint" in str(error)
    assert "HTTP 400" in str(error)


def test_duplicate_slug_is_one_typed_error_carrying_the_existing_endpoint(client: GatewayClient) -> None:
    slug = unique_slug()
    first = client.endpoints.create(slug, [BASETEN])
    with pytest.raises(DuplicateSlugError, match="returned HTTP 400: slug: an endpoint with slug") as info:
        client.endpoints.create(slug, [BASETEN])
    assert info.value.existing == first
    assert info.value.endpoint_id == first.id
    assert f"endpoint id {first.id!r} in this workspace holds the slug" in str(info.value)
    assert live_slugs_count(client, slug) == 1


def live_slugs_count(client: GatewayClient, slug: str) -> int:
    return sum(1 for endpoint in client.endpoints.list() if endpoint.slug == slug)


def test_unknown_key_is_authentication_error(emulator: EmulatorProcess) -> None:
    with (
        GatewayClient("no-such-key", base_url=emulator.base_url) as gateway,
        pytest.raises(AuthenticationError) as info,
    ):
        gateway.endpoints.get("anything")
    assert info.value.status == 401
    assert "no-such-key" not in str(info.value)


def test_viewer_key_and_other_workspace_are_permission_denied(
    emulator: EmulatorProcess, client: GatewayClient
) -> None:
    endpoint = client.endpoints.create(unique_slug(), [BASETEN])
    with GatewayClient(ACME_VIEWER_KEY, base_url=emulator.base_url) as viewer:
        with pytest.raises(PermissionDeniedError) as info:
            viewer.endpoints.create(unique_slug(), [BASETEN])
        assert info.value.status == 403
        with pytest.raises(PermissionDeniedError):
            list(viewer.endpoints.list())
    with GatewayClient(GLOBEX_KEY, base_url=emulator.base_url) as globex:
        for call in (
            lambda: globex.endpoints.get(endpoint.id),
            lambda: globex.endpoints.update(endpoint.id, [BASETEN]),
            lambda: globex.endpoints.delete(endpoint.id),
        ):
            with pytest.raises(PermissionDeniedError):
                call()
    assert client.endpoints.get(endpoint.id) == endpoint


def test_deleted_endpoint_is_not_found_on_every_operation(client: GatewayClient) -> None:
    endpoint = client.endpoints.create(unique_slug(), [BASETEN])
    client.endpoints.delete(endpoint.id)
    for call in (
        lambda: client.endpoints.get(endpoint.id),
        lambda: client.endpoints.update(endpoint.id, [BASETEN]),
        lambda: client.endpoints.delete(endpoint.id),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_invalid_input_never_reaches_the_server(client: GatewayClient, emulator: EmulatorProcess) -> None:
    before = emulator.stats()["total_requests"]
    with pytest.raises(InvalidInputError, match=r"targets\[0\]\.secret_id: is required for ANTHROPIC"):
        client.endpoints.create(unique_slug(), [{"provider": "ANTHROPIC", "target_model": "claude"}])
    with pytest.raises(InvalidInputError, match="slug"):
        client.endpoints.create("acme/a/b", [BASETEN])
    assert emulator.stats()["total_requests"] == before


def limiter_clock(emulator: EmulatorProcess, **change: Any) -> dict[str, Any]:
    """``PUT /_emulator/clock``: freeze (``frozen=True``) or ``advance`` the emulator's rate-limit clock,
    so which one-second window a request lands in is the test's decision, not the scheduler's."""
    response = httpx.put(emulator.url("/_emulator/clock"), json=change, timeout=10)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def test_rate_limit_without_retries_is_a_typed_error(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(rate_limit_per_second=2)
    limiter_clock(emulator, frozen=True)  # one window until the test moves the clock
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=RetryPolicy.none()) as gateway:
        for _ in range(2):
            gateway.endpoints.list_page()
        with pytest.raises(RateLimitError) as info:
            gateway.endpoints.list_page()
        assert info.value.status == 429
        assert info.value.retry_after == 1  # whole seconds, to the window's end
        assert emulator.stats()["rate_limited"] == 1
        limiter_clock(emulator, advance=info.value.retry_after)  # waited out: a new window
        gateway.endpoints.list_page()
    assert emulator.stats()["rate_limited"] == 1


def test_rate_limits_are_waited_out(make_emulator: MakeEmulator) -> None:
    """The client waits each 429's ``retry_after``; the wait moves the emulator's frozen clock on instead
    of passing real time, so exactly 20 creates fit in each window whatever the machine's speed."""
    emulator = make_emulator(rate_limit_per_second=20)
    limiter_clock(emulator, frozen=True)
    waits: list[float] = []

    def wait_on_the_emulator_clock(seconds: float) -> None:
        waits.append(seconds)
        limiter_clock(emulator, advance=seconds)

    with GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=FAST_RETRY) as gateway:
        gateway._sleep = wait_on_the_emulator_clock
        ids = [gateway.endpoints.create(f"acme/rl-{i}", [BASETEN]).id for i in range(45)]
    # 20 + 20 + 5: two creates were told to wait, waited retry_after (1 s, plus jitter), and went through.
    assert emulator.stats()["rate_limited"] == 2
    assert len(waits) == 2
    assert all(1 <= wait <= 1.05 for wait in waits), waits
    assert len(set(ids)) == 45
    assert live_slugs(emulator) == [f"acme/rl-{i}" for i in range(45)]
    assert emulator.stats()["by_route"]["POST /v1/gateway/endpoints"] == 47


def test_pacing_stays_under_the_limit(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(rate_limit_per_second=50)
    with GatewayClient(
        ACME_KEY, base_url=emulator.base_url, retry=FAST_RETRY, max_requests_per_second=45
    ) as gateway:
        for i in range(60):
            gateway.endpoints.create(f"acme/paced-{i}", [BASETEN])
    assert emulator.stats()["rate_limited"] == 0


def test_server_errors_are_retried(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator("--seed", "7")
    emulator.set_faults(error_rate=0.4, rate_limit_rate=0.2, seed=7)
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=FAST_RETRY) as gateway:
        gateway._sleep = not_waited
        endpoint = gateway.endpoints.create("acme/flaky", [BASETEN])
        for i in range(10):
            gateway.endpoints.update(endpoint.id, [{**BASETEN, "model_id": f"m{i}"}])
        assert gateway.endpoints.get(endpoint.id).targets[0].model_id == "m9"
        gateway.endpoints.delete(endpoint.id)
    faults = emulator.stats()["faults"]
    assert faults["5xx"] > 0
    assert faults["429"] > 0
    emulator.set_faults()
    assert live_slugs(emulator) == []


def test_server_error_after_budget_is_typed(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    emulator.set_faults(error_rate=1.0, seed=1)
    with (
        GatewayClient(
            ACME_KEY, base_url=emulator.base_url, retry=RetryPolicy(max_attempts=3, initial_backoff=0.001)
        ) as gateway,
        pytest.raises(ServerError) as info,
    ):
        gateway.endpoints.get("x")
    assert info.value.status in (500, 502, 503, 504)
    assert emulator.stats()["faults"]["5xx"] == 3


def test_commit_then_drop_never_duplicates_a_create(make_emulator: MakeEmulator) -> None:
    """Every write is committed and then its connection dropped: creates still return exactly once."""
    emulator = make_emulator()
    emulator.set_faults(drop_rate=1.0, seed=3)
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=FAST_RETRY) as gateway:
        endpoints = [gateway.endpoints.create(f"acme/dropped-{i}", [BASETEN]) for i in range(5)]
    assert emulator.stats()["faults"]["drop"] == 5
    emulator.set_faults()
    assert live_slugs(emulator) == [f"acme/dropped-{i}" for i in range(5)]
    assert [e.slug for e in endpoints] == [f"acme/dropped-{i}" for i in range(5)]


def test_mixed_faults_leave_exactly_the_requested_endpoints(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    emulator.set_faults(error_rate=0.2, rate_limit_rate=0.1, drop_rate=0.3, seed=11)
    wanted = [f"acme/mixed-{i}" for i in range(30)]
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=FAST_RETRY) as gateway:
        gateway._sleep = not_waited
        for slug in wanted:
            gateway.endpoints.create(slug, [BASETEN])
    faults = emulator.stats()["faults"]
    assert faults["drop"] > 0
    assert faults["5xx"] > 0
    emulator.set_faults()
    assert sorted(live_slugs(emulator)) == sorted(wanted)


def test_connection_refused_is_a_transport_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        GatewayClient(
            ACME_KEY,
            base_url=f"http://127.0.0.1:{port}",
            retry=RetryPolicy(max_attempts=2, initial_backoff=0.001),
        ) as gateway,
        pytest.raises(TransportError) as info,
    ):
        gateway.endpoints.get("e1")
    assert "get endpoint 'e1'" in str(info.value)
    assert "GET /v1/gateway/endpoints/e1" in str(info.value)


def test_timeouts_are_transport_errors(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    emulator.set_faults(latency_ms=500, seed=1)
    with (
        GatewayClient(
            ACME_KEY,
            base_url=emulator.base_url,
            timeout=httpx.Timeout(0.05),
            retry=RetryPolicy(max_attempts=2, initial_backoff=0.001),
        ) as gateway,
        pytest.raises(TransportError, match="Timeout"),
    ):
        gateway.endpoints.get("e1")


def test_raw_api_agrees_with_the_client(emulator: EmulatorProcess, client: GatewayClient) -> None:
    """A witness outside the client: the emulator holds what the client says it created."""
    endpoint = client.endpoints.create(unique_slug(), [BASETEN])
    raw = httpx.get(emulator.url(f"/v1/gateway/endpoints/{endpoint.id}"), headers=auth_headers(ACME_KEY))
    assert msgspec.convert(raw.json(), EndpointInfo) == endpoint


def test_commit_then_drop_on_every_update_still_converges(make_emulator: MakeEmulator) -> None:
    """Every PATCH is applied and its answer lost: the client reads back and sees it is done."""
    emulator = make_emulator()
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=FAST_RETRY) as gateway:
        endpoint = gateway.endpoints.create("acme/patched", [BASETEN])
        emulator.set_faults(drop_rate=1.0, seed=4)
        updated = gateway.endpoints.update(endpoint.id, [{**BASETEN, "model_id": "next"}])
        emulator.set_faults()
        assert updated.targets[0].model_id == "next"
        assert gateway.endpoints.get(endpoint.id).targets[0].model_id == "next"
    assert emulator.stats()["faults"]["drop"] == 1
