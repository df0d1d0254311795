"""Property-based fuzzing across the HTTP boundary, in both directions.

Server side: schemathesis generates requests from the emulator's own OpenAPI document (valid and
invalid ones) and sends them over real HTTP to a private emulator process; every answer must be
documented: no 5xx, a documented status code and content type, a body that matches the documented
schema. Targeted properties follow where random generation cannot reach (creates under an owned
prefix, updates of a live endpoint or group, group creates with fresh external ids, keys of a live group
and signed registrations, secret upserts, list cursors that decode).

Client side: ``GatewayClient`` against a server that answers garbage (``httpx.MockTransport`` with
generated statuses, headers and bodies): each operation returns a valid model or raises a typed
``GatewayError``, never anything else.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import string
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from harness.emulator import (
    ACME_KEY,
    ENDPOINTS_PATH,
    EmulatorProcess,
    auth_headers,
    sign,
    unique_slug,
    write_config,
)
from pulumi_baseten_gateway import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    GatewayClient,
    GatewayError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from pulumi_baseten_gateway.api.models.endpoint import EndpointInfo, EndpointPage, EndpointTombstone
from pulumi_baseten_gateway.emulator import create_app


def _document() -> dict[str, Any]:
    app = create_app()
    try:
        return app.api.openapi()
    finally:
        app.close()


#: The emulator's OpenAPI document (built in-process; a test checks the server serves the same one).
DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT)

#: Every response check about the documented contract. (``positive_data_acceptance`` is left out on
#: purpose: the rules are stricter than the schema, so a schema-valid body may rightly get a 400.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
ALL_HEALTH_CHECKS = list(HealthCheck)
ENDPOINT_PATH = f"{ENDPOINTS_PATH}/{{endpoint_id}}"
GROUPS_PATH = "/v1/gateway/groups"
GROUP_PATH = f"{GROUPS_PATH}/{{group_id}}"
KEYS_PATH = f"{GROUP_PATH}/api_keys"
KEY_PATH = f"{KEYS_PATH}/{{api_key_prefix}}"
SECRETS_PATH = "/v1/secrets"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """A private emulator (default workspaces, own database) for this module's thousand-odd requests."""
    directory = tmp_path_factory.mktemp("api-fuzz")
    config = write_config(directory / "config.json")
    with EmulatorProcess(directory / "gateway.sqlite3", config_path=config) as process:
        yield process


def send(case: Case[Any], api: EmulatorProcess) -> schemathesis.Response:
    """Send as a client of the documented API would: the acme key, and no redirect following."""
    return case.call(base_url=api.base_url, headers=auth_headers(ACME_KEY), allow_redirects=False)


def list_all(api: EmulatorProcess) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = httpx.get(api.url(ENDPOINTS_PATH), params=params, headers=auth_headers(), timeout=10).json()
        items += page["items"]
        cursor = page["pagination"]["cursor"]
        if cursor is None:
            return items


def expected_targets(targets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The documented echo: unset and null fields dropped, the production environment omitted."""
    return [
        {k: v for k, v in t.items() if v is not None and not (k == "environment_name" and v == "production")}
        for t in targets
    ]


# -- server: the emulator against its own document -------------------------------------------------------


def test_the_fuzzed_document_is_the_served_one(api: EmulatorProcess) -> None:
    served = httpx.get(api.url("/openapi.json"), timeout=10).json()
    assert served == DOCUMENT
    operations = {(method.upper(), path) for path, methods in DOCUMENT["paths"].items() for method in methods}
    assert operations == {
        ("POST", ENDPOINTS_PATH),
        ("GET", ENDPOINTS_PATH),
        ("GET", ENDPOINT_PATH),
        ("PATCH", ENDPOINT_PATH),
        ("DELETE", ENDPOINT_PATH),
        ("POST", GROUPS_PATH),
        ("GET", GROUPS_PATH),
        ("GET", GROUP_PATH),
        ("PATCH", GROUP_PATH),
        ("DELETE", GROUP_PATH),
        ("GET", f"{GROUP_PATH}/usage"),
        ("POST", KEYS_PATH),
        ("GET", KEYS_PATH),
        ("POST", f"{KEYS_PATH}/register"),
        ("GET", KEY_PATH),
        ("DELETE", KEY_PATH),
        ("POST", SECRETS_PATH),
        ("GET", SECRETS_PATH),
        ("DELETE", f"{SECRETS_PATH}/{{secret_name}}"),
        ("POST", "/v1/teams/{team_id}/secrets"),
        ("GET", "/v1/teams/{team_id}/secrets"),
        ("DELETE", "/v1/teams/{team_id}/secrets/{secret_name}"),
    }


_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Co", "Cn", "Zl", "Zp")), min_size=1
)
_visible = _text.filter(lambda s: bool(s.strip()) and s.isprintable())
VALID_TARGETS = st.one_of(
    st.fixed_dictionaries(
        {"provider": st.just("BASETEN"), "model_id": _visible},
        optional={"environment_name": st.sampled_from(["production", "staging"]), "target_model": _visible},
    ),
    st.fixed_dictionaries(
        {
            "provider": st.sampled_from(["ANTHROPIC", "OPENAI"]),
            "secret_id": _visible,
            "target_model": _visible,
        }
    ),
    st.fixed_dictionaries({"provider": st.just("BASETEN_MODEL_API"), "target_model": _visible}),
    st.fixed_dictionaries(
        {
            "provider": st.just("VERTEX"),
            "target_model": _visible,
            "vertex_config": st.fixed_dictionaries({"project_id": _visible, "location": _visible}),
        }
    ),
    st.fixed_dictionaries(
        {
            "provider": st.just("OPENAI_COMPATIBLE"),
            "base_url": st.from_regex(
                r"https://[a-z]{1,10}\.example\.com(/[a-z0-9]{1,8}){0,2}", fullmatch=True
            ),
            "secret_id": _visible,
            "target_model": _visible,
        }
    ),
)


#: Schema-valid targets that break a documented rule: the API must answer 400 for each.
RULE_BREAKING_TARGETS = (
    {"provider": "OPENAI", "target_model": "gpt-4o"},
    {"provider": "BASETEN", "model_id": " "},
    {"provider": "BASETEN", "model_id": "m", "secret_id": "s"},
    {"provider": "VERTEX", "target_model": "g", "vertex_config": {"project_id": "p"}},
    {"provider": "OPENAI_COMPATIBLE", "base_url": "http://x.test", "secret_id": "s", "target_model": "m"},
)


def test_creates_under_an_owned_prefix_are_documented(api: EmulatorProcess) -> None:
    """POST bodies from the document (and valid ones), with an owned, unique slug, so creates succeed too."""
    operation = schema[ENDPOINTS_PATH]["POST"]
    statuses: Counter[int] = Counter()

    def owned(case: Case[Any]) -> Case[Any]:
        if isinstance(case.body, dict):
            case.body = {**case.body, "slug": unique_slug()}
        return case

    valid_bodies = st.builds(
        lambda targets, region: operation.Case(
            body={"slug": unique_slug("acme-labs"), "targets": targets, **region},
            media_type="application/json",
        ),
        st.lists(VALID_TARGETS, min_size=1, max_size=1),
        st.sampled_from([{}, {"region": "EU"}, {"region": "UNRESTRICTED"}, {"region": None}]),
    )
    generated = operation.as_strategy(generation_mode=GenerationMode.POSITIVE).map(owned)

    @settings(max_examples=60, deadline=None, suppress_health_check=ALL_HEALTH_CHECKS)
    @given(case=st.one_of(generated, valid_bodies))
    def create(case: Case[Any]) -> None:
        response = send(case, api)
        case.validate_response(response, checks=CHECKS)
        statuses[response.status_code] += 1
        sent = cast(dict[str, Any], case.body)
        slug = sent["slug"]
        if response.status_code == 200:
            body = response.json()
            assert body["slug"] == slug
            assert body["targets"] == expected_targets(sent["targets"])
            assert body["region"] == (sent.get("region") or "UNRESTRICTED")
            held = httpx.get(api.url(f"{ENDPOINTS_PATH}/{body['id']}"), headers=auth_headers(), timeout=10)
            assert held.json() == body
        else:
            assert response.status_code == 400, response.text
            assert slug not in {item["slug"] for item in list_all(api)}

    create()
    assert statuses[200] >= 5, statuses
    assert statuses[400] >= 5, statuses


def test_updates_of_a_live_endpoint_are_documented(api: EmulatorProcess) -> None:
    """PATCH bodies from the document against a live endpoint: 200 and new targets, or 400 and no change."""
    created = httpx.post(
        api.url(ENDPOINTS_PATH),
        json={"slug": unique_slug(), "targets": [{"provider": "BASETEN", "model_id": "m"}]},
        headers=auth_headers(),
        timeout=10,
    )
    assert created.status_code == 200, created.text
    endpoint_id = created.json()["id"]
    url = api.url(f"{ENDPOINTS_PATH}/{endpoint_id}")
    operation = schema[ENDPOINT_PATH]["PATCH"]
    statuses: Counter[int] = Counter()
    valid_bodies = st.lists(VALID_TARGETS, min_size=1, max_size=1).map(
        lambda targets: operation.Case(
            path_parameters={"endpoint_id": endpoint_id},
            body={"targets": targets},
            media_type="application/json",
        )
    )

    def update_to(target: Mapping[str, Any]) -> Case[Any]:
        return operation.Case(
            path_parameters={"endpoint_id": endpoint_id},
            body={"targets": [target]},
            media_type="application/json",
        )

    rule_breaking_bodies = st.sampled_from(RULE_BREAKING_TARGETS).map(update_to)
    generated = operation.as_strategy(
        generation_mode=GenerationMode.POSITIVE, path_parameters={"endpoint_id": endpoint_id}
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=ALL_HEALTH_CHECKS)
    @given(case=st.one_of(generated, valid_bodies, rule_breaking_bodies))
    def update(case: Case[Any]) -> None:
        before = httpx.get(url, headers=auth_headers(), timeout=10).json()
        response = send(case, api)
        case.validate_response(response, checks=CHECKS)
        statuses[response.status_code] += 1
        after = httpx.get(url, headers=auth_headers(), timeout=10).json()
        if response.status_code == 200:
            body = response.json()
            assert after == body
            assert (body["id"], body["slug"], body["region"], body["created_at"]) == (
                before["id"],
                before["slug"],
                before["region"],
                before["created_at"],
            )
            targets = cast(dict[str, Any], case.body).get("targets")
            if targets is None:
                assert body == before  # no targets: a no-op, documented as such
            else:
                assert body["targets"] == expected_targets(targets)
                assert body["updated_at"] > before["updated_at"]
        else:
            assert response.status_code == 400, response.text
            assert after == before

    # The 400 floor below is met by the rule-breaking targets as explicit examples, which every run
    # tries: drawn, they are one kind of three, and runs drew as few as 7 refusals of 60, near the floor.
    for target in RULE_BREAKING_TARGETS:
        update = example(case=update_to(target))(update)
    update()
    assert statuses[200] >= 5, statuses
    assert statuses[400] >= 5, statuses


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=ALL_HEALTH_CHECKS)
def test_every_operation_answers_as_documented(case: Case[Any], api: EmulatorProcess) -> None:
    """Examples, coverage (boundary values) and random fuzzing, valid and invalid, for all five operations."""
    response = send(case, api)
    assert response.status_code < 500, (case.as_curl_command(), response.text)
    case.validate_response(response, checks=CHECKS)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


cursors = st.one_of(
    st.text(),
    st.integers(min_value=0).map(lambda n: _b64(f"seq:{n}")),
    st.text(string.digits, min_size=1, max_size=6000).map(lambda digits: _b64(f"seq:{digits}")),
    st.binary().map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
)
limits = st.one_of(
    st.integers().map(str),
    st.text(string.digits, min_size=1, max_size=6000),
    st.text(),
)


def test_list_cursors_and_limits_never_fail_the_server(api: EmulatorProcess) -> None:
    """Cursors that decode (``seq:<digits>``, any size) and limits of any size: 200 or a documented 400."""
    operation = schema[ENDPOINTS_PATH]["GET"]

    @settings(max_examples=150, deadline=None, suppress_health_check=ALL_HEALTH_CHECKS)
    @given(cursor=st.none() | cursors, limit=st.none() | limits)
    @example(cursor=_b64(f"seq:{2**63}"), limit=None)  # past SQLite's INTEGER range
    @example(cursor=_b64("seq:" + "9" * 4301), limit=None)  # past Python's int-from-str limit
    @example(cursor=None, limit="1" * 4301)
    def list_page(cursor: str | None, limit: str | None) -> None:
        query = {k: v for k, v in {"cursor": cursor, "limit": limit}.items() if v is not None}
        case = operation.Case(query=query)
        response = send(case, api)
        assert response.status_code in (200, 400), (query, response.status_code, response.text)
        case.validate_response(response, checks=CHECKS)

    list_page()


# -- server: groups, keys and secrets ---------------------------------------------------------------------

_limit_types = st.sampled_from(["TOKEN", "REQUEST"])
_thresholds = st.integers(0, 2**63 - 1)
RATE_LIMITS = st.lists(
    st.fixed_dictionaries(
        {"type": _limit_types, "unit": st.sampled_from(["SECOND", "MINUTE"]), "threshold": _thresholds}
    ),
    max_size=2,
    unique_by=lambda limit: limit["type"],
)
USAGE_LIMITS = st.lists(
    st.fixed_dictionaries({"type": _limit_types, "unit": st.just("DAY"), "threshold": _thresholds}),
    max_size=2,
    unique_by=lambda limit: limit["type"],
)
VALID_MODELS = st.lists(
    st.fixed_dictionaries(
        {"slug": st.from_regex(r"acme/[A-Za-z0-9._~-]{1,20}", fullmatch=True)},
        optional={"rate_limits": RATE_LIMITS, "usage_limits": USAGE_LIMITS},
    ),
    max_size=3,
    unique_by=lambda model: model["slug"],
)
NAMES = st.none() | _visible.filter(lambda name: len(name) <= 255)


def canonical_models(models: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The documented echo: omitted limit arrays come back as ``[]``."""
    return [
        {
            "slug": m["slug"],
            "rate_limits": m.get("rate_limits", []),
            "usage_limits": m.get("usage_limits", []),
        }
        for m in models
    ]


def _unique_entity(case: Case[Any]) -> Case[Any]:
    if isinstance(case.body, dict) and isinstance(case.body.get("metadata"), dict):
        case.body = {**case.body, "metadata": {**case.body["metadata"], "external_entity_id": unique_slug()}}
    return case


def test_group_creates_are_documented(api: EmulatorProcess) -> None:
    """POST bodies from the document (with a fresh external id) and valid ones: 200 and held, or no group."""
    operation = schema[GROUPS_PATH]["POST"]
    statuses: Counter[int] = Counter()

    def valid_body(models: list[dict[str, Any]], name: str | None, mode: str | None) -> Case[Any]:
        return operation.Case(
            body={
                "metadata": {"external_entity_id": unique_slug(), "name": name},
                "models": models,
                "hierarchy": {"limit_enforcement": mode},
            },
            media_type="application/json",
        )

    valid_bodies = st.builds(
        valid_body, VALID_MODELS.filter(bool), NAMES, st.sampled_from([None, "INDEPENDENT", "CASCADING"])
    )
    generated = operation.as_strategy(generation_mode=GenerationMode.POSITIVE).map(_unique_entity)

    @settings(max_examples=60, deadline=None, suppress_health_check=ALL_HEALTH_CHECKS)
    @given(case=st.one_of(generated, valid_bodies))
    def create(case: Case[Any]) -> None:
        response = send(case, api)
        case.validate_response(response, checks=CHECKS)
        statuses[response.status_code] += 1
        sent = cast(dict[str, Any], case.body)
        external_id = sent["metadata"]["external_entity_id"]
        found = httpx.get(
            api.url(GROUPS_PATH),
            params={"external_entity_id": external_id},
            headers=auth_headers(),
            timeout=10,
        ).json()["items"]
        if response.status_code == 200:
            body = response.json()
            assert body["models"] == canonical_models(sent["models"])
            assert body["metadata"] == {
                "external_entity_id": external_id,
                "name": sent["metadata"].get("name"),
            }
            assert found == [body]
        else:
            assert response.status_code in (400, 404), response.text  # 404: a generated parent id
            assert found == []

    # The 200 floor below is met by these explicit examples, which every run tries: drawn, valid bodies
    # are one kind of two, and runs drew as few as 10 successes of 60, near the floor.
    limits = [{"type": "REQUEST", "unit": "MINUTE", "threshold": 60}]
    for models, name, mode in (
        ([{"slug": "acme/m"}], None, None),
        ([{"slug": "acme/m"}], "a group", "INDEPENDENT"),
        ([{"slug": "acme/m"}], "a group", "CASCADING"),
        ([{"slug": "acme/a", "rate_limits": limits}, {"slug": "acme/b"}], None, None),
        ([{"slug": "acme/m", "usage_limits": [{"type": "TOKEN", "unit": "DAY", "threshold": 1}]}], "g", None),
    ):
        create = example(case=valid_body(models, name, mode))(create)
    create()
    assert statuses[200] >= 5, statuses
    assert statuses[400] + statuses[404] >= 5, statuses


def _live_group(api: EmulatorProcess) -> str:
    created = httpx.post(
        api.url(GROUPS_PATH),
        json={
            "metadata": {"external_entity_id": unique_slug()},
            "models": [{"slug": "acme/m"}],
            "hierarchy": {},
        },
        headers=auth_headers(),
        timeout=10,
    )
    assert created.status_code == 200, created.text
    group_id: str = created.json()["id"]
    return group_id


def test_updates_of_a_live_group_are_documented(api: EmulatorProcess) -> None:
    """PATCH bodies from the document and valid ones: 200 and exactly the change, or 400 and no change."""
    group_id = _live_group(api)
    url = api.url(f"{GROUPS_PATH}/{group_id}")
    operation = schema[GROUP_PATH]["PATCH"]
    statuses: Counter[int] = Counter()
    valid_bodies = st.builds(
        lambda models, name: operation.Case(
            path_parameters={"group_id": group_id},
            body={"models": models} if name is ... else {"models": models, "metadata": {"name": name}},
            media_type="application/json",
        ),
        VALID_MODELS,
        st.just(...) | NAMES,
    )
    generated = operation.as_strategy(
        generation_mode=GenerationMode.POSITIVE, path_parameters={"group_id": group_id}
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=ALL_HEALTH_CHECKS)
    @given(case=st.one_of(generated, valid_bodies))
    def update(case: Case[Any]) -> None:
        before = httpx.get(url, headers=auth_headers(), timeout=10).json()
        response = send(case, api)
        case.validate_response(response, checks=CHECKS)
        statuses[response.status_code] += 1
        after = httpx.get(url, headers=auth_headers(), timeout=10).json()
        if response.status_code != 200:
            assert response.status_code == 400, response.text
            assert after == before
            return
        sent = cast(dict[str, Any], case.body)
        assert after == response.json()
        models = sent.get("models")
        assert after["models"] == (before["models"] if models is None else canonical_models(models))
        metadata = sent.get("metadata") or {}
        expected_name = metadata["name"] if "name" in metadata else before["metadata"]["name"]
        assert after["metadata"] == {**before["metadata"], "name": expected_name}
        assert (after["id"], after["hierarchy"], after["created_at"]) == (
            before["id"],
            before["hierarchy"],
            before["created_at"],
        )

    update()
    assert statuses[200] >= 5, statuses
    assert statuses[400] >= 3, statuses


def test_key_and_secret_operations_on_live_data_are_documented(api: EmulatorProcess) -> None:
    """Key creates, signed registrations and secret upserts from the document and valid values."""
    group_id = _live_group(api)
    keys_url = api.url(f"{GROUPS_PATH}/{group_id}/api_keys")
    create_key = schema[KEYS_PATH]["POST"]
    upsert = schema[SECRETS_PATH]["POST"]
    key_chars = string.ascii_letters + string.digits + "-_.~!*"

    def registration(key: str, name: str | None = None) -> Case[Any]:
        return schema[f"{KEYS_PATH}/register"]["POST"].Case(
            path_parameters={"group_id": group_id},
            body={"key": key, "name": name},
            media_type="application/json",
        )

    def key_of(length: int) -> str:
        """A key of ``length`` with a prefix (its first 16 characters) no other key has, and high entropy."""
        return (uuid.uuid4().hex[:16] + (string.ascii_letters + string.digits) * 2)[:length]

    registrations = st.builds(registration, st.text(key_chars, min_size=28, max_size=132), NAMES)
    cases = st.one_of(
        create_key.as_strategy(
            generation_mode=GenerationMode.POSITIVE, path_parameters={"group_id": group_id}
        ),
        registrations,
        upsert.as_strategy(generation_mode=GenerationMode.POSITIVE),
        st.builds(
            lambda name, value: upsert.Case(
                body={"name": name, "value": value}, media_type="application/json"
            ),
            st.from_regex(r"[A-Za-z0-9_.-]{1,40}", fullmatch=True),
            _visible,
        ),
    )
    outcomes: Counter[tuple[str, int]] = Counter()

    # The floors asserted after the run are met by these explicit examples, which every run tries
    # first; the generated cases add to them. Without them the floors held by luck: Hypothesis spreads
    # its 80 draws over the four kinds unevenly, and runs drew as few as 5 and 7 registrations, with 1
    # refused (a too short, too long or low-entropy key) or 2 accepted, failing the floor.
    explicit = [
        *(
            create_key.Case(path_parameters={"group_id": group_id}, body=body, media_type="application/json")
            for body in ({}, {"name": None}, {"name": "fuzz key"})
        ),
        *(registration(key_of(length)) for length in (32, 64, 128)),  # accepted: length, entropy
        registration(key_of(31)),  # refused: too short
        registration(key_of(129)),  # refused: too long
        registration("ab" * 20),  # refused: 1 bit of entropy per character
        *(
            upsert.Case(
                body={"name": f"fuzz-{uuid.uuid4().hex[:12]}", "value": value}, media_type="application/json"
            )
            for value in ("v", "a value", "été")
        ),
    ]

    @settings(max_examples=80, deadline=None, suppress_health_check=ALL_HEALTH_CHECKS)
    @given(case=cases)
    def run(case: Case[Any]) -> None:
        headers = auth_headers(ACME_KEY)
        if case.path.endswith("/register") and isinstance(case.body, dict):
            raw = json.dumps(case.body).encode()
            headers |= {"X-Baseten-Signature": sign(raw), "Content-Type": "application/json"}
            response = schemathesis.Response.from_any(
                httpx.post(api.url(case.formatted_path), content=raw, headers=headers, timeout=10)
            )
        else:
            response = case.call(base_url=api.base_url, headers=headers, allow_redirects=False)
        case.validate_response(response, checks=CHECKS)
        outcomes[(case.path.rsplit("/", 1)[-1], response.status_code)] += 1
        assert response.status_code in (200, 400), response.text
        if response.status_code != 200:
            return
        body = response.json()
        if case.path == SECRETS_PATH:
            secrets = httpx.get(api.url(SECRETS_PATH), headers=auth_headers(), timeout=10).json()["secrets"]
            assert body in secrets
            assert all(set(secret) == {"id", "created_at", "name", "team_name"} for secret in secrets)
        else:
            prefix = body.get("prefix") or cast(dict[str, Any], case.body)["key"][:16]
            held = httpx.get(f"{keys_url}/{quote(prefix, safe='')}", headers=auth_headers(), timeout=10)
            assert held.status_code == 200, held.text
            assert held.json()["prefix"] == prefix

    for case in explicit:
        run = example(case=case)(run)
    run()
    assert outcomes[("api_keys", 200)] >= 3, outcomes
    assert outcomes[("register", 200)] >= 3, outcomes
    assert outcomes[("register", 400)] >= 3, outcomes
    assert outcomes[("secrets", 200)] >= 3, outcomes


# -- client: GatewayClient against a server that answers garbage -----------------------------------------

KEY = "sk-fuzz-client-0123456789"
ENDPOINT_JSON: dict[str, Any] = {
    "id": "e1",
    "slug": "acme/a",
    "region": "UNRESTRICTED",
    "targets": [{"provider": "BASETEN", "model_id": "m"}],
    "created_at": "2026-06-17T12:00:00Z",
    "updated_at": "2026-06-17T12:00:00Z",
}
PAGE_JSON: dict[str, Any] = {"items": [ENDPOINT_JSON], "pagination": {"has_more": False, "cursor": None}}
MORE_JSON: dict[str, Any] = {"items": [ENDPOINT_JSON], "pagination": {"has_more": True, "cursor": "c2"}}
TOMBSTONE_JSON: dict[str, Any] = {"id": "e1", "slug": "acme/a"}
DOCUMENTS = (ENDPOINT_JSON, PAGE_JSON, MORE_JSON, TOMBSTONE_JSON)


@dataclass(frozen=True)
class Operation:
    name: str
    call: Callable[[GatewayClient], Any]
    valid: Callable[[Any], bool]
    documents: tuple[dict[str, Any], ...]  # the right answers to it

    def __repr__(self) -> str:
        return self.name


TARGETS = [{"provider": "BASETEN", "model_id": "m"}]
OPERATIONS = (
    Operation(
        "create",
        lambda c: c.endpoints.create("acme/a", TARGETS),
        lambda r: isinstance(r, EndpointInfo),
        (ENDPOINT_JSON, PAGE_JSON),
    ),
    Operation(
        "get",
        lambda c: c.endpoints.get("e1"),
        lambda r: isinstance(r, EndpointInfo),
        (ENDPOINT_JSON,),
    ),
    Operation(
        "list page",
        lambda c: c.endpoints.list_page(limit=5),
        lambda r: isinstance(r, EndpointPage),
        (PAGE_JSON, MORE_JSON),
    ),
    Operation(
        "list all",
        lambda c: list(c.endpoints.list(page_size=5)),
        lambda r: isinstance(r, list) and all(isinstance(e, EndpointInfo) for e in r),
        (PAGE_JSON, MORE_JSON),
    ),
    Operation(
        "find",
        lambda c: c.endpoints.find_by_slug("acme/a"),
        lambda r: r is None or isinstance(r, EndpointInfo),
        (PAGE_JSON, MORE_JSON),
    ),
    Operation(
        "update",
        lambda c: c.endpoints.update("e1", TARGETS),
        lambda r: isinstance(r, EndpointInfo),
        (ENDPOINT_JSON,),
    ),
    Operation(
        "delete",
        lambda c: c.endpoints.delete("e1"),
        lambda r: isinstance(r, EndpointTombstone),
        (TOMBSTONE_JSON,),
    ),
)

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def corrupted(draw: st.DrawFn, document: dict[str, Any]) -> Any:
    """A valid document with one value somewhere replaced by junk, or deleted."""
    document = copy.deepcopy(document)
    path = draw(st.sampled_from(_paths(document)))
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(_json)
    return document


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


bodies = st.one_of(
    st.sampled_from(DOCUMENTS).map(_dumps),  # valid: the success paths must run too
    st.sampled_from(DOCUMENTS).flatmap(corrupted).map(_dumps),
    _json.map(_dumps),
    st.binary(max_size=64),
    st.sampled_from(
        [
            b"",
            b"null",
            b"[" * 100_000 + b"]" * 100_000,  # nested too deeply for any recursive parser
            b"x" * 1_000_000,
            _dumps({"error": "e" * 1_000_000}),
            b'{"error": "slow down", "retry_after": 1' + b"0" * 400 + b"}",
            b'{"retry_after": 1e999}',
            b'{"error": "\xff\xfe not utf-8"}',
        ]
    ),
)
_header_text = st.text(string.ascii_letters + string.digits + " .,;:=/-+", max_size=40)
headers = st.fixed_dictionaries(
    {},
    optional={
        "content-type": st.sampled_from(
            [
                "application/json",
                "application/json; charset=utf-8",
                "text/html",
                "application/problem+json",
                "application/json; charset=utf-32",
                "text/plain; charset=bogus",
                "text/plain; charset=rot13",
            ]
        )
        | _header_text,
        "content-encoding": st.sampled_from(["gzip", "deflate", "br", "identity", "bogus"]),
        "retry-after": st.sampled_from(
            [
                "0",
                "1",
                "-1",
                "2.5",
                "1e309",
                "nan",
                "",
                "Wed, 21 Oct 2015 07:28:00 GMT",
                "Fri, 31 Dec 9999 23:59:59 GMT",
            ]
        )
        | _header_text,
        "location": st.just("https://elsewhere.test/v1/gateway/endpoints"),
    },
)
statuses = st.one_of(
    st.sampled_from(
        [100, 101, 103, 200, 201, 204, 299, 301, 302, 304, 307, 400, 401, 403, 404, 418, 429, 500, 503, 599]
    ),
    st.integers(100, 999),
)
TRANSPORT_FAILURES = (httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError)


class Answer:
    """One reply of the fake server: a response, or a transport failure. (Not a dataclass, so that
    Hypothesis prints a failing example with this short repr rather than a megabyte body.)"""

    __slots__ = ("body", "failure", "headers", "status")

    def __init__(
        self,
        status: int,
        headers: dict[str, str],
        body: bytes,
        failure: type[httpx.TransportError] | None = None,
    ) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.failure = failure

    def __repr__(self) -> str:
        failure = f", failure={self.failure.__name__}" if self.failure else ""
        body = self.body if len(self.body) < 200 else self.body[:200] + b"...(%d bytes)" % len(self.body)
        return f"Answer({self.status}, {self.headers!r}, {body!r}{failure})"


garbage = st.one_of(
    st.builds(Answer, statuses, headers, bodies),
    st.builds(Answer, st.just(0), st.just({}), st.just(b""), st.sampled_from(TRANSPORT_FAILURES)),
)


@st.composite
def exchanges(draw: st.DrawFn) -> tuple[Operation, list[Answer]]:
    """An operation, and one to three replies: garbage, or (often) a right answer to the operation."""
    operation = draw(st.sampled_from(OPERATIONS))
    right = st.builds(
        Answer,
        st.sampled_from([200, 201, 299]),
        st.just({"content-type": "application/json"}),
        st.sampled_from(operation.documents).map(_dumps),
    )
    return operation, draw(st.lists(st.one_of(right, garbage), min_size=1, max_size=3))


#: The documented class of each status (the rest of 4xx, and 1xx/3xx, are plain ``APIStatusError``).
STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def run_against(operation: Operation, replies: Sequence[Answer]) -> tuple[Any, BaseException | None, Answer]:
    """Run ``operation`` against a server cycling through ``replies``: (result, error, last reply)."""
    served: list[Answer] = []
    counter = itertools.count()

    def handler(request: httpx.Request) -> httpx.Response:
        answer = replies[next(counter) % len(replies)]
        served.append(answer)
        assert len(served) < 200, "the client does not stop asking"
        if answer.failure is not None:
            raise answer.failure("injected", request=request)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)

    client = GatewayClient(
        KEY,
        base_url="https://gateway.test",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy(max_attempts=3, initial_backoff=0, max_backoff=0, total_timeout=60),
    )
    client._sleep = lambda seconds: None
    try:
        return operation.call(client), None, served[-1]
    except GatewayError as error:
        return None, error, served[-1]
    finally:
        client.close()


def test_client_answers_a_model_or_a_typed_error_whatever_the_server_sends() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None, suppress_health_check=ALL_HEALTH_CHECKS)
    @given(exchange=exchanges())
    def exchange(exchange: tuple[Operation, list[Answer]]) -> None:
        operation, replies = exchange
        # Anything but a GatewayError escapes run_against and fails the test with its traceback.
        result, error, last = run_against(operation, replies)
        if error is None:
            assert operation.valid(result), result
            assert 200 <= last.status < 300, last  # a model only ever comes from a 2xx
            seen["model"] += 1
            return
        seen[type(error).__name__] += 1
        if isinstance(error, APIStatusError):
            assert error.status == last.status
            expected = ServerError if last.status >= 500 else STATUS_CLASSES.get(last.status, APIStatusError)
            assert type(error) is expected, (error, last.status)
            assert not (200 <= last.status < 300)
        assert KEY not in str(error)

    exchange()
    assert seen["model"] >= 10, seen
    assert sum(seen.values()) - seen["model"] >= 100, seen


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(Answer(400, {}, b"[" * 100_000 + b"]" * 100_000), id="400-nested-too-deeply"),
        pytest.param(Answer(429, {}, b"[" * 100_000 + b"]" * 100_000), id="429-nested-too-deeply"),
        pytest.param(Answer(200, {"content-encoding": "gzip"}, b"not gzip"), id="200-undecodable-gzip"),
        pytest.param(
            Answer(503, {"content-encoding": "deflate"}, b"not deflate"), id="503-undecodable-deflate"
        ),
        pytest.param(
            Answer(400, {"content-type": "text/plain; charset=utf-32"}, b"\xff\x00ab"), id="400-utf-32"
        ),
        pytest.param(Answer(502, {"content-type": "text/plain; charset=rot13"}, b"bad"), id="502-rot13"),
        pytest.param(
            Answer(429, {}, b'{"error": "slow", "retry_after": 1' + b"0" * 400 + b"}"), id="429-huge-int"
        ),
    ],
)
def test_malformed_answers_found_by_fuzzing_are_typed_errors(answer: Answer) -> None:
    """Regression cases: each once escaped the client as a non-``GatewayError`` exception."""
    for operation in OPERATIONS:
        result, error, _ = run_against(operation, [answer])
        assert isinstance(error, GatewayError), (operation, result)
