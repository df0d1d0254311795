"""GatewayClient edge cases that a well-behaved server never produces, over httpx.MockTransport.

Everything a real server does is tested against the emulator in test_client.py; this file only covers
broken bodies, exact request shapes, and the ambiguous-create decisions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from pulumi_baseten_gateway import (
    ConfigurationError,
    ConflictError,
    GatewayClient,
    InvalidInputError,
    MalformedResponseError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TransportError,
)

KEY = "sk-unit-test-0123456789"
BASETEN = {"provider": "BASETEN", "model_id": "3kZ9xqd"}


def endpoint_body(
    slug: str = "acme/a",
    targets: list[dict[str, Any]] | None = None,
    id_: str = "e1",
    created_at: str = "2026-06-17T12:00:00Z",
) -> dict[str, Any]:
    return {
        "id": id_,
        "slug": slug,
        "region": "UNRESTRICTED",
        "targets": targets or [BASETEN],
        "created_at": created_at,
        "updated_at": created_at,
    }


def just_now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "pagination": {"has_more": False, "cursor": None}}


Handler = Callable[[httpx.Request], httpx.Response]


def make_client(handler: Handler, **kwargs: Any) -> tuple[GatewayClient, list[float]]:
    kwargs.setdefault("retry", RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.02))
    client = GatewayClient(
        KEY, base_url="https://gateway.test", transport=httpx.MockTransport(handler), **kwargs
    )
    sleeps: list[float] = []
    client._sleep = sleeps.append
    return client, sleeps


def test_non_json_success_body_is_a_typed_error() -> None:
    client, _ = make_client(lambda r: httpx.Response(200, text="<html>oops</html>"))
    with pytest.raises(MalformedResponseError) as info:
        client.get_endpoint("e1")
    assert info.value.status == 200
    assert "get endpoint 'e1'" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        {"id": "e1"},
        {**endpoint_body(), "targets": "not-a-list"},
        {**endpoint_body(), "created_at": "not-a-date"},
        {**endpoint_body(), "region": "MARS"},
        [],
        None,
    ],
)
def test_malformed_endpoint_bodies_are_typed_errors(body: Any) -> None:
    client, _ = make_client(lambda r: httpx.Response(200, json=body))
    with pytest.raises(MalformedResponseError):
        client.get_endpoint("e1")


def test_list_with_a_repeating_cursor_stops_with_an_error() -> None:
    looping = {"items": [], "pagination": {"has_more": True, "cursor": "same"}}
    client, _ = make_client(lambda r: httpx.Response(200, json=looping))
    with pytest.raises(MalformedResponseError, match="cursor"):
        list(client.list_endpoints())


def test_error_without_json_body_keeps_the_text() -> None:
    client, _ = make_client(lambda r: httpx.Response(400, text="plain failure"), retry=RetryPolicy.none())
    with pytest.raises(Exception, match="HTTP 400: plain failure"):
        client.get_endpoint("e1")


def test_path_parameters_cannot_leave_their_segment() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json=endpoint_body())

    client, _ = make_client(handler)
    for hostile in ("../x", "a/b", "%2F..", "a?b=c", "a#b"):
        client.get_endpoint(hostile)
    assert seen == [
        b"/v1/gateway/endpoints/..%2Fx",
        b"/v1/gateway/endpoints/a%2Fb",
        b"/v1/gateway/endpoints/%252F..",
        b"/v1/gateway/endpoints/a%3Fb%3Dc",
        b"/v1/gateway/endpoints/a%23b",
    ]
    for empty in ("", ".", ".."):
        with pytest.raises(InvalidInputError, match="endpoint_id"):
            client.delete_endpoint(empty)
    assert len(seen) == 5


@pytest.mark.parametrize(
    "url", ["http://api.baseten.co", "http://10.0.0.1:8000", "ftp://x", "https://user:pw@host", "not a url"]
)
def test_insecure_or_odd_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        GatewayClient(KEY, base_url=url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8787", "http://localhost:1", "http://[::1]:9", "https://x.test"]
)
def test_loopback_http_and_https_are_allowed(url: str) -> None:
    GatewayClient(KEY, base_url=url).close()


def test_auth_header_schemes() -> None:
    headers: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers["Authorization"])
        return httpx.Response(200, json=endpoint_body())

    for scheme in ("Api-Key", "Bearer"):
        client, _ = make_client(handler, auth_scheme=scheme)
        client.get_endpoint("e1")
    assert headers == [f"Api-Key {KEY}", f"Bearer {KEY}"]


def test_retry_after_from_body_then_header_is_honoured() -> None:
    answers = iter(
        [
            httpx.Response(429, json={"error": "Rate limit exceeded.", "retry_after": 2.5}),
            httpx.Response(429, headers={"Retry-After": "3"}, json={"error": "Rate limit exceeded."}),
            httpx.Response(200, json=endpoint_body()),
        ]
    )
    client, sleeps = make_client(lambda r: next(answers))
    assert client.get_endpoint("e1").id == "e1"
    assert len(sleeps) == 2
    assert 2.5 <= sleeps[0] < 2.6
    assert 3.0 <= sleeps[1] < 3.1


def test_retry_budget_is_bounded() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503, json={"error": "unavailable"})

    client, sleeps = make_client(handler, retry=RetryPolicy(max_attempts=3, initial_backoff=0.01))
    with pytest.raises(ServerError) as info:
        client.get_endpoint("e1")
    assert info.value.status == 503
    assert len(calls) == 3
    assert len(sleeps) == 2


def test_a_retry_after_beyond_the_time_budget_is_not_waited_for() -> None:
    client, sleeps = make_client(
        lambda r: httpx.Response(429, json={"error": "slow down", "retry_after": 600}),
        retry=RetryPolicy(max_attempts=5, total_timeout=30),
    )
    with pytest.raises(RateLimitError) as info:
        client.get_endpoint("e1")
    assert info.value.retry_after == 600
    assert sleeps == []


def test_bad_request_is_not_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json={"error": "nope"})

    client, _ = make_client(handler)
    with pytest.raises(Exception, match="nope"):
        client.get_endpoint("e1")
    assert len(calls) == 1


def test_ambiguous_create_then_other_targets_is_a_conflict() -> None:
    """The POST times out; the slug then shows up with other targets: someone else owns it."""
    other = [{"provider": "BASETEN", "model_id": "other"}]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=page([endpoint_body("acme/a", other, "theirs")]))

    client, _ = make_client(handler)
    with pytest.raises(ConflictError) as info:
        client.create_endpoint("acme/a", [BASETEN])
    assert info.value.endpoint_id == "theirs"
    assert "acme/a" in str(info.value)


def test_ambiguous_create_that_applied_is_returned_without_a_second_post() -> None:
    posts: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(json.loads(request.content))
            return httpx.Response(502, json={"error": "bad gateway"})
        return httpx.Response(200, json=page([endpoint_body("acme/a", [BASETEN], "ours", just_now())]))

    client, _ = make_client(handler)
    assert client.create_endpoint("acme/a", [BASETEN]).id == "ours"
    assert posts == [{"slug": "acme/a", "targets": [BASETEN], "region": "UNRESTRICTED"}]


def test_ambiguous_create_never_takes_over_an_identical_endpoint_that_existed_before() -> None:
    """No idempotency key: an identical endpoint created long before this call is someone else's."""
    old = endpoint_body("acme/a", [BASETEN], "theirs", "2026-06-17T12:00:00Z")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.RemoteProtocolError("dropped", request=request)
        return httpx.Response(200, json=page([old]))

    client, _ = make_client(handler)
    with pytest.raises(ConflictError, match="before this create began") as info:
        client.create_endpoint("acme/a", [BASETEN])
    assert info.value.endpoint_id == "theirs"


def test_ambiguous_create_with_free_slug_posts_again() -> None:
    methods: list[str] = []
    posts = iter([httpx.Response(504, json={"error": "timeout"}), httpx.Response(200, json=endpoint_body())])

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        if request.method == "POST":
            return next(posts)
        return httpx.Response(200, json=page([]))

    client, _ = make_client(handler)
    assert client.create_endpoint("acme/a", [BASETEN]).id == "e1"
    assert methods == ["POST", "GET", "POST"]


def test_create_rate_limited_is_retried_without_lookup() -> None:
    methods: list[str] = []
    posts = iter(
        [
            httpx.Response(429, json={"error": "slow", "retry_after": 0.01}),
            httpx.Response(200, json=endpoint_body()),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        return next(posts)

    client, _ = make_client(handler)
    client.create_endpoint("acme/a", [BASETEN])
    assert methods == ["POST", "POST"]


def test_invalid_input_sends_nothing() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    client, _ = make_client(handler)
    with pytest.raises(InvalidInputError) as info:
        client.create_endpoint("no-slash", [{"provider": "OPENAI", "model_id": "x"}, BASETEN])
    paths = {v.path for v in info.value.violations}
    assert {"slug", "targets", "targets[0].model_id", "targets[0].secret_id"} <= paths
    with pytest.raises(InvalidInputError):
        client.update_endpoint("e1", [])
    with pytest.raises(InvalidInputError):
        client.list_endpoints_page(limit=1001)
    assert calls == []


def test_the_key_never_shows(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client, _ = make_client(handler)
    with pytest.raises(TransportError) as info:
        client.get_endpoint("e1")
    texts = [repr(client), str(info.value), repr(info.value), caplog.text, repr(client._http.auth)]
    texts += [repr(client._http), repr(client._http.headers)]
    assert all(KEY not in text for text in texts)


@pytest.mark.parametrize("key", ["", "   ", "two words", "line\nbreak"])
def test_unusable_keys_are_refused_without_echo(key: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        GatewayClient(key)
    assert key.strip() == "" or key not in str(info.value)
