"""The gateway emulator, exercised over real HTTP with bare httpx (never our client).

Every 200 body is checked against the public spec's own schemas (``tests/data``), so the emulator
stays a faithful witness of the documented API. Shared-emulator tests use unique slugs; tests that
need a clean database, faults or a low rate limit start their own process.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from harness.emulator import (  # noqa: E402
    ACME_KEY,
    ACME_VIEWER_KEY,
    ENDPOINTS_PATH,
    GLOBEX_KEY,
    EmulatorProcess,
    auth_headers,
    unique_slug,
    write_config,
)
from pulumi_baseten_gateway.emulator import (  # noqa: E402
    ConfigError,
    EmulatorConfig,
    FaultSettings,
    create_app,
    load_config,
)
from pulumi_baseten_gateway.emulator.app import RateLimiter  # noqa: E402
from pulumi_baseten_gateway.emulator.faults import InjectedDropError  # noqa: E402

MakeEmulator = Callable[..., EmulatorProcess]

SPEC_PATH = Path(__file__).parent / "data" / "baseten-management-openapi.gateway.json"
SPEC = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
SPEC_URI = "urn:baseten-management-openapi"
REGISTRY: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(SPEC))
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
#: The RFC 3339 UTC timestamps of each spec schema, and the item schema of each list answer.
TIMESTAMP_FIELDS = {
    "EndpointV1": ("created_at", "updated_at"),
    "GroupV1": ("created_at",),
    "SecretV1": ("created_at",),
}
PAGE_ITEMS = {
    "EndpointsResponseV1": ("EndpointV1", "items"),
    "GroupsResponseV1": ("GroupV1", "items"),
    "SecretsV1": ("SecretV1", "secrets"),
}

BASETEN_TARGET = {"provider": "BASETEN", "model_id": "3kZ9xqd"}
OPENAI_TARGET = {"provider": "OPENAI", "secret_id": "3kZ9xqd", "target_model": "gpt-4o"}


def assert_spec(body: Any, schema: str) -> None:
    """Validate ``body`` against ``#/components/schemas/<schema>`` of the public spec."""
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/components/schemas/{schema}"},
        registry=REGISTRY,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(body)
    for field in TIMESTAMP_FIELDS.get(schema, ()):
        assert TIMESTAMP.match(body[field]), (field, body[field])
    item_schema, items_field = PAGE_ITEMS.get(schema, (None, "items"))
    if item_schema is not None:
        for item in body[items_field]:
            assert_spec(item, item_schema)


def assert_error(response: httpx.Response, status: int, *fragments: str) -> str:
    """The response is ``status`` with an ``{"error": str}`` body containing every fragment."""
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body.get("error"), str), body
    for fragment in fragments:
        assert fragment in body["error"], (fragment, body["error"])
    return str(body["error"])


def client_for(
    emulator: EmulatorProcess, key: str | None = ACME_KEY, scheme: str = "Api-Key"
) -> httpx.Client:
    headers = auth_headers(key, scheme) if key is not None else {}
    return httpx.Client(base_url=emulator.base_url, headers=headers, timeout=10)


@pytest.fixture
def acme(emulator: EmulatorProcess) -> Iterator[httpx.Client]:
    with client_for(emulator, ACME_KEY) as client:
        yield client


@pytest.fixture
def globex(emulator: EmulatorProcess) -> Iterator[httpx.Client]:
    with client_for(emulator, GLOBEX_KEY) as client:
        yield client


def create(
    client: httpx.Client, slug: str | None = None, target: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = client.post(
        ENDPOINTS_PATH, json={"slug": slug or unique_slug(), "targets": [target or BASETEN_TARGET]}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_spec(body, "EndpointV1")
    return body


def list_all(client: httpx.Client, limit: int = 1000) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get(ENDPOINTS_PATH, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert_spec(page, "EndpointsResponseV1")
        items += page["items"]
        cursor = page["pagination"]["cursor"]
        assert page["pagination"]["has_more"] is (cursor is not None)
        if cursor is None:
            return items


# -- happy paths -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Api-Key", "Bearer"])
def test_endpoint_lifecycle(emulator: EmulatorProcess, scheme: str) -> None:
    with client_for(emulator, ACME_KEY, scheme) as client:
        slug = unique_slug()
        created = create(
            client, slug, {"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": "staging"}
        )
        assert created["slug"] == slug
        assert created["region"] == "UNRESTRICTED"
        assert created["targets"] == [
            {"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": "staging"}
        ]
        assert created["created_at"] == created["updated_at"]
        endpoint_id = created["id"]
        assert re.fullmatch(r"[A-Za-z0-9]{10}", endpoint_id)

        got = client.get(f"{ENDPOINTS_PATH}/{endpoint_id}")
        assert got.status_code == 200
        assert got.json() == created

        updated = client.patch(f"{ENDPOINTS_PATH}/{endpoint_id}", json={"targets": [OPENAI_TARGET]})
        assert updated.status_code == 200, updated.text
        body = updated.json()
        assert_spec(body, "EndpointV1")
        assert (body["id"], body["slug"], body["created_at"]) == (endpoint_id, slug, created["created_at"])
        assert body["targets"] == [OPENAI_TARGET]
        assert body["updated_at"] > created["updated_at"]
        assert client.get(f"{ENDPOINTS_PATH}/{endpoint_id}").json() == body

        assert body in list_all(client)

        deleted = client.delete(f"{ENDPOINTS_PATH}/{endpoint_id}")
        assert deleted.status_code == 200
        assert deleted.json() == {"id": endpoint_id, "slug": slug}
        assert_spec(deleted.json(), "EndpointTombstoneV1")
        assert_error(client.get(f"{ENDPOINTS_PATH}/{endpoint_id}"), 404, endpoint_id)
        assert_error(client.delete(f"{ENDPOINTS_PATH}/{endpoint_id}"), 404, endpoint_id)
        assert_error(client.patch(f"{ENDPOINTS_PATH}/{endpoint_id}", json={}), 404)
        assert all(item["id"] != endpoint_id for item in list_all(client))

        # The slug is free again, under a new id.
        again = create(client, slug)
        assert again["id"] != endpoint_id


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [
        ({"provider": "BASETEN", "model_id": "m1"}, {"provider": "BASETEN", "model_id": "m1"}),
        (
            {"provider": "BASETEN", "model_id": "m1", "environment_name": "production", "secret_id": None},
            {"provider": "BASETEN", "model_id": "m1"},
        ),
        (
            {
                "provider": "BASETEN",
                "model_id": "m1",
                "environment_name": "staging",
                "target_model": "custom/x",
            },
            {
                "provider": "BASETEN",
                "model_id": "m1",
                "environment_name": "staging",
                "target_model": "custom/x",
            },
        ),
        ({"provider": "ANTHROPIC", "secret_id": "s", "target_model": "claude"}, None),
        (OPENAI_TARGET, None),
        ({"provider": "BASETEN_MODEL_API", "target_model": "deepseek"}, None),
        (
            {
                "provider": "VERTEX",
                "target_model": "gemini",
                "vertex_config": {"project_id": "p", "location": "global"},
            },
            None,
        ),
        (
            {
                "provider": "OPENAI_COMPATIBLE",
                "base_url": "https://vllm.example.com",
                "secret_id": "s",
                "target_model": "m",
            },
            None,
        ),
    ],
)
def test_targets_echo_provider_and_set_fields(
    acme: httpx.Client, sent: dict[str, Any], echoed: dict[str, Any] | None
) -> None:
    created = create(acme, target=sent)
    assert created["targets"] == [echoed or sent]


def test_region_is_stored_and_echoed(acme: httpx.Client) -> None:
    response = acme.post(
        ENDPOINTS_PATH, json={"slug": unique_slug("acme-labs"), "targets": [BASETEN_TARGET], "region": "EU"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["region"] == "EU"
    assert acme.get(f"{ENDPOINTS_PATH}/{response.json()['id']}").json()["region"] == "EU"


@pytest.mark.parametrize("body", [{}, {"targets": None}])
def test_patch_without_targets_changes_nothing(acme: httpx.Client, body: dict[str, Any]) -> None:
    created = create(acme)
    response = acme.patch(f"{ENDPOINTS_PATH}/{created['id']}", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == created


def test_successive_updates_have_increasing_timestamps(acme: httpx.Client) -> None:
    created = create(acme)
    stamps = [created["updated_at"]]
    for index in range(5):
        target = {"provider": "BASETEN", "model_id": f"m{index}"}
        response = acme.patch(f"{ENDPOINTS_PATH}/{created['id']}", json={"targets": [target]})
        stamps.append(response.json()["updated_at"])
    assert stamps == sorted(set(stamps))


# -- 400 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        (b'{"slug": ', ["body: invalid JSON"]),
        (b"", ["body: is required"]),
        (b"[]", ["body: must be a JSON object, got array"]),
        ({"slug": "SLUG", "targets": [BASETEN_TARGET], "colour": "red"}, ["colour: is not a known field"]),
        ({"slug": 5, "targets": [BASETEN_TARGET]}, ["slug: must be a string, got int"]),
        ({"targets": [BASETEN_TARGET]}, ["slug: is required"]),
        ({"slug": "SLUG"}, ["targets: is required"]),
        ({"slug": "SLUG", "targets": {"provider": "BASETEN"}}, ["targets: must be a list"]),
        (
            {"slug": "SLUG", "targets": [BASETEN_TARGET], "region": "MARS"},
            ["region: must be one of UNRESTRICTED, EU"],
        ),
        ({"slug": "acme", "targets": [BASETEN_TARGET]}, ["slug: must have the form '{org_prefix}/{name}'"]),
        ({"slug": "acme/a/b", "targets": [BASETEN_TARGET]}, ["slug: must have the form"]),
        ({"slug": "acme/", "targets": [BASETEN_TARGET]}, ["slug: name segment must not be empty"]),
        ({"slug": "acme/a b", "targets": [BASETEN_TARGET]}, ["slug: name segment 'a b' must be URL-safe"]),
        ({"slug": "SLUG", "targets": []}, ["targets: must hold exactly one target, got 0"]),
        (
            {"slug": "SLUG", "targets": [BASETEN_TARGET, OPENAI_TARGET]},
            ["targets: must hold exactly one target, got 2"],
        ),
        (
            {"slug": "SLUG", "targets": [{"provider": "OPENAI", "target_model": "gpt-4o"}]},
            ["targets[0].secret_id: is required for OPENAI targets"],
        ),
        (
            {"slug": "SLUG", "targets": [{"provider": "BASETEN", "model_id": "m", "secret_id": "s"}]},
            ["targets[0].secret_id: is not allowed for BASETEN targets"],
        ),
        (
            {
                "slug": "SLUG",
                "targets": [{"provider": "OPENAI", "secret_id": "s", "target_model": "g", "model_id": "m"}],
            },
            ["targets[0].model_id: is not allowed for OPENAI targets"],
        ),
        ({"slug": "SLUG", "targets": [{"provider": "MISTRAL"}]}, ["targets[0].provider: must be one of"]),
        ({"slug": "SLUG", "targets": [{"model_id": "m"}]}, ["targets[0].provider: is required"]),
        (
            {"slug": "SLUG", "targets": [dict(BASETEN_TARGET, colour="red")]},
            ["targets[0].colour: is not a target field"],
        ),
        (
            {
                "slug": "SLUG",
                "targets": [
                    {
                        "provider": "OPENAI_COMPATIBLE",
                        "base_url": "https://h.example:8443",
                        "secret_id": "s",
                        "target_model": "m",
                    }
                ],
            },
            ["targets[0].base_url: must not include a port"],
        ),
        (
            {
                "slug": "SLUG",
                "targets": [
                    {"provider": "VERTEX", "target_model": "g", "vertex_config": {"project_id": "p"}}
                ],
            },
            ["targets[0].vertex_config.location: is required for VERTEX targets"],
        ),
        ({"slug": "nope/x", "targets": [BASETEN_TARGET]}, ["slug: prefix 'nope'", "acme, acme-labs"]),
        ({"slug": "globex/x", "targets": [BASETEN_TARGET]}, ["slug: prefix 'globex'"]),
        (
            {"slug": "acme", "targets": [], "extra": 1},
            ["extra: is not a known field", "slug: must have the form", "targets: must hold exactly one"],
        ),
    ],
)
def test_create_rejects_invalid_payloads(
    acme: httpx.Client, body: bytes | dict[str, Any], fragments: list[str]
) -> None:
    slug = unique_slug()
    if isinstance(body, bytes):
        response = acme.post(ENDPOINTS_PATH, content=body, headers={"Content-Type": "application/json"})
    else:
        response = acme.post(ENDPOINTS_PATH, json={k: slug if v == "SLUG" else v for k, v in body.items()})
    message = assert_error(response, 400, *fragments)
    if len(fragments) > 1 and "known field" in fragments[0]:
        assert message.count("; ") == len(fragments) - 1  # every violation, joined with "; "
    assert all(item["slug"] != slug for item in list_all(acme))


def test_duplicate_slug_is_400(acme: httpx.Client) -> None:
    created = create(acme)
    response = acme.post(ENDPOINTS_PATH, json={"slug": created["slug"], "targets": [OPENAI_TARGET]})
    assert_error(response, 400, "slug:", created["slug"], "already exists")
    assert acme.get(f"{ENDPOINTS_PATH}/{created['id']}").json() == created


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ({"slug": "acme/renamed"}, ["slug: is immutable"]),
        ({"region": "EU"}, ["region: is immutable"]),
        ({"targets": [BASETEN_TARGET], "colour": "red"}, ["colour: is not a known field"]),
        ({"targets": []}, ["targets: must hold exactly one target, got 0"]),
        (
            {"targets": [{"provider": "ANTHROPIC", "secret_id": "s"}]},
            ["targets[0].target_model: is required for ANTHROPIC"],
        ),
        (b"{not json", ["body: invalid JSON"]),
        (b"null", ["body: must be a JSON object, got null"]),
    ],
)
def test_patch_rejects_invalid_payloads(
    acme: httpx.Client, body: bytes | dict[str, Any], fragments: list[str]
) -> None:
    created = create(acme)
    path = f"{ENDPOINTS_PATH}/{created['id']}"
    response = acme.patch(path, content=body) if isinstance(body, bytes) else acme.patch(path, json=body)
    assert_error(response, 400, *fragments)
    assert acme.get(path).json() == created


@pytest.mark.parametrize("limit", ["0", "1001", "abc", "-1", "1.5", ""])
def test_list_rejects_bad_limit(acme: httpx.Client, limit: str) -> None:
    assert_error(acme.get(ENDPOINTS_PATH, params={"limit": limit}), 400, "limit:")


@pytest.mark.parametrize("cursor", ["!!!", "aGVsbG8=", "c2VxOg==", "c2VxOi0x", "not a cursor"])
def test_list_rejects_bad_cursor(acme: httpx.Client, cursor: str) -> None:
    assert_error(acme.get(ENDPOINTS_PATH, params={"cursor": cursor}), 400, "cursor:")


# -- 401 / 403 / 404 -------------------------------------------------------------------------------------

OPERATIONS = ["create", "list", "get", "update", "delete"]


def call(client: httpx.Client, operation: str, endpoint_id: str = "missing123") -> httpx.Response:
    path = f"{ENDPOINTS_PATH}/{endpoint_id}"
    if operation == "create":
        return client.post(ENDPOINTS_PATH, json={"slug": unique_slug(), "targets": [BASETEN_TARGET]})
    if operation == "list":
        return client.get(ENDPOINTS_PATH)
    if operation == "get":
        return client.get(path)
    if operation == "update":
        return client.patch(path, json={"targets": [OPENAI_TARGET]})
    return client.delete(path)


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "missing API key"),
        ({"Authorization": "Api-Key wrong-key"}, "invalid API key"),
        ({"Authorization": "Bearer wrong-key"}, "invalid API key"),
        ({"Authorization": "Basic YWNtZS1rZXk6"}, "malformed Authorization header"),
        ({"Authorization": "Api-Key"}, "malformed Authorization header"),
    ],
)
def test_unauthenticated_is_401(
    emulator: EmulatorProcess, acme: httpx.Client, operation: str, headers: dict[str, str], fragment: str
) -> None:
    endpoint_id = create(acme)["id"]
    with httpx.Client(base_url=emulator.base_url, headers=headers) as client:
        message = assert_error(call(client, operation, endpoint_id), 401, fragment)
    assert "wrong-key" not in message
    assert acme.get(f"{ENDPOINTS_PATH}/{endpoint_id}").status_code == 200


@pytest.mark.parametrize("operation", OPERATIONS)
def test_view_scope_is_403_on_every_operation(
    emulator: EmulatorProcess, acme: httpx.Client, operation: str
) -> None:
    endpoint_id = create(acme)["id"]
    with client_for(emulator, ACME_VIEWER_KEY) as viewer:
        assert_error(call(viewer, operation, endpoint_id), 403, "management scope")
    assert acme.get(f"{ENDPOINTS_PATH}/{endpoint_id}").status_code == 200


@pytest.mark.parametrize("operation", ["get", "update", "delete"])
def test_other_workspace_endpoint_is_403(acme: httpx.Client, globex: httpx.Client, operation: str) -> None:
    created = create(acme)
    assert_error(call(globex, operation, created["id"]), 403, "another workspace")
    assert acme.get(f"{ENDPOINTS_PATH}/{created['id']}").json() == created
    assert all(item["id"] != created["id"] for item in list_all(globex))


@pytest.mark.parametrize("operation", ["get", "update", "delete"])
def test_unknown_id_is_404(acme: httpx.Client, operation: str) -> None:
    assert_error(call(acme, operation, "doesNotExist"), 404, "endpoint_id:", "doesNotExist")


def test_unknown_routes_use_the_error_body(acme: httpx.Client) -> None:
    assert_error(acme.get("/v1/gateway/nothing"), 404)
    assert_error(acme.put(ENDPOINTS_PATH, json={}), 405)


# -- pagination ------------------------------------------------------------------------------------------


def test_pagination_sees_every_endpoint_once_and_is_stable(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    with client_for(emulator) as client:
        ids = [create(client, unique_slug(name=f"p{index:02d}"))["id"] for index in range(25)]
        assert [item["id"] for item in list_all(client)] == ids  # default limit: one page, insertion order

        seen: list[str] = []
        pages = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 10} | ({"cursor": cursor} if cursor else {})
            page = client.get(ENDPOINTS_PATH, params=params).json()
            assert_spec(page, "EndpointsResponseV1")
            pages.append(len(page["items"]))
            seen += [item["id"] for item in page["items"]]
            cursor = page["pagination"]["cursor"]
            if len(pages) == 1:
                # Between pages: delete an unseen endpoint and a seen one, and create a new one.
                assert client.delete(f"{ENDPOINTS_PATH}/{ids[15]}").status_code == 200
                assert client.delete(f"{ENDPOINTS_PATH}/{ids[0]}").status_code == 200
                ids.append(create(client)["id"])
            if not page["pagination"]["has_more"]:
                assert cursor is None
                break
            assert isinstance(cursor, str)
        assert pages == [10, 10, 5]
        assert seen == [i for i in ids if i != ids[15]]
        assert len(set(seen)) == len(seen)

        with client_for(emulator, GLOBEX_KEY) as other:
            assert list_all(other) == []


# -- persistence -----------------------------------------------------------------------------------------


def test_restart_loses_nothing(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    with client_for(emulator) as client:
        kept = create(client)
        updated = client.patch(f"{ENDPOINTS_PATH}/{kept['id']}", json={"targets": [OPENAI_TARGET]}).json()
        gone = create(client)
        assert client.delete(f"{ENDPOINTS_PATH}/{gone['id']}").status_code == 200
        before = list_all(client)
    base_url = emulator.base_url

    assert emulator.restart() is emulator
    assert emulator.base_url == base_url
    with client_for(emulator) as client:
        assert list_all(client) == before == [updated]
        assert client.get(f"{ENDPOINTS_PATH}/{kept['id']}").json() == updated
        assert_error(client.get(f"{ENDPOINTS_PATH}/{gone['id']}"), 404)
        assert_error(client.delete(f"{ENDPOINTS_PATH}/{gone['id']}"), 404)
        fresh = create(client, gone["slug"])  # the deleted slug is free, its id is not reused
        assert fresh["id"] not in (kept["id"], gone["id"])
        assert fresh["created_at"] > updated["updated_at"]
        assert_error(
            client.post(ENDPOINTS_PATH, json={"slug": kept["slug"], "targets": [BASETEN_TARGET]}), 400
        )
    assert emulator.stats()["endpoints"] == {"live": 2, "deleted": 1}


@pytest.mark.parametrize("path", [ENDPOINTS_PATH, "/v1/gateway/groups", "/v1/secrets"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_bodies_over_one_mebibyte_are_413_and_never_parsed(
    emulator: EmulatorProcess, path: str, chunked: bool
) -> None:
    """Not JSON at all, so a parse would say 400: the 413 comes first, whether the size is declared or not."""
    big = b"{" * (2 << 20)
    content = (big[i : i + 65536] for i in range(0, len(big), 65536)) if chunked else big
    with client_for(emulator) as client:
        response = client.post(path, content=content)
        assert_error(response, 413, "1048576-byte limit")
        # Exactly at the limit the body is read and parsed: an empty object, so a 400 about its fields.
        at_limit = b" " * ((1 << 20) - 2) + b"{}"
        assert len(at_limit) == 1 << 20
        assert client.post(path, content=at_limit).status_code == 400


def test_declared_oversize_is_refused_before_authentication(emulator: EmulatorProcess) -> None:
    response = httpx.post(emulator.url("/v1/gateway/groups"), content=b"x" * ((1 << 20) + 1))
    assert_error(response, 413, "limit")


# -- rate limit ------------------------------------------------------------------------------------------


def limiter_clock(emulator: EmulatorProcess, method: str = "PUT", **change: Any) -> httpx.Response:
    """``/_emulator/clock``: the rate limiter's clock, frozen and moved by the test, not the scheduler."""
    return httpx.request(method, emulator.url("/_emulator/clock"), json=change or None, timeout=10)


def test_rate_limit_429_with_retry_after(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator("--rate-limit", "5")
    assert emulator.faults()["rate_limit"] == 5
    assert limiter_clock(emulator, frozen=True).json()["frozen"] is True  # one window for the burst
    with client_for(emulator) as client, client_for(emulator, GLOBEX_KEY) as other:
        responses = [client.get(ENDPOINTS_PATH) for _ in range(20)]
        assert [r.status_code for r in responses] == [200] * 5 + [429] * 15
        limited = responses[5:]
        for response in limited:
            body = response.json()
            assert body["error"] == "Rate limit exceeded. Please try again later."
            # Whole seconds, as documented ("retry_after": 37); a one-second window rounds up to 1.
            assert body["retry_after"] == 1
            assert type(body["retry_after"]) is int
            assert response.headers["Retry-After"] == "1"
        assert other.get(ENDPOINTS_PATH).status_code == 200  # limits are per key

        # Waiting out retry_after (on the limiter's clock) opens a new window: five more, then 429.
        limiter_clock(emulator, advance=limited[-1].json()["retry_after"])
        assert [client.get(ENDPOINTS_PATH).status_code for _ in range(6)] == [200] * 5 + [429]

    with httpx.Client(base_url=emulator.base_url) as anonymous:
        assert {anonymous.get(ENDPOINTS_PATH).status_code for _ in range(10)} == {401}
    stats = emulator.stats()
    assert stats["rate_limited"] == len(limited) + 1
    assert stats["by_status"]["429"] == len(limited) + 1
    assert stats["faults"]["429"] == 0


def test_rate_limiter_uses_fixed_one_second_windows() -> None:
    now = [100.25]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.check(1) is None
    assert limiter.check(1) is None
    assert limiter.check(1) == 1  # 0.75 s until the window [100, 101) ends: whole seconds, rounded up
    assert limiter.check(2) is None  # another key
    now[0] = 100.9996
    assert limiter.check(1) == 1
    now[0] = 101.0
    assert limiter.check(1) is None  # a new window, not a sliding one
    limiter.limit = 0
    assert all(limiter.check(1) is None for _ in range(10))


def test_the_rate_limiters_clock_can_be_frozen_advanced_and_thawed() -> None:
    now = [100.25]
    limiter = RateLimiter(1, clock=lambda: now[0])
    assert limiter.freeze() == 100.25
    assert limiter.frozen
    now[0] = 250.0  # time passes; the frozen clock does not
    assert limiter.now() == 100.25
    assert limiter.check(1) is None
    assert limiter.check(1) == 1
    assert limiter.advance(0.75) == 101.0  # exactly to the next window
    assert limiter.check(1) is None
    assert limiter.check(1) == 1
    assert limiter.thaw() == 101.0  # runs on from where it stood, never back
    assert not limiter.frozen
    now[0] = 251.5
    assert limiter.now() == 102.5
    assert limiter.advance(2) == 104.5  # a running clock moves on too
    now[0] = 252.0
    assert limiter.now() == 105.0
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="forward"):
            limiter.advance(bad)
    assert limiter.now() == 105.0


def test_the_clock_admin_route(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    running = limiter_clock(emulator, "GET").json()
    assert running["frozen"] is False
    frozen = limiter_clock(emulator, frozen=True).json()
    assert frozen["frozen"] is True
    assert frozen["now"] >= running["now"]
    assert limiter_clock(emulator, "GET").json() == frozen
    moved = limiter_clock(emulator, advance=2.5).json()
    assert moved == {"now": frozen["now"] + 2.5, "frozen": True}
    for bad in ({"advance": -1}, {"advance": 86_401}, {"rewind": 1}, {"frozen": "yes"}):
        assert limiter_clock(emulator, **bad).status_code == 400, bad
    assert limiter_clock(emulator, "GET").json() == moved
    thawed = limiter_clock(emulator, frozen=False).json()
    assert thawed["frozen"] is False
    assert thawed["now"] >= moved["now"]
    assert emulator.stats()["total_requests"] == 0  # admin routes are not the API


def test_rate_limit_counts_each_api_endpoint_separately() -> None:
    """The docs: "Baseten tracks each endpoint separately": per key *and* route, not per key alone."""
    config = EmulatorConfig.from_dict(
        {"workspaces": [{"name": "demo", "prefixes": ["demo"], "api_keys": [{"key": "k1"}, {"key": "k2"}]}]}
    )

    async def scenario() -> dict[str, list[int]]:
        app = create_app(config)
        app.limiter.freeze()  # one window: no reset can hide a wrong count
        app.configure(FaultSettings(rate_limit=2))
        transport = httpx.ASGITransport(app=app)
        statuses: dict[str, list[int]] = {}
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:

            async def hit(label: str, method: str, path: str, key: str = "k1") -> None:
                response = await client.request(method, path, headers=auth_headers(key))
                statuses.setdefault(label, []).append(response.status_code)
                if response.status_code == 429:
                    assert response.json()["retry_after"] == 1

            for _ in range(3):
                await hit("list endpoints", "GET", ENDPOINTS_PATH)
            for _ in range(3):
                await hit("list groups", "GET", "/v1/gateway/groups")
            for endpoint_id in ("a", "b", "c"):  # one route, whatever the id
                await hit("get endpoint", "GET", f"{ENDPOINTS_PATH}/{endpoint_id}")
            await hit("create endpoint", "POST", ENDPOINTS_PATH)  # same path, another method
            await hit("other key", "GET", ENDPOINTS_PATH, key="k2")
            await hit("list endpoints again", "GET", ENDPOINTS_PATH)
        app.close()
        return statuses

    assert asyncio.run(scenario()) == {
        "list endpoints": [200, 200, 429],
        "list groups": [200, 200, 429],
        "get endpoint": [404, 404, 429],
        "create endpoint": [400],
        "other key": [200],
        "list endpoints again": [429],
    }


# -- fault injection -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """A private emulator whose faults each test sets; stats and faults are reset between tests."""
    directory = tmp_path_factory.mktemp("faulty")
    with EmulatorProcess(
        directory / "db.sqlite3", config_path=write_config(directory / "config.json")
    ) as process:
        yield process


@pytest.fixture
def fresh_faulty(faulty: EmulatorProcess) -> Iterator[EmulatorProcess]:
    faulty.set_faults()
    faulty.reset_stats()
    yield faulty
    faulty.set_faults()


def test_injected_5xx_happens_before_processing(fresh_faulty: EmulatorProcess) -> None:
    emulator = fresh_faulty
    emulator.set_faults(error_rate=1.0, seed=1)
    with client_for(emulator) as client:
        slug = unique_slug()
        statuses = set()
        for _ in range(8):
            response = client.post(ENDPOINTS_PATH, json={"slug": slug, "targets": [BASETEN_TARGET]})
            assert response.status_code in (500, 502, 503, 504)
            assert response.json()["error"].startswith("injected fault:")
            statuses.add(response.status_code)
        assert len(statuses) > 1
        assert emulator.stats()["faults"]["5xx"] == 8  # admin routes are never faulted
        emulator.set_faults()
        assert all(item["slug"] != slug for item in list_all(client))  # nothing was saved
    stats = emulator.stats()
    assert stats["by_route"]["POST /v1/gateway/endpoints"] == 8
    assert sum(stats["by_status"][str(s)] for s in statuses) == 8


def test_injected_429(fresh_faulty: EmulatorProcess) -> None:
    emulator = fresh_faulty
    emulator.set_faults(rate_limit_rate=1.0)
    with client_for(emulator) as client:
        response = client.get(ENDPOINTS_PATH)
    assert response.status_code == 429
    body = response.json()
    assert body["error"] == "Rate limit exceeded. Please try again later."
    assert body["retry_after"] == 1
    assert type(body["retry_after"]) is int
    assert response.headers["Retry-After"] == "1"
    stats = emulator.stats()
    assert stats["faults"]["429"] == 1
    assert stats["rate_limited"] == 0


def test_injected_latency(fresh_faulty: EmulatorProcess) -> None:
    emulator = fresh_faulty
    emulator.set_faults(latency_ms=60)
    with client_for(emulator) as client:
        started = time.perf_counter()
        assert client.get(ENDPOINTS_PATH).status_code == 200
        assert time.perf_counter() - started >= 0.06
    assert emulator.stats()["faults"]["latency"] == 1


def test_drop_after_commit(fresh_faulty: EmulatorProcess) -> None:
    emulator = fresh_faulty
    emulator.set_faults(drop_rate=1.0)
    slug = unique_slug()
    with client_for(emulator) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(ENDPOINTS_PATH, json={"slug": slug, "targets": [BASETEN_TARGET]})
        assert client.get(ENDPOINTS_PATH).status_code == 200  # reads are never dropped
        emulator.set_faults()
        [created] = [item for item in list_all(client) if item["slug"] == slug]  # it was committed
        emulator.set_faults(drop_rate=1.0)
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.patch(f"{ENDPOINTS_PATH}/{created['id']}", json={"targets": [OPENAI_TARGET]})
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.delete(f"{ENDPOINTS_PATH}/{created['id']}")
        emulator.set_faults()
        assert_error(client.get(f"{ENDPOINTS_PATH}/{created['id']}"), 404)  # the delete applied too
    stats = emulator.stats()
    assert stats["faults"]["drop"] == 3
    assert stats["by_status"] == {"200": 2, "404": 1}  # dropped answers never reached anyone


def test_drop_aborts_the_connection_without_a_single_byte(fresh_faulty: EmulatorProcess) -> None:
    """The real path (``transport.abort()``) is taken: not even a status line reaches the client."""
    emulator = fresh_faulty
    emulator.set_faults(drop_rate=1.0)
    address = urlsplit(emulator.base_url)
    body = json.dumps({"slug": unique_slug(), "targets": [BASETEN_TARGET]}).encode()
    request = (
        f"POST {ENDPOINTS_PATH} HTTP/1.1\r\nHost: {address.netloc}\r\nAuthorization: Api-Key {ACME_KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    assert address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    assert received == b""
    assert emulator.stats()["faults"]["drop"] == 1


def test_faults_only_touch_v1_routes(fresh_faulty: EmulatorProcess) -> None:
    emulator = fresh_faulty
    emulator.set_faults(error_rate=1.0)
    assert httpx.get(emulator.url("/_emulator/health")).status_code == 200
    assert httpx.get(emulator.url("/openapi.json")).status_code == 200
    assert emulator.stats()["faults"]["5xx"] == 0


def fault_sequence(emulator: EmulatorProcess, count: int = 30) -> list[int]:
    with client_for(emulator) as client:
        return [client.get(ENDPOINTS_PATH).status_code for _ in range(count)]


def test_same_seed_gives_the_same_faults(make_emulator: MakeEmulator, fresh_faulty: EmulatorProcess) -> None:
    from_cli = fault_sequence(make_emulator("--seed", "7", "--error-rate", "0.4", "--rate-limit-rate", "0.3"))
    assert len(set(from_cli)) > 1

    fresh_faulty.set_faults(seed=7, error_rate=0.4, rate_limit_rate=0.3)
    assert fault_sequence(fresh_faulty) == from_cli
    fresh_faulty.set_faults(seed=7, error_rate=0.4, rate_limit_rate=0.3)
    assert fault_sequence(fresh_faulty) == from_cli
    fresh_faulty.set_faults(seed=8, error_rate=0.4, rate_limit_rate=0.3)
    assert fault_sequence(fresh_faulty) != from_cli


def test_fault_settings_round_trip_and_validation(fresh_faulty: EmulatorProcess) -> None:
    emulator = fresh_faulty
    settings = emulator.set_faults(latency_ms=1, error_rate=0.5, seed=3)
    assert settings == {
        "latency_ms": 1.0,
        "error_rate": 0.5,
        "rate_limit_rate": 0.0,
        "drop_rate": 0.0,
        "seed": 3,
        "rate_limit": 10_000,
    }
    assert emulator.faults() == settings
    for bad in ({"error_rate": 2}, {"drop_rate": "often"}, {"colour": 1}):
        response = httpx.put(emulator.url("/_emulator/faults"), json=bad)
        assert_error(response, 400, next(iter(bad)))  # never FastAPI's 422
    assert emulator.faults() == settings


# -- admin, CLI, OpenAPI ---------------------------------------------------------------------------------


def test_stats_count_routes_and_statuses(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    with client_for(emulator) as client:
        created = create(client)
        client.get(f"{ENDPOINTS_PATH}/{created['id']}")
        client.get(f"{ENDPOINTS_PATH}/nope")
        client.delete(f"{ENDPOINTS_PATH}/{created['id']}")
    stats = emulator.stats()
    assert stats["total_requests"] == 4
    assert stats["by_route"] == {
        "POST /v1/gateway/endpoints": 1,
        "GET /v1/gateway/endpoints/{endpoint_id}": 2,
        "DELETE /v1/gateway/endpoints/{endpoint_id}": 1,
    }
    assert stats["by_status"] == {"200": 3, "404": 1}
    assert stats["faults"] == {"latency": 0, "5xx": 0, "429": 0, "drop": 0}
    assert stats["endpoints"] == {"live": 0, "deleted": 1}
    reset = emulator.reset_stats()
    assert reset["total_requests"] == 0
    assert reset["by_route"] == {}
    assert reset["endpoints"] == {"live": 0, "deleted": 1}
    assert emulator.stop() == 0  # SIGTERM is a clean exit


def test_default_config_and_sigint(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(config=False)
    with httpx.Client(base_url=emulator.base_url, headers=auth_headers("demo-key")) as client:
        response = client.post(ENDPOINTS_PATH, json={"slug": "demo/model", "targets": [BASETEN_TARGET]})
        assert response.status_code == 200, response.text
        assert_error(
            client.post(ENDPOINTS_PATH, json={"slug": "acme/x", "targets": [BASETEN_TARGET]}), 400, "demo"
        )
    assert emulator.pid is not None
    os.kill(emulator.pid, signal.SIGINT)
    assert emulator.wait() == 0


def test_invalid_config_fails_with_a_clear_message(tmp_path: Path) -> None:
    config = tmp_path / "bad.json"
    config.write_text(
        json.dumps(
            {
                "workspaces": [
                    {"name": "a", "prefixes": ["a"], "api_keys": [{"key": "sekrit-1", "scopes": ["manage"]}]},
                    {"name": "b", "prefixes": ["b"], "api_keys": [{"key": "sekrit-1", "scopes": ["admin"]}]},
                ]
            }
        )
    )
    process = EmulatorProcess(tmp_path / "db.sqlite3", config_path=config)
    with pytest.raises(RuntimeError, match="exited with status 2") as raised:
        process.start()
    assert "workspaces[1].api_keys[0].scopes[0]" in str(raised.value)
    assert "sekrit" not in str(raised.value)
    assert not process.running


def test_config_validation_in_process(tmp_path: Path) -> None:
    duplicate = {
        "workspaces": [
            {"name": "a", "prefixes": ["a"], "api_keys": [{"key": "k1"}]},
            {"name": "b", "prefixes": ["b"], "api_keys": [{"key": "k1"}]},
        ]
    }
    with pytest.raises(
        ConfigError, match=r"workspaces\[1\]\.api_keys\[0\]\.key: duplicate API key"
    ) as raised:
        EmulatorConfig.from_dict(duplicate)
    assert "k1" not in str(raised.value)
    shared_prefix = {
        "workspaces": [
            {"name": "a", "prefixes": ["x"], "api_keys": [{"key": "k1"}]},
            {"name": "b", "prefixes": ["x"], "api_keys": [{"key": "k2"}]},
        ]
    }
    with pytest.raises(ConfigError, match="prefix 'x'"):
        EmulatorConfig.from_dict(shared_prefix)
    with pytest.raises(ConfigError, match="rate_limit_per_second"):
        EmulatorConfig.from_dict({"workspaces": duplicate["workspaces"][:1], "rate_limit_per_second": -1})
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config(broken)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.json")
    assert "k1" not in repr(EmulatorConfig.from_dict({"workspaces": duplicate["workspaces"][:1]}))


def test_not_onboarded_workspace_is_403() -> None:
    config = EmulatorConfig.from_dict(
        {
            "workspaces": [
                {"name": "late", "prefixes": ["late"], "api_keys": [{"key": "k"}], "onboarded": False}
            ]
        }
    )

    async def scenario() -> httpx.Response:
        app = create_app(config)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return await client.get(ENDPOINTS_PATH, headers=auth_headers("k"))

    assert_error(asyncio.run(scenario()), 403, "not onboarded")


def test_embedded_drop_without_a_transport_raises() -> None:
    """Under a server without an abortable transport, the drop fault still commits, then raises."""

    async def scenario() -> list[dict[str, Any]]:
        app = create_app(faults=FaultSettings(drop_rate=1.0))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            with pytest.raises(InjectedDropError):
                await client.post(
                    ENDPOINTS_PATH,
                    headers=auth_headers("demo-key"),
                    json={"slug": "demo/a", "targets": [BASETEN_TARGET]},
                )
            app.configure(FaultSettings())
            page = await client.get(ENDPOINTS_PATH, headers=auth_headers("demo-key"))
            items: list[dict[str, Any]] = page.json()["items"]
        app.close()
        return items

    assert [item["slug"] for item in asyncio.run(scenario())] == ["demo/a"]


def test_openapi_documents_every_operation(emulator: EmulatorProcess) -> None:
    document = httpx.get(emulator.url("/openapi.json")).json()
    groups, group = "/v1/gateway/groups", "/v1/gateway/groups/{group_id}"
    keys = f"{group}/api_keys"
    expected = {
        ("/v1/gateway/endpoints", "post"): ("CreateEndpointRequestV1", "EndpointV1"),
        ("/v1/gateway/endpoints", "get"): (None, "EndpointsResponseV1"),
        ("/v1/gateway/endpoints/{endpoint_id}", "get"): (None, "EndpointV1"),
        ("/v1/gateway/endpoints/{endpoint_id}", "patch"): ("UpdateEndpointRequestV1", "EndpointV1"),
        ("/v1/gateway/endpoints/{endpoint_id}", "delete"): (None, "EndpointTombstoneV1"),
        (groups, "post"): ("CreateGroupRequestV1", "GroupV1"),
        (groups, "get"): (None, "GroupsResponseV1"),
        (group, "get"): (None, "GroupV1"),
        (group, "patch"): ("UpdateGroupRequestV1", "GroupV1"),
        (group, "delete"): (None, "GroupTombstoneV1"),
        (f"{group}/usage", "get"): (None, "GroupUsageV1"),
        (keys, "post"): ("CreateApiKeyForGroupRequestV1", "CreateApiKeyForGroupResponseV1"),
        (f"{keys}/register", "post"): ("RegisterAPIKeyRequestV1", "RegisterAPIKeyResponseV1"),
        (keys, "get"): (None, "KeysForGroupResponseV1"),
        (f"{keys}/{{api_key_prefix}}", "get"): (None, "GatewayKeyInfoV1"),
        (f"{keys}/{{api_key_prefix}}", "delete"): (None, "ApiKeyTombstoneV1"),
        ("/v1/secrets", "post"): ("UpsertSecretRequestV1", "SecretV1"),
        ("/v1/secrets", "get"): (None, "SecretsV1"),
        ("/v1/secrets/{secret_name}", "delete"): (None, "SecretTombstoneV1"),
        ("/v1/teams/{team_id}/secrets", "post"): ("UpsertSecretRequestV1", "SecretV1"),
        ("/v1/teams/{team_id}/secrets", "get"): (None, "SecretsV1"),
        ("/v1/teams/{team_id}/secrets/{secret_name}", "delete"): (None, "SecretTombstoneV1"),
    }
    operations = {(path, method): op for path, ops in document["paths"].items() for method, op in ops.items()}
    assert set(operations) == set(expected)
    schemas = document["components"]["schemas"]
    for key, (request, response) in expected.items():
        operation = operations[key]
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ok == f"#/components/schemas/{response}"
        assert "422" not in operation["responses"]
        for status in ("401", "403", "429"):
            assert status in operation["responses"]
        if request:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == f"#/components/schemas/{request}"
            assert request in schemas
            assert "413" in operation["responses"]
    assert {p["name"] for p in operations[("/v1/gateway/endpoints", "get")]["parameters"]} == {
        "limit",
        "cursor",
    }
    assert {p["name"] for p in operations[(groups, "get")]["parameters"]} == {
        "limit",
        "cursor",
        "external_entity_id",
    }
    assert "HTTPValidationError" not in schemas
    assert "region" in schemas["EndpointV1"]["required"]


def _schema_closure(document: dict[str, Any], roots: set[str]) -> set[str]:
    """The component schema names reachable from ``roots`` through ``$ref``."""
    schemas = document["components"]["schemas"]
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending += re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(schemas[name]))
    return seen


def _operation_schemas(document: dict[str, Any], path: str, method: str) -> set[str]:
    """The schemas a generated client needs for one operation: its request body and its 200 body."""
    operation = document["paths"][path][method]
    refs = json.dumps(
        [operation.get("requestBody", {}), operation["responses"]["200"]],
    )
    return _schema_closure(document, set(re.findall(r'"#/components/schemas/([^"]+)"', refs)))


def test_openapi_schema_names_are_the_public_specs() -> None:
    """Same component names (and shapes' required fields) as the public spec, for every shared route."""
    app = create_app()
    try:
        document = app.api.openapi()
    finally:
        app.close()
    shared = [
        (path, method)
        for path, methods in SPEC["paths"].items()
        for method in methods
        if method != "parameters"
    ]
    assert len(shared) == 16
    for path, method in shared:
        assert method in document["paths"].get(path, {}), (path, method)
        ours = _operation_schemas(document, path, method)
        theirs = _operation_schemas(SPEC, path, method)
        assert ours == theirs, (path, method, ours ^ theirs)
        for name in theirs:
            spec_schema = SPEC["components"]["schemas"][name]
            our_schema = document["components"]["schemas"][name]
            assert set(spec_schema.get("required", [])) <= set(our_schema.get("required", [])), name
            assert set(spec_schema.get("properties", {})) == set(our_schema.get("properties", {})), name
            assert spec_schema.get("enum") == our_schema.get("enum") or set(spec_schema["enum"]) == set(
                our_schema["enum"]
            ), name
    assert set(SPEC["components"]["schemas"]) <= set(document["components"]["schemas"])


def test_docs_page_works_offline(emulator: EmulatorProcess) -> None:
    """``/docs`` is one self-contained page: every operation listed, no script, no outside asset."""
    response = httpx.get(emulator.url("/docs"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the page loads something from outside"
    assert '<a href="/openapi.json">' in page
    document = httpx.get(emulator.url("/openapi.json")).json()
    for path, methods in document["paths"].items():
        for method in methods:
            assert f"{method.upper()}</span> <code>{path}</code>" in page, (method, path)
    assert httpx.get(emulator.url("/redoc")).status_code == 404  # FastAPI's CDN-backed page is off


def test_never_422_and_errors_are_always_json() -> None:
    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        app = create_app()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            bad_json = await client.put("/_emulator/faults", content=b"{nope")
            app.close()  # every query now fails: an emulator bug must still answer the documented shape
            broken = await client.get(ENDPOINTS_PATH, headers=auth_headers("demo-key"))
        return bad_json, broken

    bad_json, broken = asyncio.run(scenario())
    assert_error(bad_json, 400, "body")
    assert_error(broken, 500, "internal emulator error")


def test_odd_unicode_never_breaks_a_response(acme: httpx.Client) -> None:
    """Non-ASCII is echoed, and a lone surrogate (legal JSON) is refused or echoed, never a 500."""
    slug = unique_slug()
    target = '{"provider": "OPENAI", "secret_id": "s\\u00e9", "target_model": "m\\u4e16"}'
    created = acme.post(ENDPOINTS_PATH, content=f'{{"slug": "{slug}", "targets": [{target}]}}'.encode())
    assert created.status_code == 200, created.text
    expected = {"provider": "OPENAI", "secret_id": "s\u00e9", "target_model": "m\u4e16"}
    assert created.json()["targets"] == [expected]
    assert acme.get(f"{ENDPOINTS_PATH}/{created.json()['id']}").json() == created.json()

    surrogate = '{"provider": "OPENAI", "secret_id": "s", "target_model": "m\\ud800"}'
    refused = acme.post(
        ENDPOINTS_PATH, content=f'{{"slug": "{unique_slug()}", "targets": [{surrogate}]}}'.encode()
    )
    assert_error(refused, 400, "targets[0].target_model")
    assert_error(acme.post(ENDPOINTS_PATH, content=b'{"\\ud800": 1}'), 400, "\ud800: is not a known field")
    assert_error(acme.post(ENDPOINTS_PATH, content=b'{"slug": "acme/\\ud800"}'), 400, "slug:")


def test_unknown_environment_is_a_400_when_the_workspace_lists_its_environments(
    make_emulator: MakeEmulator,
) -> None:
    """The docs: an unknown environment gets 400. Workspaces with an `environments` list enforce it."""
    workspaces = [
        {
            "name": "acme",
            "prefixes": ["acme"],
            "api_keys": [{"key": ACME_KEY, "scopes": ["manage"]}],
            "environments": ["staging"],
        },
        {"name": "globex", "prefixes": ["globex"], "api_keys": [{"key": GLOBEX_KEY, "scopes": ["manage"]}]},
    ]
    emulator = make_emulator(workspaces=workspaces)

    def create(key: str, slug: str, environment: str) -> httpx.Response:
        target = {"provider": "BASETEN", "model_id": "m", "environment_name": environment}
        return httpx.post(
            emulator.url(ENDPOINTS_PATH), json={"slug": slug, "targets": [target]}, headers=auth_headers(key)
        )

    assert create(ACME_KEY, "acme/staging", "staging").status_code == 200
    assert create(ACME_KEY, "acme/prod", "production").status_code == 200
    unknown = create(ACME_KEY, "acme/canary", "canary")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == (
        "targets[0].environment_name: unknown environment 'canary' (this workspace has: production, staging)"
    )
    endpoint = create(ACME_KEY, "acme/moved", "staging").json()
    patched = httpx.patch(
        emulator.url(f"{ENDPOINTS_PATH}/{endpoint['id']}"),
        json={"targets": [{"provider": "BASETEN", "model_id": "m", "environment_name": "canary"}]},
        headers=auth_headers(ACME_KEY),
    )
    assert patched.status_code == 400
    assert "unknown environment 'canary'" in patched.json()["error"]
    held = httpx.get(emulator.url(f"{ENDPOINTS_PATH}/{endpoint['id']}"), headers=auth_headers(ACME_KEY))
    assert held.json()["targets"][0]["environment_name"] == "staging"
    # A workspace that lists no environments accepts any name.
    assert create(GLOBEX_KEY, "globex/canary", "canary").status_code == 200
