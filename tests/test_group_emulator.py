"""The emulator's groups (``/v1/gateway/groups``), over real HTTP with bare httpx (never our client).

Each documented rule and status of G1-G6 (gateway-api.md section 4): the group object as the spec's
``GroupV1``, duplicate ``external_entity_id`` as 400, the hierarchy (inherited mode, mixed modes, five
levels, parents the workspace cannot see), cascading limits and their documented message, effective
models, usage, the soft delete of a subtree with its keys, persistence, faults and the rate limit.
Shared-emulator tests use unique external ids; tests needing a clean database start their own process.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from harness.emulator import (
    ACME_KEY,
    ACME_VIEWER_KEY,
    GLOBEX_KEY,
    EmulatorProcess,
    auth_headers,
)
from tests.test_endpoint_emulator import assert_error, assert_spec, client_for

MakeEmulator = Callable[..., EmulatorProcess]

GROUPS = "/v1/gateway/groups"
SLUG = "acme/model"
CASCADE = "Child group exceeds parent group limit."


def group_path(group_id: str, suffix: str = "") -> str:
    return f"{GROUPS}/{group_id}{suffix}"


def eid(label: str = "cust") -> str:
    """An external entity id no other test uses (the shared emulator keeps every group)."""
    return f"{label}-{uuid.uuid4().hex[:12]}"


def rate(kind: str, unit: str, threshold: Any) -> dict[str, Any]:
    return {"type": kind, "unit": unit, "threshold": threshold}


def model(
    slug: str = SLUG,
    rate_limits: list[dict[str, Any]] | None = None,
    usage: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"slug": slug}
    if rate_limits is not None:
        entry["rate_limits"] = rate_limits
    if usage is not None:
        entry["usage_limits"] = usage
    return entry


def body(
    models: list[dict[str, Any]] | None = None,
    *,
    parent: str | None = None,
    mode: str | None = None,
    external_id: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    hierarchy: dict[str, Any] = {"parent_group_id": parent}
    if mode is not None:
        hierarchy["limit_enforcement"] = mode
    metadata: dict[str, Any] = {"external_entity_id": external_id or eid()}
    if name is not None:
        metadata["name"] = name
    return {"metadata": metadata, "models": models or [model()], "hierarchy": hierarchy}


def create(
    client: httpx.Client,
    models: list[dict[str, Any]] | None = None,
    *,
    payload: dict[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Create a group (``payload``, else :func:`body` of the rest) and check the answer against the spec."""
    response = client.post(GROUPS, json=payload or body(models, **kwargs))
    assert response.status_code == 200, response.text
    group: dict[str, Any] = response.json()
    assert_spec(group, "GroupV1")
    return group


@pytest.fixture
def acme(emulator: EmulatorProcess) -> Iterator[httpx.Client]:
    with client_for(emulator, ACME_KEY) as client:
        yield client


@pytest.fixture
def globex(emulator: EmulatorProcess) -> Iterator[httpx.Client]:
    with client_for(emulator, GLOBEX_KEY) as client:
        yield client


# -- the group object ------------------------------------------------------------------------------------


def test_the_documented_example_round_trips(acme: httpx.Client) -> None:
    """The create-a-group page's example: the answer echoes it and adds id, created_at, effective_models."""
    external_id = eid()
    models = [
        model(
            "acme/your-model",
            [rate("TOKEN", "MINUTE", 1_000_000), rate("REQUEST", "MINUTE", 100)],
            [rate("TOKEN", "DAY", 10_000_000)],
        )
    ]
    payload = {
        "metadata": {"name": "Acme prod", "external_entity_id": external_id},
        "models": models,
        "hierarchy": {"limit_enforcement": "INDEPENDENT", "parent_group_id": None},
    }
    group = create(acme, payload=payload)
    assert set(group) == {"id", "metadata", "models", "effective_models", "hierarchy", "created_at"}
    assert group["metadata"] == {"name": "Acme prod", "external_entity_id": external_id}
    assert group["models"] == models
    assert group["hierarchy"] == {"limit_enforcement": "INDEPENDENT", "parent_group_id": None}
    anchored = {"source_group": group["id"]}
    assert group["effective_models"] == [
        {
            "slug": "acme/your-model",
            "rate_limits": [{**limit, **anchored} for limit in models[0]["rate_limits"]],
            "usage_limits": [{**limit, **anchored} for limit in models[0]["usage_limits"]],
        }
    ]
    assert acme.get(group_path(group["id"])).json() == group


def test_omitted_limits_echo_as_empty_and_hierarchy_defaults(acme: httpx.Client) -> None:
    """Spec (newer than the docs): both hierarchy fields optional; a root defaults to INDEPENDENT."""
    response = acme.post(
        GROUPS, json={"metadata": {"external_entity_id": eid()}, "models": [{"slug": SLUG}], "hierarchy": {}}
    )
    assert response.status_code == 200, response.text
    group = response.json()
    assert group["metadata"]["name"] is None
    assert group["models"] == [{"slug": SLUG, "rate_limits": [], "usage_limits": []}]
    assert group["effective_models"] == [{"slug": SLUG, "rate_limits": [], "usage_limits": []}]
    assert group["hierarchy"] == {"limit_enforcement": "INDEPENDENT", "parent_group_id": None}


def test_threshold_zero_is_accepted_as_the_spec_says(acme: httpx.Client) -> None:
    """Docs: threshold >= 1; spec (since 2026-07-03): >= 0. The emulator follows the spec."""
    group = create(acme, [model(rate_limits=[rate("REQUEST", "SECOND", 0)])])
    assert group["models"][0]["rate_limits"] == [rate("REQUEST", "SECOND", 0)]


BAD_BODIES: list[tuple[str, Any, str]] = [
    ("no metadata", {"models": [model()], "hierarchy": {}}, "metadata: is required"),
    (
        "no external id",
        {"metadata": {}, "models": [model()], "hierarchy": {}},
        "external_entity_id: must be a string",
    ),
    (
        "empty external id",
        {"metadata": {"external_entity_id": ""}, "models": [model()], "hierarchy": {}},
        "1 to 255",
    ),
    (
        "long external id",
        {"metadata": {"external_entity_id": "x" * 256}, "models": [model()], "hierarchy": {}},
        "1 to 255",
    ),
    (
        "control character",
        {"metadata": {"external_entity_id": "a\nb"}, "models": [model()], "hierarchy": {}},
        "printable",
    ),
    ("long name", body(name="n" * 256), "metadata.name: must be 0 to 255"),
    ("no models", {"metadata": {"external_entity_id": "x"}, "hierarchy": {}}, "models: is required"),
    ("empty models", body() | {"models": []}, "models: must be non-empty"),
    ("models not a list", body() | {"models": {"slug": SLUG}}, "models: must be an array"),
    ("bad slug", body([model("no-slash")]), "models[0].slug"),
    ("slug twice", body([model(), model()]), "set semantics"),
    ("unknown model field", body([{"slug": SLUG, "limits": []}]), "models[0].limits: is not a known field"),
    (
        "rate type twice",
        body([model(rate_limits=[rate("TOKEN", "SECOND", 1), rate("TOKEN", "MINUTE", 9)])]),
        "at most one entry per type",
    ),
    (
        "usage type twice",
        body([model(usage=[rate("TOKEN", "DAY", 1), rate("TOKEN", "DAY", 2)])]),
        "at most one entry per (type, unit)",
    ),
    (
        "DAY rate limit",
        body([model(rate_limits=[rate("TOKEN", "DAY", 1)])]),
        "unit: must be one of SECOND, MINUTE",
    ),
    ("MINUTE usage limit", body([model(usage=[rate("TOKEN", "MINUTE", 1)])]), "unit: must be one of DAY"),
    (
        "bad type",
        body([model(rate_limits=[rate("BYTES", "SECOND", 1)])]),
        "type: must be one of TOKEN, REQUEST",
    ),
    (
        "negative threshold",
        body([model(rate_limits=[rate("TOKEN", "SECOND", -1)])]),
        "threshold: must be from 0",
    ),
    (
        "huge threshold",
        body([model(rate_limits=[rate("TOKEN", "SECOND", 2**63)])]),
        "threshold: must be from 0",
    ),
    (
        "string threshold",
        body([model(rate_limits=[rate("TOKEN", "SECOND", "5")])]),
        "threshold: must be an integer",
    ),
    (
        "boolean threshold",
        body([model(rate_limits=[rate("TOKEN", "SECOND", True)])]),
        "threshold: must be an integer",
    ),
    (
        "float threshold",
        body([model(rate_limits=[{"type": "TOKEN", "unit": "SECOND", "threshold": 1.5}])]),
        "threshold: must be an integer",
    ),
    (
        "unknown limit field",
        body([model(rate_limits=[rate("TOKEN", "SECOND", 1) | {"burst": 2}])]),
        "burst: is not a known field",
    ),
    (
        "no hierarchy",
        {"metadata": {"external_entity_id": "x"}, "models": [model()]},
        "hierarchy: is required",
    ),
    ("bad mode", body(mode="STRICT"), "limit_enforcement: must be one of INDEPENDENT, CASCADING"),
    (
        "numeric parent",
        body() | {"hierarchy": {"parent_group_id": 7}},
        "parent_group_id: must be a string or null",
    ),
    ("unknown field", body() | {"owner": "me"}, "owner: is not a known field"),
    ("array body", [body()], "body: must be a JSON object"),
]


@pytest.mark.parametrize(
    ("payload", "fragment"), [case[1:] for case in BAD_BODIES], ids=[c[0] for c in BAD_BODIES]
)
def test_create_rejects_invalid_payloads(acme: httpx.Client, payload: Any, fragment: str) -> None:
    before = acme.get(GROUPS, params={"limit": 1000}).json()["items"]
    assert_error(acme.post(GROUPS, json=payload), 400, fragment)
    metadata = payload.get("metadata") if isinstance(payload, dict) else None
    external_id = metadata.get("external_entity_id") if isinstance(metadata, dict) else None
    if isinstance(external_id, str) and external_id:
        listed = acme.get(GROUPS, params={"external_entity_id": external_id}).json()
        assert [item for item in listed["items"] if item not in before] == []  # nothing was created


def test_invalid_json_is_400(acme: httpx.Client) -> None:
    assert_error(acme.post(GROUPS, content=b"{nope"), 400, "body: invalid JSON")
    assert_error(acme.post(GROUPS, content=b""), 400, "body: is required")


def test_duplicate_external_entity_id_is_400_per_workspace_and_freed_by_delete(
    acme: httpx.Client, globex: httpx.Client
) -> None:
    external_id = eid()
    first = create(acme, external_id=external_id)
    duplicate = acme.post(GROUPS, json=body(external_id=external_id))
    assert_error(duplicate, 400, "external_entity_id", "already exists")  # 400, not 409
    assert create(globex, payload=body([model("globex/m")], external_id=external_id))["id"] != first["id"]
    assert acme.delete(group_path(first["id"])).status_code == 200
    assert create(acme, external_id=external_id)["id"] != first["id"]  # the id is freed for reuse


# -- listing ---------------------------------------------------------------------------------------------


def test_list_filters_by_external_entity_id_and_pages_with_cursors(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    with client_for(emulator) as client, client_for(emulator, GLOBEX_KEY) as other:
        made = [create(client, external_id=f"e{i}")["id"] for i in range(7)]
        create(other, payload=body([model("globex/m")], external_id="e3"))
        seen: list[str] = []
        cursor = None
        pages = []
        while True:
            params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            page = client.get(GROUPS, params=params).json()
            assert_spec(page, "GroupsResponseV1")
            pages.append(len(page["items"]))
            seen += [item["id"] for item in page["items"]]
            cursor = page["pagination"]["cursor"]
            assert page["pagination"]["has_more"] is (cursor is not None)
            if cursor is None:
                break
        assert pages == [3, 3, 1]
        assert seen == made  # every group once, in creation order, only this workspace's
        only = client.get(GROUPS, params={"external_entity_id": "e3"}).json()
        assert [item["id"] for item in only["items"]] == [made[3]]
        assert only["pagination"] == {"has_more": False, "cursor": None}
        assert client.get(GROUPS, params={"external_entity_id": "nope"}).json()["items"] == []
        assert client.get(GROUPS).json()["pagination"] == {"has_more": False, "cursor": None}
        assert_error(client.get(GROUPS, params={"limit": "0"}), 400, "limit")
        assert_error(client.get(GROUPS, params={"limit": "1001"}), 400, "limit")
        assert_error(client.get(GROUPS, params={"cursor": "not a cursor"}), 400, "cursor")


# -- hierarchy -------------------------------------------------------------------------------------------


def test_children_inherit_the_mode_and_mixed_modes_are_rejected(acme: httpx.Client) -> None:
    root = create(acme, mode="CASCADING")
    child = create(acme, parent=root["id"])  # mode omitted: inherited (spec)
    assert child["hierarchy"] == {"limit_enforcement": "CASCADING", "parent_group_id": root["id"]}
    assert create(acme, parent=root["id"], mode="CASCADING")["hierarchy"]["limit_enforcement"] == "CASCADING"
    mixed = acme.post(GROUPS, json=body(parent=child["id"], mode="INDEPENDENT"))
    assert_error(mixed, 400, "mixed enforcement modes")
    independent_root = create(acme)
    assert_error(acme.post(GROUPS, json=body(parent=independent_root["id"], mode="CASCADING")), 400, "mixed")


def test_hierarchies_are_capped_at_five_levels(acme: httpx.Client) -> None:
    parent = None
    for _ in range(5):
        parent = create(acme, parent=parent)["id"] if parent else create(acme)["id"]
    assert parent is not None
    assert_error(acme.post(GROUPS, json=body(parent=parent)), 400, "exceed 5 levels")


def test_a_parent_the_workspace_cannot_see_is_404(acme: httpx.Client, globex: httpx.Client) -> None:
    assert_error(acme.post(GROUPS, json=body(parent="missing123")), 404, "hierarchy.parent_group_id")
    foreign = create(globex, payload=body([model("globex/m")]))
    assert_error(acme.post(GROUPS, json=body(parent=foreign["id"])), 404, "parent_group_id")  # 404, not 403
    gone = create(acme)
    acme.delete(group_path(gone["id"]))
    assert_error(acme.post(GROUPS, json=body(parent=gone["id"])), 404, "parent_group_id")


# -- cascading limits ------------------------------------------------------------------------------------


def test_a_cascading_child_may_not_exceed_any_ancestor(acme: httpx.Client) -> None:
    root = create(
        acme,
        [model(rate_limits=[rate("TOKEN", "MINUTE", 1000)], usage=[rate("TOKEN", "DAY", 100)])],
        mode="CASCADING",
    )
    middle = create(acme, [model()], parent=root["id"])  # sets no limit of its own

    def child(rate_limits: list[dict[str, Any]], usage: list[dict[str, Any]] | None = None) -> httpx.Response:
        return acme.post(
            GROUPS, json=body([model(rate_limits=rate_limits, usage=usage)], parent=middle["id"])
        )

    for too_much in (
        child([rate("TOKEN", "MINUTE", 1001)]),  # above the grandparent
        child([rate("TOKEN", "SECOND", 17)]),  # 1020 a minute
        child([], [rate("TOKEN", "DAY", 101)]),
    ):
        assert too_much.status_code == 400
        assert too_much.json() == {"error": CASCADE}  # the documented message, exactly
    assert child([rate("TOKEN", "MINUTE", 1000)]).status_code == 200  # equal is within
    assert child([rate("TOKEN", "SECOND", 16)]).status_code == 200  # 960 a minute
    assert child([rate("REQUEST", "SECOND", 10**6)], [rate("REQUEST", "DAY", 10**9)]).status_code == 200
    other_slug = acme.post(
        GROUPS, json=body([model("acme/other", [rate("TOKEN", "MINUTE", 10**9)])], parent=root["id"])
    )
    assert other_slug.status_code == 200  # no ancestor limits that slug

    independent = create(acme, [model(rate_limits=[rate("TOKEN", "MINUTE", 10)])])
    above = create(acme, [model(rate_limits=[rate("TOKEN", "MINUTE", 10**6)])], parent=independent["id"])
    assert above["hierarchy"]["limit_enforcement"] == "INDEPENDENT"  # no cascade check there


def test_cascading_updates_keep_the_hierarchy_ordered(acme: httpx.Client) -> None:
    """Docs: lower descendants before lowering the parent; raise ancestors before raising descendants."""
    root = create(acme, [model(rate_limits=[rate("REQUEST", "MINUTE", 100)])], mode="CASCADING")
    child = create(acme, [model(rate_limits=[rate("REQUEST", "MINUTE", 80)])], parent=root["id"])

    def limit_models(threshold: int) -> dict[str, Any]:
        return {"models": [model(rate_limits=[rate("REQUEST", "MINUTE", threshold)])]}

    lowered_parent = acme.patch(group_path(root["id"]), json=limit_models(50))
    assert lowered_parent.json() == {"error": CASCADE}  # below an existing descendant
    raised_child = acme.patch(group_path(child["id"]), json=limit_models(150))
    assert raised_child.json() == {"error": CASCADE}  # above its parent
    assert acme.get(group_path(root["id"])).json() == root  # failed updates change nothing
    assert acme.get(group_path(child["id"])).json() == child

    assert acme.patch(group_path(child["id"]), json=limit_models(40)).status_code == 200
    assert acme.patch(group_path(root["id"]), json=limit_models(50)).status_code == 200
    assert acme.patch(group_path(root["id"]), json=limit_models(200)).status_code == 200
    assert acme.patch(group_path(child["id"]), json=limit_models(200)).status_code == 200


# -- effective models ------------------------------------------------------------------------------------


def test_independent_groups_inherit_the_nearest_limit(acme: httpx.Client) -> None:
    root = create(acme, [model(rate_limits=[rate("TOKEN", "MINUTE", 1000), rate("REQUEST", "MINUTE", 10)])])
    child = create(
        acme, [model(rate_limits=[rate("TOKEN", "SECOND", 5000)]), model("acme/own")], parent=root["id"]
    )
    assert child["effective_models"] == [
        {
            "slug": SLUG,
            "rate_limits": [
                rate("TOKEN", "SECOND", 5000) | {"source_group": child["id"]},  # its own wins
                rate("REQUEST", "MINUTE", 10) | {"source_group": root["id"]},  # inherited
            ],
            "usage_limits": [],
        },
        {"slug": "acme/own", "rate_limits": [], "usage_limits": []},
    ]
    # A change to the parent is propagated: the child's effective models are recomputed.
    acme.patch(group_path(root["id"]), json={"models": [model(rate_limits=[rate("REQUEST", "MINUTE", 7)])]})
    refreshed = acme.get(group_path(child["id"])).json()["effective_models"][0]["rate_limits"]
    assert refreshed == [
        rate("TOKEN", "SECOND", 5000) | {"source_group": child["id"]},
        rate("REQUEST", "MINUTE", 7) | {"source_group": root["id"]},
    ]


def test_cascading_groups_carry_every_ancestor_limit(acme: httpx.Client) -> None:
    root = create(
        acme,
        [model(rate_limits=[rate("TOKEN", "MINUTE", 1000)], usage=[rate("REQUEST", "DAY", 50)])],
        mode="CASCADING",
    )
    child = create(acme, [model(rate_limits=[rate("TOKEN", "MINUTE", 500)])], parent=root["id"])
    assert child["effective_models"] == [
        {
            "slug": SLUG,
            "rate_limits": [
                rate("TOKEN", "MINUTE", 500) | {"source_group": child["id"]},
                rate("TOKEN", "MINUTE", 1000) | {"source_group": root["id"]},
            ],
            "usage_limits": [rate("REQUEST", "DAY", 50) | {"source_group": root["id"]}],
        }
    ]
    assert_spec(child, "GroupV1")


# -- update ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({}, "at least one of metadata or models"),
        ({"metadata": None, "models": None}, "at least one of metadata or models"),
        ({"hierarchy": {"parent_group_id": None}}, "hierarchy: is immutable"),
        ({"metadata": {"external_entity_id": "new"}}, "external_entity_id: cannot be changed"),
        ({"metadata": {"name": 5}}, "metadata.name: must be a string"),
        ({"metadata": "x"}, "metadata: must be an object"),
        ({"models": [model(rate_limits=[rate("TOKEN", "HOUR", 1)])]}, "unit: must be one of SECOND, MINUTE"),
        ({"models": "all"}, "models: must be an array"),
        ({"slug": "x"}, "slug: is not a known field"),
    ],
)
def test_update_rejects_invalid_payloads(acme: httpx.Client, payload: dict[str, Any], fragment: str) -> None:
    group = create(acme, name="before")
    assert_error(acme.patch(group_path(group["id"]), json=payload), 400, fragment)
    assert acme.get(group_path(group["id"])).json() == group


def test_update_changes_name_and_replaces_the_model_set(acme: httpx.Client) -> None:
    group = create(acme, [model(), model("acme/b")], name="before")
    renamed = acme.patch(group_path(group["id"]), json={"metadata": {"name": "after"}}).json()
    assert renamed["metadata"] == {
        "name": "after",
        "external_entity_id": group["metadata"]["external_entity_id"],
    }
    assert renamed["models"] == group["models"]  # omitted: unchanged
    assert (renamed["id"], renamed["created_at"], renamed["hierarchy"]) == (
        group["id"],
        group["created_at"],
        group["hierarchy"],
    )
    kept = acme.patch(group_path(group["id"]), json={"metadata": {}}).json()
    assert kept["metadata"]["name"] == "after"  # no name key: the name stays
    replaced = acme.patch(
        group_path(group["id"]), json={"models": [model("acme/c")], "metadata": None}
    ).json()
    assert [m["slug"] for m in replaced["models"]] == ["acme/c"]  # set semantics: a replacement
    cleared = acme.patch(group_path(group["id"]), json={"models": [], "metadata": {"name": None}}).json()
    assert cleared["models"] == []
    assert cleared["effective_models"] == []
    assert cleared["metadata"]["name"] is None
    assert acme.get(group_path(group["id"])).json() == cleared


# -- usage -----------------------------------------------------------------------------------------------


def test_usage_lists_the_models_with_usage_limits(acme: httpx.Client) -> None:
    external_id = eid()
    group = create(
        acme,
        [
            model(usage=[rate("TOKEN", "DAY", 10_000_000), rate("REQUEST", "DAY", 5)]),
            model("acme/free", [rate("TOKEN", "SECOND", 9)]),
        ],
        external_id=external_id,
    )
    usage = acme.get(group_path(group["id"], "/usage"))
    assert usage.status_code == 200
    assert usage.json() == {
        "customer_id": external_id,
        "usage": {
            SLUG: [
                {
                    "type": "TOKEN",
                    "unit": "DAY",
                    "threshold": 10_000_000,
                    "current_usage": None,
                    "reset_at": None,
                },
                {"type": "REQUEST", "unit": "DAY", "threshold": 5, "current_usage": None, "reset_at": None},
            ]
        },
    }
    none = create(acme, [model(rate_limits=[rate("TOKEN", "SECOND", 1)])])
    assert acme.get(group_path(none["id"], "/usage")).json()["usage"] == {}


# -- delete ----------------------------------------------------------------------------------------------


def test_delete_removes_the_subtree_and_revokes_its_keys(acme: httpx.Client) -> None:
    root = create(acme)
    child = create(acme, parent=root["id"], name="child")
    grandchild = create(acme, parent=child["id"])
    sibling = create(acme, parent=root["id"])
    keys = {
        name: acme.post(group_path(group["id"], "/api_keys"), json={"name": name}).json()["prefix"]
        for name, group in (
            ("root", root),
            ("child", child),
            ("grandchild", grandchild),
            ("sibling", sibling),
        )
    }
    deleted = acme.delete(group_path(child["id"]))
    assert deleted.status_code == 200
    tombstone = deleted.json()
    assert set(tombstone) == {"id", "metadata", "deleted_at"}
    assert tombstone["id"] == child["id"]
    assert tombstone["metadata"] == child["metadata"]
    assert tombstone["deleted_at"] > child["created_at"]
    for gone in (child, grandchild):
        for suffix in ("", "/usage", "/api_keys"):
            assert_error(acme.get(group_path(gone["id"], suffix)), 404, "group_id")
        assert_error(acme.patch(group_path(gone["id"]), json={"metadata": {"name": "x"}}), 404, "group_id")
    assert_error(acme.delete(group_path(child["id"])), 404, "group_id")  # already deleted
    assert_error(acme.delete(group_path(grandchild["id"])), 404, "group_id")  # deleted with its parent
    for name in ("root", "sibling"):
        group = root if name == "root" else sibling
        assert acme.get(group_path(group["id"], f"/api_keys/{keys[name]}")).status_code == 200
    assert acme.get(group_path(root["id"])).json() == root
    for external_id in (
        child["metadata"]["external_entity_id"],
        grandchild["metadata"]["external_entity_id"],
    ):
        assert acme.get(GROUPS, params={"external_entity_id": external_id}).json()["items"] == []
        create(acme, external_id=external_id)  # freed for reuse, descendants' ids too


# -- callers ---------------------------------------------------------------------------------------------


OPERATIONS = {
    "get": ("GET", "", None),
    "usage": ("GET", "/usage", None),
    "update": ("PATCH", "", {"metadata": {"name": "x"}}),
    "delete": ("DELETE", "", None),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_another_workspaces_group_is_403_and_an_unknown_one_404(
    acme: httpx.Client, globex: httpx.Client, operation: str
) -> None:
    method, suffix, payload = OPERATIONS[operation]
    group = create(acme)
    assert_error(
        globex.request(method, group_path(group["id"], suffix), json=payload), 403, "another workspace"
    )
    assert_error(
        acme.request(method, group_path("missing123", suffix), json=payload), 404, "no group with id"
    )
    assert acme.get(group_path(group["id"])).json() == group


def test_a_percent_encoded_slash_in_an_id_is_a_404(acme: httpx.Client) -> None:
    """``x%2Fusage`` is one segment on the wire; routing must not turn a PATCH of it into a 405."""
    assert_error(acme.patch(f"{GROUPS}/x%2Fusage", json={"metadata": {}}), 404)
    assert_error(acme.delete(f"{GROUPS}/x%2Fapi_keys"), 404)


def test_callers_need_a_key_and_the_documented_scope(emulator: EmulatorProcess) -> None:
    with client_for(emulator) as acme:
        group = create(acme)
    with client_for(emulator, None) as anonymous:
        for method, path in (("GET", GROUPS), ("POST", GROUPS), ("GET", group_path(group["id"]))):
            assert_error(anonymous.request(method, path, json=body()), 401, "API key")
    with client_for(emulator, ACME_VIEWER_KEY) as viewer:
        # The docs ask only view scope of "List groups"; every other operation needs management scope.
        listed = viewer.get(GROUPS, params={"external_entity_id": group["metadata"]["external_entity_id"]})
        assert listed.status_code == 200
        assert [item["id"] for item in listed.json()["items"]] == [group["id"]]
        assert_error(viewer.post(GROUPS, json=body()), 403, "management scope")
        for _, (method, suffix, payload) in OPERATIONS.items():
            assert_error(viewer.request(method, group_path(group["id"], suffix), json=payload), 403, "scope")


def test_a_workspace_not_onboarded_gets_403(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(
        workspaces=[
            {"name": "late", "prefixes": ["late"], "api_keys": [{"key": "late-key"}], "onboarded": False}
        ]
    )
    with client_for(emulator, "late-key") as late:
        assert_error(late.get(GROUPS), 403, "not onboarded")
        assert_error(late.post(GROUPS, json=body([model("late/m")])), 403, "not onboarded")


# -- persistence, faults, rate limit ---------------------------------------------------------------------


def test_restart_loses_nothing(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    with client_for(emulator) as client:
        root = create(
            client, [model(rate_limits=[rate("TOKEN", "MINUTE", 100)])], mode="CASCADING", external_id="root"
        )
        child = create(
            client, [model(rate_limits=[rate("TOKEN", "MINUTE", 50)])], parent=root["id"], name="kid"
        )
        gone = create(client, external_id="gone")
        client.delete(group_path(gone["id"]))
    emulator.restart()
    with client_for(emulator) as client:
        assert client.get(group_path(root["id"])).json() == root
        assert client.get(group_path(child["id"])).json() == child
        assert_error(client.get(group_path(gone["id"])), 404, "group_id")
        assert_error(client.post(GROUPS, json=body(external_id="root")), 400, "already exists")
        # The hierarchy and its rules survive too.
        assert client.patch(
            group_path(root["id"]), json={"models": [model(rate_limits=[rate("TOKEN", "MINUTE", 10)])]}
        ).json() == {"error": CASCADE}
        again = create(client, external_id="gone")
        assert again["id"] not in (root["id"], child["id"], gone["id"])
        assert again["created_at"] > child["created_at"]
    assert emulator.stats()["groups"] == {"live": 3, "deleted": 1}


def test_faults_reach_the_group_routes(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    with client_for(emulator) as client:
        emulator.set_faults(error_rate=1.0, seed=3)
        failed = client.post(GROUPS, json=body(external_id="never"))
        assert failed.status_code in (500, 502, 503, 504)
        assert "injected fault" in failed.json()["error"]
        emulator.set_faults(rate_limit_rate=1.0, seed=3)
        limited = client.get(GROUPS)
        assert limited.status_code == 429
        assert limited.json() == {"error": "Rate limit exceeded. Please try again later.", "retry_after": 1}
        emulator.set_faults(drop_rate=1.0, seed=3)
        with pytest.raises(httpx.TransportError):
            client.post(GROUPS, json=body(external_id="dropped"))
        emulator.set_faults()
        assert (
            client.get(GROUPS, params={"external_entity_id": "never"}).json()["items"] == []
        )  # before processing
        assert (
            len(client.get(GROUPS, params={"external_entity_id": "dropped"}).json()["items"]) == 1
        )  # committed
    faults = emulator.stats()["faults"]
    assert (faults["5xx"], faults["429"], faults["drop"]) == (1, 1, 1)


def test_the_rate_limit_applies_per_key_to_each_group_route(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(rate_limit_per_second=3)
    with client_for(emulator) as client:
        group = create(client)
        # 20 quick calls touch at most two one-second windows: at most 6 get through.
        responses = [client.get(group_path(group["id"])) for _ in range(20)]
        limited = [r for r in responses if r.status_code == 429]
        assert len(limited) >= 14
        assert {r.status_code for r in responses} == {200, 429}
        assert limited[0].json() == {
            "error": "Rate limit exceeded. Please try again later.",
            "retry_after": 1,
        }
        assert limited[0].headers["Retry-After"] == "1"
    with httpx.Client(base_url=emulator.base_url, headers=auth_headers(GLOBEX_KEY)) as other:
        assert other.get(GROUPS).status_code == 200  # another key has its own budget
    assert emulator.stats()["rate_limited"] == len(limited)
