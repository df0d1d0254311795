"""Workspace isolation in the emulator, through our GatewayClient and through raw httpx.

A key of one workspace can neither see, read, change nor delete another workspace's endpoints, nor
create under its prefixes; a key without management scope (view-only, no scopes, or of a workspace that
is not onboarded) gets 403 on every operation, before any lookup, so it learns nothing either.
``tests/test_endpoint_emulator.py`` already covers acme -> globex get/update/delete and the viewer key over
raw HTTP; this file adds both directions, both auth schemes, exact list contents, cursors, prefix
look-alikes, scope-less keys, and per-key rate limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, Literal

import httpx
import msgspec
import pytest

from harness.emulator import (
    ACME_KEY,
    ACME_VIEWER_KEY,
    ENDPOINTS_PATH,
    GLOBEX_KEY,
    EmulatorProcess,
    auth_headers,
    unique_slug,
    write_config,
)
from pulumi_baseten_gateway import (
    BadRequestError,
    GatewayClient,
    PermissionDeniedError,
    RetryPolicy,
)
from pulumi_baseten_gateway.api.models.endpoint import EndpointInfo
from tests.conftest import MakeEmulator

NO_SCOPE_KEY = "acme-no-scope"
INITECH_KEY = "initech-key"  # manage scope, but the workspace is not onboarded to Frontier Gateway
WORKSPACES = (
    {
        "name": "acme",
        "prefixes": ["acme", "acme-labs"],
        "api_keys": [
            {"key": ACME_KEY, "scopes": ["manage"]},
            {"key": ACME_VIEWER_KEY, "scopes": ["view"]},
            {"key": NO_SCOPE_KEY, "scopes": []},
        ],
    },
    {"name": "globex", "prefixes": ["globex"], "api_keys": [{"key": GLOBEX_KEY, "scopes": ["manage"]}]},
    {
        "name": "initech",
        "prefixes": ["initech"],
        "api_keys": [{"key": INITECH_KEY, "scopes": ["manage"]}],
        "onboarded": False,
    },
)
OWN_PREFIX = {ACME_KEY: "acme", GLOBEX_KEY: "globex"}
BASETEN = {"provider": "BASETEN", "model_id": "3kZ9xqd"}
OPENAI = {"provider": "OPENAI", "secret_id": "sec-1", "target_model": "gpt-4o"}
NO_RETRY = RetryPolicy.none()
Scheme = Literal["Api-Key", "Bearer"]
SCHEMES: tuple[Scheme, ...] = ("Api-Key", "Bearer")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """A private emulator with three workspaces (acme, globex, and initech which is not onboarded)."""
    directory = tmp_path_factory.mktemp("isolation")
    config = write_config(directory / "config.json", WORKSPACES)
    with EmulatorProcess(directory / "gateway.sqlite3", config_path=config) as process:
        yield process


def client(gateway: EmulatorProcess, key: str, scheme: Scheme = "Api-Key") -> GatewayClient:
    return GatewayClient(key, base_url=gateway.base_url, retry=NO_RETRY, auth_scheme=scheme)


def raw(gateway: EmulatorProcess, key: str, scheme: str = "Api-Key") -> httpx.Client:
    return httpx.Client(base_url=gateway.base_url, headers=auth_headers(key, scheme), timeout=10)


def create(gateway: EmulatorProcess, key: str, prefix: str | None = None) -> dict[str, Any]:
    with raw(gateway, key) as http:
        response = http.post(
            ENDPOINTS_PATH, json={"slug": unique_slug(prefix or OWN_PREFIX[key]), "targets": [BASETEN]}
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def raw_list(http: httpx.Client, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10_000):
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = http.get(ENDPOINTS_PATH, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["pagination"]["cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination never ended")


def owner_view(gateway: EmulatorProcess, key: str, endpoint_id: str) -> dict[str, Any]:
    with raw(gateway, key) as http:
        response = http.get(f"{ENDPOINTS_PATH}/{endpoint_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- listing --------------------------------------------------------------------------------------------


def test_lists_show_exactly_the_callers_endpoints_on_every_page(gateway: EmulatorProcess) -> None:
    """Interleaved creates in two workspaces: each list, at any page size, is exactly its own, in order."""
    mine: dict[str, list[dict[str, Any]]] = {ACME_KEY: [], GLOBEX_KEY: []}
    for index in range(9):
        key = (ACME_KEY, GLOBEX_KEY)[index % 2]
        prefix = "acme-labs" if key == ACME_KEY and index % 4 == 0 else OWN_PREFIX[key]
        mine[key].append(create(gateway, key, prefix))
    for key in (ACME_KEY, GLOBEX_KEY):
        own_ids = [e["id"] for e in mine[key]]
        theirs = [e for k, created in mine.items() if k != key for e in created]
        for scheme in SCHEMES:
            with raw(gateway, key, scheme) as http:
                for limit in (1, 2, 1000):
                    listed = [item["id"] for item in raw_list(http, limit)]
                    # Other tests of this module add endpoints too: ours in order, and none of theirs.
                    assert [i for i in listed if i in own_ids] == own_ids
                    assert not set(listed) & {e["id"] for e in theirs}
            with client(gateway, key, scheme) as gateway_client:
                for page_size in (1, 3, 1000):
                    assert [e.id for e in gateway_client.endpoints.list(page_size=page_size)] == listed
                for other in theirs:
                    assert gateway_client.endpoints.find_by_slug(other["slug"]) is None


def test_a_cursor_from_another_workspace_reveals_nothing(gateway: EmulatorProcess) -> None:
    """Cursors are positions, not capabilities: acme paging with globex's cursor still sees only acme's."""
    for _ in range(3):
        create(gateway, GLOBEX_KEY)
        create(gateway, ACME_KEY)
    with raw(gateway, GLOBEX_KEY) as globex, raw(gateway, ACME_KEY) as acme:
        first = globex.get(ENDPOINTS_PATH, params={"limit": 1}).json()
        cursor = first["pagination"]["cursor"]
        assert cursor is not None
        acme_ids = {item["id"] for item in raw_list(acme, 1000)}
        borrowed = acme.get(ENDPOINTS_PATH, params={"limit": 1000, "cursor": cursor})
        assert borrowed.status_code == 200, borrowed.text
        items = borrowed.json()["items"]
        assert items
        assert {item["id"] for item in items} <= acme_ids


# -- another workspace's endpoints ----------------------------------------------------------------------

DIRECTIONS = [(ACME_KEY, GLOBEX_KEY), (GLOBEX_KEY, ACME_KEY)]


@pytest.mark.parametrize(("owner", "intruder"), DIRECTIONS, ids=["globex->acme", "acme->globex"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_another_workspace_cannot_read_change_or_delete(
    gateway: EmulatorProcess, owner: str, intruder: str, scheme: Scheme
) -> None:
    endpoint = create(gateway, owner)
    path = f"{ENDPOINTS_PATH}/{endpoint['id']}"

    with raw(gateway, intruder, scheme) as http:
        for response in (
            http.get(path),
            http.patch(path, json={"targets": [OPENAI]}),
            http.patch(path, json={}),  # even a no-op update
            http.delete(path),
        ):
            assert response.status_code == 403, response.text
            assert "another workspace" in response.json()["error"]
            assert "3kZ9xqd" not in response.text  # nothing of the endpoint leaks in the error
        assert endpoint["id"] not in {item["id"] for item in raw_list(http, 1000)}

    with client(gateway, intruder, scheme) as intruding:
        calls: list[Callable[[], object]] = [
            lambda: intruding.endpoints.get(endpoint["id"]),
            lambda: intruding.endpoints.update(endpoint["id"], [OPENAI]),
            lambda: intruding.endpoints.delete(endpoint["id"]),
        ]
        for call in calls:
            with pytest.raises(PermissionDeniedError) as info:
                call()
            assert info.value.status == 403
        assert intruding.endpoints.find_by_slug(endpoint["slug"]) is None
        assert endpoint["id"] not in {e.id for e in intruding.endpoints.list()}

    # The owner's endpoint is untouched: same targets, same updated_at, still listed.
    assert owner_view(gateway, owner, endpoint["id"]) == endpoint
    with client(gateway, owner) as owning:
        assert owning.endpoints.get(endpoint["id"]) == msgspec.convert(endpoint, EndpointInfo)
        assert endpoint["id"] in {e.id for e in owning.endpoints.list()}


@pytest.mark.parametrize(
    ("key", "prefix"),
    [
        (ACME_KEY, "globex"),
        (ACME_KEY, "initech"),
        (ACME_KEY, "globexx"),
        (ACME_KEY, "glob"),
        (ACME_KEY, "acmex"),
        (GLOBEX_KEY, "acme"),
        (GLOBEX_KEY, "acme-labs"),
        (GLOBEX_KEY, "acme-lab"),
        (GLOBEX_KEY, "globex-labs"),
    ],
)
def test_no_creating_under_a_prefix_the_workspace_does_not_own(
    gateway: EmulatorProcess, key: str, prefix: str
) -> None:
    """Another workspace's prefix, or a look-alike of one's own: 400 naming the prefix, nothing created."""
    before = gateway.stats()["endpoints"]["live"]
    slug_raw, slug_client = unique_slug(prefix), unique_slug(prefix)
    with raw(gateway, key) as http:
        response = http.post(ENDPOINTS_PATH, json={"slug": slug_raw, "targets": [BASETEN]})
    assert response.status_code == 400, response.text
    assert f"prefix {prefix!r}" in response.json()["error"]
    with client(gateway, key) as creating, pytest.raises(BadRequestError) as info:
        creating.endpoints.create(slug_client, [BASETEN])
    assert f"prefix {prefix!r}" in info.value.server_message
    assert gateway.stats()["endpoints"]["live"] == before
    if prefix in ("globex", "acme", "acme-labs"):
        # The owner can still take those very slugs: the refused attempts left nothing behind.
        owner = GLOBEX_KEY if prefix == "globex" else ACME_KEY
        with client(gateway, owner) as owning:
            for slug in (slug_raw, slug_client):
                assert owning.endpoints.create(slug, [BASETEN]).slug == slug


# -- keys without management scope ----------------------------------------------------------------------

UNPRIVILEGED = [
    pytest.param(ACME_VIEWER_KEY, "management scope", id="view-scope"),
    pytest.param(NO_SCOPE_KEY, "management scope", id="no-scopes"),
    pytest.param(INITECH_KEY, "not onboarded", id="not-onboarded"),
]


@pytest.mark.parametrize(("key", "reason"), UNPRIVILEGED)
def test_keys_without_management_scope_get_403_on_every_operation(
    gateway: EmulatorProcess, key: str, reason: str
) -> None:
    """403 before any lookup: for an own, a foreign and a missing id alike (no existence oracle)."""
    own = create(gateway, ACME_KEY)
    foreign = create(gateway, GLOBEX_KEY)
    live_before = gateway.stats()["endpoints"]["live"]
    prefix = "initech" if key == INITECH_KEY else "acme"
    with raw(gateway, key) as http:
        answers = [
            http.post(ENDPOINTS_PATH, json={"slug": unique_slug(prefix), "targets": [BASETEN]}),
            http.get(ENDPOINTS_PATH),
        ]
        for endpoint_id in (own["id"], foreign["id"], "doesNotExist"):
            path = f"{ENDPOINTS_PATH}/{endpoint_id}"
            answers += [http.get(path), http.patch(path, json={"targets": [OPENAI]}), http.delete(path)]
    for response in answers:
        assert response.status_code == 403, (response.request.method, response.request.url, response.text)
        assert reason in response.json()["error"]

    with client(gateway, key) as unprivileged:
        calls: list[Callable[[], object]] = [
            lambda: unprivileged.endpoints.create(unique_slug(prefix), [BASETEN]),
            lambda: unprivileged.endpoints.list_page(),
            lambda: list(unprivileged.endpoints.list()),
            lambda: unprivileged.endpoints.find_by_slug(own["slug"]),
        ]
        for endpoint_id in (own["id"], foreign["id"], "doesNotExist"):
            calls += [
                partial(unprivileged.endpoints.get, endpoint_id),
                partial(unprivileged.endpoints.update, endpoint_id, [OPENAI]),
                partial(unprivileged.endpoints.delete, endpoint_id),
            ]
        for call in calls:
            with pytest.raises(PermissionDeniedError) as info:
                call()
            assert info.value.status == 403
            assert reason in info.value.server_message
            assert key not in str(info.value)

    assert gateway.stats()["endpoints"]["live"] == live_before
    assert owner_view(gateway, ACME_KEY, own["id"]) == own
    assert owner_view(gateway, GLOBEX_KEY, foreign["id"]) == foreign


# -- rate limits ----------------------------------------------------------------------------------------


def test_one_keys_rate_limit_does_not_throttle_another_workspace(make_emulator: MakeEmulator) -> None:
    """Per-key windows: right after acme's key is throttled, globex's key is still served."""
    emulator = make_emulator(rate_limit_per_second=3)
    with raw(emulator, ACME_KEY) as acme, raw(emulator, GLOBEX_KEY) as globex:
        statuses = []
        for _ in range(50):
            statuses.append(acme.get(ENDPOINTS_PATH).status_code)
            if statuses[-1] == 429:
                break
        assert statuses[-1] == 429, statuses
        assert globex.get(ENDPOINTS_PATH).status_code == 200
        assert emulator.stats()["rate_limited"] == 1
