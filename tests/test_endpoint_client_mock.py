"""GatewayClient edge cases that a well-behaved server never produces, over httpx.MockTransport.

Everything a real server does is tested against the emulator in test_endpoint_client.py; this file only covers
broken bodies, exact request shapes, and the ambiguous-create decisions.
"""

from __future__ import annotations

import base64
import json
import logging
import pickle
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from pulumi_baseten_gateway import (
    BadRequestError,
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
from pulumi_baseten_gateway.api.answers import Reply
from pulumi_baseten_gateway.api.bounds import _bound_connection_pools, _DeadlineBackend
from pulumi_baseten_gateway.api.scrub import _Scrubber, _ScrubRecords
from pulumi_baseten_gateway.settings import Settings

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
        client.endpoints.get("e1")
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
        client.endpoints.get("e1")


def test_list_with_a_repeating_cursor_stops_with_an_error() -> None:
    looping = {"items": [], "pagination": {"has_more": True, "cursor": "same"}}
    client, _ = make_client(lambda r: httpx.Response(200, json=looping))
    with pytest.raises(MalformedResponseError, match="cursor"):
        list(client.endpoints.list())


def test_error_without_json_body_keeps_the_text() -> None:
    client, _ = make_client(lambda r: httpx.Response(400, text="plain failure"), retry=RetryPolicy.none())
    with pytest.raises(BadRequestError, match="HTTP 400: plain failure") as info:
        client.endpoints.get("e1")
    assert type(info.value) is BadRequestError
    assert info.value.status == 400


def test_path_parameters_cannot_leave_their_segment() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json=endpoint_body())

    client, _ = make_client(handler)
    for hostile in ("../x", "a/b", "%2F..", "a?b=c", "a#b"):
        client.endpoints.get(hostile)
    assert seen == [
        b"/v1/gateway/endpoints/..%2Fx",
        b"/v1/gateway/endpoints/a%2Fb",
        b"/v1/gateway/endpoints/%252F..",
        b"/v1/gateway/endpoints/a%3Fb%3Dc",
        b"/v1/gateway/endpoints/a%23b",
    ]
    for empty in ("", ".", ".."):
        with pytest.raises(InvalidInputError, match="endpoint_id"):
            client.endpoints.delete(empty)
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
    """Accepted, and requests go to that very host, port and scheme."""
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json=endpoint_body())

    with GatewayClient(KEY, base_url=url, transport=httpx.MockTransport(handler)) as client:
        assert client.base_url == url
        client.endpoints.get("e1")
    (sent,) = seen
    expected = httpx.URL(url)
    assert (sent.scheme, sent.host, sent.port) == (expected.scheme, expected.host, expected.port)
    assert sent.path == "/v1/gateway/endpoints/e1"


def test_auth_header_schemes() -> None:
    headers: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers["Authorization"])
        return httpx.Response(200, json=endpoint_body())

    for scheme in ("Api-Key", "Bearer"):
        client, _ = make_client(handler, auth_scheme=scheme)
        client.endpoints.get("e1")
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
    assert client.endpoints.get("e1").id == "e1"
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
        client.endpoints.get("e1")
    assert info.value.status == 503
    assert len(calls) == 3
    assert len(sleeps) == 2


def test_a_retry_after_beyond_the_time_budget_is_not_waited_for() -> None:
    client, sleeps = make_client(
        lambda r: httpx.Response(429, json={"error": "slow down", "retry_after": 600}),
        retry=RetryPolicy(max_attempts=5, total_timeout=30),
    )
    with pytest.raises(RateLimitError) as info:
        client.endpoints.get("e1")
    assert info.value.retry_after == 600
    assert sleeps == []


def test_bad_request_is_not_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json={"error": "nope"})

    client, sleeps = make_client(handler)
    with pytest.raises(BadRequestError, match="nope") as info:
        client.endpoints.get("e1")
    assert type(info.value) is BadRequestError
    assert len(calls) == 1
    assert sleeps == []


def test_ambiguous_create_then_other_targets_is_a_conflict() -> None:
    """The POST times out; the slug then shows up with other targets: someone else owns it."""
    other = [{"provider": "BASETEN", "model_id": "other"}]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, json=page([endpoint_body("acme/a", other, "theirs")]))

    client, _ = make_client(handler)
    with pytest.raises(ConflictError) as info:
        client.endpoints.create("acme/a", [BASETEN])
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
    assert client.endpoints.create("acme/a", [BASETEN]).id == "ours"
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
        client.endpoints.create("acme/a", [BASETEN])
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
    assert client.endpoints.create("acme/a", [BASETEN]).id == "e1"
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
    client.endpoints.create("acme/a", [BASETEN])
    assert methods == ["POST", "POST"]


def test_invalid_input_sends_nothing() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    client, _ = make_client(handler)
    with pytest.raises(InvalidInputError) as info:
        client.endpoints.create("no-slash", [{"provider": "OPENAI", "model_id": "x"}, BASETEN])
    paths = {v.path for v in info.value.violations}
    assert {"slug", "targets", "targets[0].model_id", "targets[0].secret_id"} <= paths
    with pytest.raises(InvalidInputError):
        client.endpoints.update("e1", [])
    with pytest.raises(InvalidInputError):
        client.endpoints.list_page(limit=1001)
    assert calls == []


def test_the_key_never_shows(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client, _ = make_client(handler)
    with pytest.raises(TransportError) as info:
        client.endpoints.get("e1")
    texts = [repr(client), str(info.value), repr(info.value), caplog.text, repr(client._http.auth)]
    texts += [repr(client._http), repr(client._http.headers)]
    assert all(KEY not in text for text in texts)


@pytest.mark.parametrize("key", ["", "   ", "two words", "line\nbreak"])
def test_unusable_keys_are_refused_without_echo(key: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        GatewayClient(key)
    assert key.strip() == "" or key not in str(info.value)


# -- bounds and scrubbing (the hostile-server tests in test_endpoint_client_hostile.py show them end to end)


def test_the_pacer_never_holds_a_call_past_its_budget() -> None:
    """Held after a 429 for longer than a call's budget: that call fails at once, sending nothing."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=endpoint_body())

    client, sleeps = make_client(
        handler, max_requests_per_second=10, retry=RetryPolicy(total_timeout=1.0, initial_backoff=0.01)
    )
    assert client._pacer is not None
    client._pacer.hold(30.0)
    started = time.monotonic()
    with pytest.raises(RateLimitError, match="not sent: this client holds its requests after") as info:
        client.endpoints.get("e1")
    assert time.monotonic() - started < 0.5
    assert calls == []
    assert sleeps == []
    assert info.value.retry_after is not None
    assert 29 < info.value.retry_after <= 30
    assert "retry after 20" in str(info.value)


def test_a_429_beyond_the_budget_does_not_hold_the_pacer_but_one_within_it_does() -> None:
    answers = iter(
        [
            httpx.Response(429, json={"error": "slow", "retry_after": 600}),
            httpx.Response(429, json={"error": "slow", "retry_after": 5}),
        ]
    )
    client, _ = make_client(
        lambda r: next(answers),
        max_requests_per_second=10,
        retry=RetryPolicy(max_attempts=1, total_timeout=30),
    )
    assert client._pacer is not None
    for _ in range(2):
        with pytest.raises(RateLimitError):
            client.endpoints.get("e1")
        held = client._pacer._next - time.monotonic()
        assert held < 6, held  # after the first: only the pacing interval; after the second: about 5 s
    assert held > 4


@pytest.mark.parametrize(
    "overrides",
    [
        {"attempt_timeout": 0},
        {"attempt_timeout": -1.0},
        {"total_timeout": float("inf")},
        {"total_timeout": float("nan")},
        {"attempt_timeout": True},
    ],
)
def test_retry_policy_time_bounds_must_be_positive_and_finite(overrides: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**overrides)


def test_every_connection_pool_is_bounded_by_the_attempt_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    with GatewayClient(KEY, base_url="https://gateway.test") as client:
        transports = [client._http._transport, *client._http._mounts.values()]
        pools = [t._pool for t in transports if isinstance(t, httpx.HTTPTransport)]
        assert len(pools) == 2
        assert all(isinstance(pool._network_backend, _DeadlineBackend) for pool in pools)
        assert _bound_connection_pools(client._http) == 2  # idempotent: never wrapped twice
        assert not isinstance(pools[0]._network_backend._backend, _DeadlineBackend)


def test_the_scrubber_removes_every_form_of_the_key_and_shows_none() -> None:
    key = 'sk-odd/"key+é'
    scrubber = _Scrubber(key)
    forms = [
        key,
        json.dumps(key)[1:-1],
        quote(key, safe=""),
        base64.b64encode(f"Bearer {key}".encode()).decode(),
    ]
    for form in forms:
        assert scrubber.text(f"you sent {form}!") == "you sent <redacted>!"
        assert scrubber.body(f'{{"x": "{form}"}}'.encode()) == b'{"x": "<redacted>"}'
    assert key not in repr(scrubber)
    with pytest.raises(TypeError):
        pickle.dumps(scrubber)
    short = _Scrubber("k3y")  # no real key is this short: as a string it would match ordinary data
    assert short.body(b'{"k3y": "k3y"}') == b'{"k3y": "k3y"}'
    assert short.text("Authorization: Api-Key k3y") == "Authorization: Api-Key <redacted>"


def test_keys_of_eight_characters_and_more_are_scrubbed_in_every_form_shorter_ones_are_not() -> None:
    last_ignored, first_scrubbed = "k7Q-w2Z", "k7Q-w2Zx"
    assert _Scrubber(last_ignored).text(f"key {last_ignored}.") == f"key {last_ignored}."
    assert _Scrubber(last_ignored).body(last_ignored.encode()) == last_ignored.encode()
    scrubber = _Scrubber(first_scrubbed)
    forms = [
        first_scrubbed,
        base64.b64encode(first_scrubbed.encode()).decode(),
        base64.b64encode(f"Api-Key {first_scrubbed}".encode()).decode(),
        base64.b64encode(f"Bearer {first_scrubbed}".encode()).decode(),
    ]
    for form in forms:
        assert scrubber.text(f"[{form}]") == "[<redacted>]"
        assert scrubber.body(f"[{form}]".encode()) == b"[<redacted>]"
    # A form that holds another (the JSON form of a key starting with a backslash holds the key itself) is
    # replaced whole: no stray character of it is left beside the placeholder.
    slashed = _Scrubber("\\k7Q-w2Zx")
    assert slashed.text('{"error": "bad key \\\\k7Q-w2Zx"}') == '{"error": "bad key <redacted>"}'
    assert slashed.body(b'{"error": "bad key \\\\k7Q-w2Zx"}') == b'{"error": "bad key <redacted>"}'
    # Every occurrence of every form, however many, in one text.
    assert scrubber.text(" ".join(forms * 2)) == " ".join(["<redacted>"] * 8)
    assert repr(scrubber) == "_Scrubber(<redacted>)"
    with pytest.raises(TypeError, match=r"^the scrubber holds the API key and is not picklable$"):
        scrubber.__reduce__()


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("Authorization: raw-secret-1", "Authorization: <redacted>"),
        ("authorization=raw-secret-1; next", "authorization=<redacted>"),
        ('{"Authorization": "raw-secret-1", "x": 1}', '{"Authorization": "<redacted>", "x": 1}'),
        ("{'authorization': 'raw-secret-1'}", "{'authorization': '<redacted>'}"),
        ("Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: <redacted>"),
        ("Authorization: Api-Key tok-123, then", "Authorization: Api-Key <redacted>, then"),
        ("Authorization: Bearer tok-123", "Authorization: Bearer <redacted>"),
        ("send Authorization: <your key>", "send Authorization: <your key>"),  # a placeholder, kept
        ("use 'Api-Key <key>'", "use 'Api-Key <key>'"),
        ("api-key%20tok-123&x=1", "api-key%20<redacted>"),
        ("BEARER+tok-123", "BEARER+<redacted>"),
        ('bearer  tok-123"rest', 'bearer  <redacted>"rest'),
        ("Bearer tok;rest Bearer tok2>x", "Bearer <redacted>;rest Bearer <redacted>>x"),
        ("Bearer tok\\rest", "Bearer <redacted>\\rest"),
        ("x-api-key-header: tok", "x-api-key-header: tok"),  # no scheme word with a space after it
        ("Authorizations are many", "Authorizations are many"),
    ],
)
def test_credentials_in_server_text_are_redacted_and_the_rest_kept(said: str, shown: str) -> None:
    assert _Scrubber("sk-not-in-this-text-0").text(said) == shown


def _loggers_of(*packages: str) -> set[str]:
    """The loggers ``packages`` log to, read from their own sources (``logging.getLogger("...")``)."""
    import importlib
    import re
    from pathlib import Path

    names: set[str] = set()
    for package in packages:
        root = Path(importlib.import_module(package).__file__ or "").parent
        for source in root.rglob("*.py"):
            names.update(re.findall(r"logging\.getLogger\(\"([^\"]+)\"\)", source.read_text()))
    return names


def test_what_httpx_and_httpcore_log_is_scrubbed_and_other_records_are_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loggers = _loggers_of("httpx", "httpcore")
    assert {"httpx", "httpcore.http11", "httpcore.connection"} <= loggers
    caplog.set_level(logging.DEBUG)
    with GatewayClient(
        KEY, base_url="https://gateway.test", transport=httpx.MockTransport(lambda r: httpx.Response(200))
    ):
        for name in sorted(loggers):
            logging.getLogger(name).debug("%s echoed %s and Authorization: Bearer tok-9", name, KEY)
        logging.getLogger("httpx").info("HTTP Request: %s %s", "GET", "https://gateway.test/x")
    records = {r.name: r for r in caplog.records if r.getMessage().endswith("tok-9") or "<redacted>" in r.msg}
    assert set(records) == loggers
    for name, record in records.items():
        assert record.getMessage() == f"{name} echoed <redacted> and Authorization: Bearer <redacted>"
        assert record.args is None
    plain = next(r for r in caplog.records if r.msg == "HTTP Request: %s %s")
    assert plain.args == ("GET", "https://gateway.test/x")  # nothing to scrub: the record is untouched
    # A record that cannot be formatted passes untouched: the handler reports it, as without the filter.
    broken = logging.LogRecord("httpx", logging.INFO, __file__, 1, "%d %s", ("not a number", KEY), None)
    (scrub,) = [f for f in logging.getLogger("httpx").filters if isinstance(f, _ScrubRecords)]
    assert scrub.filter(broken) is True
    assert (broken.msg, broken.args) == ("%d %s", ("not a number", KEY))


@pytest.mark.parametrize(
    "header", ["", "yesterday", "Mon, 99 Foo 2026 99:99:99 GMT", "Wed, 21 Oct 2015 07:28:00"]
)
def test_an_unusable_date_header_measures_no_clock_offset(header: str) -> None:
    reply = Reply(200, httpx.Headers({"Date": header}), b"", "OK", time.time())
    offset = reply.server_time_offset()
    assert offset is None or abs(offset.total_seconds()) > 3600  # only a parseable, zoned date counts


SETTINGS_CASES = [
    ("baseten:apiUrl", KEY),
    ("baseten:apiUrl", f"http://{KEY}"),
    ("baseten:maxRequestsPerSecond", KEY),
    ("baseten:attemptTimeout", KEY),
    ("baseten:totalTimeout", KEY),
    ("baseten:totalTimeout", "-5"),
]


@pytest.mark.parametrize(("setting", "value"), SETTINGS_CASES)
def test_a_key_pasted_into_another_setting_is_never_echoed(setting: str, value: str) -> None:
    config = {"baseten:apiKey": "sk-the-real-one", setting: value}
    with pytest.raises(ConfigurationError) as info:
        Settings.read(config.get).client().close()
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)
    assert str(info.value).startswith(setting), str(info.value)  # named as the user wrote it
    assert info.value.setting == setting


def test_time_bound_settings_reach_the_client() -> None:
    config = {"baseten:apiKey": KEY, "baseten:attemptTimeout": "2.5", "baseten:totalTimeout": "40"}
    client = Settings.read(config.get).client()
    assert (client.retry.attempt_timeout, client.retry.total_timeout) == (2.5, 40.0)
    defaults = Settings.read({"baseten:apiKey": KEY}.get).client()
    assert (defaults.retry.attempt_timeout, defaults.retry.total_timeout) == (30.0, 120.0)


def test_an_unanswered_read_back_after_an_ambiguous_update_patches_again() -> None:
    """One read-back per attempt, inside the update's budget; the PATCH is idempotent, so a lost
    read-back does not cost the attempt."""
    seen: list[str] = []
    answers = iter(
        [
            httpx.Response(502, json={"error": "bad gateway"}),  # PATCH: may have applied
            httpx.Response(503, json={"error": "unavailable"}),  # GET read-back: no answer
            httpx.Response(200, json=endpoint_body()),  # PATCH again
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return next(answers)

    client, sleeps = make_client(handler)
    assert client.endpoints.update("e1", [BASETEN]).id == "e1"
    assert seen == ["PATCH", "GET", "PATCH"]
    assert len(sleeps) == 1


# -- the caller's time limit and cancellation (the plugin's customTimeouts and Cancel) -------------------


def test_a_time_limit_replaces_the_operations_budget_both_ways() -> None:
    seen: list[float] = []

    def always_503(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        return httpx.Response(503, json={"error": "unavailable"})

    patient = RetryPolicy(max_attempts=1000, initial_backoff=0.01, max_backoff=0.01, total_timeout=0.05)
    client = GatewayClient(
        KEY, base_url="https://gateway.test", transport=httpx.MockTransport(always_503), retry=patient
    )
    # Longer than the policy's 0.05 s: the operation retries for the time the caller was given.
    started = time.monotonic()
    with client.time_limit(0.6), pytest.raises((ServerError, TransportError)):
        client.endpoints.get("e1")
    assert 0.4 <= seen[-1] - started < 0.65  # the last attempt: no wait would fit after it
    # Outside it, the policy's budget again (the last failure: a 503, or the budget gone before sending).
    seen.clear()
    started = time.monotonic()
    with pytest.raises((ServerError, TransportError)):
        client.endpoints.get("e1")
    assert seen[-1] - started < 0.1
    # Shorter than the policy's: the caller's limit wins.
    client_long = GatewayClient(
        KEY,
        base_url="https://gateway.test",
        transport=httpx.MockTransport(always_503),
        retry=RetryPolicy(max_attempts=1000, initial_backoff=0.01, max_backoff=0.01, total_timeout=60),
    )
    seen.clear()
    started = time.monotonic()
    with client_long.time_limit(0.2), pytest.raises((ServerError, TransportError)):
        client_long.endpoints.get("e1")
    assert seen[-1] - started < 0.25


def test_cancel_stops_retrying_and_sends_nothing_more() -> None:
    requests: list[str] = []
    client: GatewayClient

    def refuse_then_cancel(request: httpx.Request) -> httpx.Response:
        requests.append(request.method)
        client.cancel()  # the engine interrupted while this attempt was on the wire
        return httpx.Response(503, json={"error": "unavailable"})

    client = GatewayClient(
        KEY,
        base_url="https://gateway.test",
        transport=httpx.MockTransport(refuse_then_cancel),
        retry=RetryPolicy(max_attempts=8, initial_backoff=30, max_backoff=30),
    )
    started = time.monotonic()
    with pytest.raises(ServerError):
        client.endpoints.get("e1")  # no 30 s wait, no second attempt
    assert time.monotonic() - started < 5
    assert requests == ["GET"]
    with pytest.raises(TransportError, match="not sent: the run was cancelled"):
        client.endpoints.list_page()
    assert requests == ["GET"]


def test_cancel_ends_a_wait_between_attempts_at_once() -> None:
    requests: list[str] = []

    def unavailable(request: httpx.Request) -> httpx.Response:
        requests.append(request.method)
        return httpx.Response(503, json={"error": "unavailable"})

    client = GatewayClient(
        KEY,
        base_url="https://gateway.test",
        transport=httpx.MockTransport(unavailable),
        retry=RetryPolicy(max_attempts=8, initial_backoff=60, max_backoff=60),
    )
    timer = threading.Timer(0.2, client.cancel)  # the engine's Cancel, while the client waits 30 to 60 s
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(TransportError, match="not sent: the run was cancelled"):
            client.endpoints.get("e1")
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5
    assert requests == ["GET"]
