"""The Group: its rules (set semantics), client operations, core, and the resource through the real CLI.

Fast tests use the session emulator (external ids made unique per test) or a private one with faults;
the engine tests run ``harness.engine.declared_gateway`` programs against private emulators.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness.emulator import ACME_KEY, EmulatorProcess, InProcessEmulator
from harness.engine import EngineStack, declared_gateway
from pulumi_baseten_gateway import (
    BadRequestError,
    DuplicateGroupError,
    GatewayClient,
    GroupOperationError,
    InvalidInputError,
    NotFoundError,
)
from pulumi_baseten_gateway.api.rules import group as rules
from pulumi_baseten_gateway.errors import RequestContext
from pulumi_baseten_gateway.resources.group.core import GroupCore
from tests.conftest import MakeEmulator

DEMO_KEY = "demo-key"
TOKEN_MINUTE = {"type": "TOKEN", "unit": "MINUTE", "threshold": 1000}
REQUEST_MINUTE = {"type": "REQUEST", "unit": "MINUTE", "threshold": 10}
TOKEN_DAY = {"type": "TOKEN", "unit": "DAY", "threshold": 100_000}
MODELS = [
    {"slug": "acme/b", "rate_limits": [TOKEN_MINUTE, REQUEST_MINUTE], "usage_limits": [TOKEN_DAY]},
    {"slug": "acme/a"},
]


def entity() -> str:
    return f"cust-{uuid.uuid4().hex[:12]}"


def no_client() -> Any:
    raise AssertionError("no request expected")


@pytest.fixture
def client(emulator: EmulatorProcess) -> Iterator[GatewayClient]:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        yield gateway


# -- rules: set semantics and validation ---------------------------------------------------------------


def test_the_canonical_model_set_ignores_order_and_float_thresholds() -> None:
    reordered = [
        {"slug": "acme/a", "rate_limits": [], "usage_limits": None},
        {
            "slug": "acme/b",
            "usage_limits": [{**TOKEN_DAY, "threshold": 100_000.0}],
            "rate_limits": [REQUEST_MINUTE, {**TOKEN_MINUTE, "threshold": 1000.0}],
        },
    ]
    assert rules.canonical_models(MODELS) == rules.canonical_models(reordered)
    assert rules.canonical_models(MODELS) == [
        {"slug": "acme/a", "rate_limits": [], "usage_limits": []},
        {"slug": "acme/b", "rate_limits": [REQUEST_MINUTE, TOKEN_MINUTE], "usage_limits": [TOKEN_DAY]},
    ]


def test_reordering_models_or_limits_is_no_diff() -> None:
    core = GroupCore(no_client)
    olds = {
        "external_entity_id": "c",
        "models": rules.canonical_models(MODELS),
        "limit_enforcement": "INDEPENDENT",
    }
    news = core.check({"external_entity_id": "c", "models": list(reversed(MODELS))}).inputs
    assert not core.diff(olds, news).changes


@pytest.mark.parametrize(
    ("change", "changed", "replaces", "delete_first"),
    [
        # An update in place: were it replaced (replaceOnChanges), the same entity id means deleting first.
        ({"name": "Acme"}, ["name"], [], True),
        ({"models": [{"slug": "acme/a"}]}, ["models"], [], True),
        ({"external_entity_id": "other"}, ["external_entity_id"], ["external_entity_id"], False),
        ({"parent_group_id": "p1"}, ["parent_group_id"], ["parent_group_id"], True),
        ({"limit_enforcement": "CASCADING"}, ["limit_enforcement"], ["limit_enforcement"], True),
        ({"limit_enforcement": "INDEPENDENT"}, [], [], False),
    ],
)
def test_what_updates_and_what_replaces(
    change: dict[str, Any], changed: list[str], replaces: list[str], delete_first: bool
) -> None:
    core = GroupCore(no_client)
    olds = {"external_entity_id": "c", "models": MODELS, "limit_enforcement": "INDEPENDENT"}
    outcome = core.diff(olds, {"external_entity_id": "c", "models": MODELS, **change})
    assert (outcome.changed, outcome.replaces, outcome.delete_before_replace) == (
        changed,
        replaces,
        delete_first,
    )


def test_an_omitted_mode_means_independent_for_a_root_and_the_parents_for_a_child() -> None:
    core = GroupCore(no_client)
    cascading = {"external_entity_id": "c", "models": MODELS, "limit_enforcement": "CASCADING"}
    assert core.diff(cascading, {"external_entity_id": "c", "models": MODELS}).replaces == [
        "limit_enforcement"
    ]
    child = {**cascading, "parent_group_id": "p"}
    assert not core.diff(child, {"external_entity_id": "c", "models": MODELS, "parent_group_id": "p"}).changes


def test_check_reports_every_broken_rule_with_its_path() -> None:
    outcome = GroupCore(no_client).check(
        {
            "external_entity_id": "",
            "models": [
                {"slug": "acme/a", "rate_limits": [TOKEN_MINUTE, {**TOKEN_MINUTE, "unit": "SECOND"}]},
                {"slug": "acme/a", "usage_limits": [{"type": "TOKEN", "unit": "MINUTE", "threshold": 1.5}]},
                {"slug": "no-slash", "colour": "red"},
            ],
            "limit_enforcement": "STRICT",
        }
    )
    assert [(v.path, v.rule) for v in outcome.failures] == [
        ("external_entity_id", "field-type"),
        ("models[0].rate_limits[1]", "limit"),
        ("models[1].slug", "models"),
        ("models[1].usage_limits[0].unit", "limit"),
        ("models[1].usage_limits[0].threshold", "limit"),
        ("models[2].colour", "unknown-field"),
        ("models[2].slug", "slug-format"),
        ("limit_enforcement", "limit-enforcement"),
    ]
    assert GroupCore(no_client).check({"external_entity_id": "c", "models": []}).failures[0].rule == "models"


UNKNOWN = object()
USAGE_TOKEN_DAY = {"type": "TOKEN", "unit": "DAY", "threshold": 5}


def _valid_group(models: Any = None, **fields: Any) -> dict[str, Any]:
    """A valid group (one model, no limits) with ``fields`` and, when given, ``models`` replaced."""
    valid = {"external_entity_id": "c", "name": None, "models": [{"slug": "acme/a"}]}
    return {**valid, **({} if models is None else {"models": models}), **fields}


def _with_limits(kind: str, *limits: Any) -> dict[str, Any]:
    """A valid group whose one model has ``limits`` of ``kind``."""
    return _valid_group([{"slug": "acme/a", kind: list(limits)}])


@pytest.mark.parametrize(
    ("group", "expected", "mentions"),
    [
        (_valid_group(external_entity_id=None), [("external_entity_id", "required")], []),
        (_valid_group(name=""), [("name", "field-type")], []),
        (_valid_group(name=5), [("name", "field-type")], ["int"]),
        (_valid_group(name="a\nb"), [("name", "field-type")], ["printable", "'a\\nb'"]),
        (_valid_group(parent_group_id=5), [("parent_group_id", "field-type")], ["int"]),
        (
            _valid_group(limit_enforcement="STRICT"),
            [("limit_enforcement", "limit-enforcement")],
            ["'STRICT'", "INDEPENDENT", "CASCADING"],
        ),
        ({**_valid_group(), "models": None}, [("models", "required")], []),
        (_valid_group([]), [("models", "models")], ["at least one"]),
        (_valid_group("acme/a"), [("models", "field-type")], ["str"]),
        (_valid_group([5]), [("models[0]", "field-type")], ["int"]),
        (
            _valid_group([{"slug": "acme/a", "colour": "red"}]),
            [("models[0].colour", "unknown-field")],
            ["slug"],
        ),
        (
            _valid_group([{"slug": "acme/a"}, {"slug": "acme/a"}]),
            [("models[1].slug", "models")],
            ["'acme/a'"],
        ),
        (
            _valid_group([{"slug": "acme/a", "rate_limits": "x"}]),
            [("models[0].rate_limits", "field-type")],
            ["str"],
        ),
        (_with_limits("rate_limits", 3), [("models[0].rate_limits[0]", "field-type")], ["int"]),
        (
            _with_limits("rate_limits", {**TOKEN_MINUTE, "extra": 1}),
            [("models[0].rate_limits[0].extra", "unknown-field")],
            ["type", "unit", "threshold"],
        ),
        (
            _with_limits("rate_limits", {"unit": "MINUTE", "threshold": 1}),
            [("models[0].rate_limits[0].type", "required")],
            [],
        ),
        (
            _with_limits("rate_limits", {"type": "TOKEN", "threshold": 1}),
            [("models[0].rate_limits[0].unit", "required")],
            [],
        ),
        (
            _with_limits("rate_limits", {"type": "TOKEN", "unit": "MINUTE"}),
            [("models[0].rate_limits[0].threshold", "required")],
            [],
        ),
        (
            _with_limits("rate_limits", {**TOKEN_MINUTE, "type": "BYTES"}),
            [("models[0].rate_limits[0].type", "limit")],
            ["'BYTES'", "TOKEN", "REQUEST"],
        ),
        (
            _with_limits("usage_limits", {**USAGE_TOKEN_DAY, "unit": "MINUTE"}),
            [("models[0].usage_limits[0].unit", "limit")],
            ["'MINUTE'", "DAY"],
        ),
        (
            _with_limits("rate_limits", {**TOKEN_MINUTE, "threshold": "10"}),
            [("models[0].rate_limits[0].threshold", "limit")],
            ["'10'"],
        ),
        (
            _with_limits("rate_limits", {**TOKEN_MINUTE, "threshold": -1}),
            [("models[0].rate_limits[0].threshold", "limit")],
            ["-1"],
        ),
        (
            _with_limits("rate_limits", {**TOKEN_MINUTE, "threshold": 2**63}),
            [("models[0].rate_limits[0].threshold", "limit")],
            [str(2**63)],
        ),
        (
            _with_limits("rate_limits", TOKEN_MINUTE, {**TOKEN_MINUTE, "unit": "SECOND"}),
            [("models[0].rate_limits[1]", "limit")],
            ["per type:", "TOKEN"],
        ),
        (
            _with_limits("usage_limits", USAGE_TOKEN_DAY, {**USAGE_TOKEN_DAY, "threshold": 9}),
            [("models[0].usage_limits[1]", "limit")],
            ["per type and unit:", "TOKEN/DAY"],
        ),
        # What follows an unknown or a broken entry is still checked.
        (
            _valid_group([UNKNOWN, {"slug": "acme/a", "colour": 1}]),
            [("models[1].colour", "unknown-field")],
            [],
        ),
        (
            _valid_group([5, {"slug": "acme/a", "colour": 1}]),
            [("models[0]", "field-type"), ("models[1].colour", "unknown-field")],
            [],
        ),
        (
            _with_limits("rate_limits", UNKNOWN, {**TOKEN_MINUTE, "unit": "HOUR"}),
            [("models[0].rate_limits[1].unit", "limit")],
            [],
        ),
        (
            _with_limits("rate_limits", 3, {**TOKEN_MINUTE, "unit": "HOUR"}),
            [("models[0].rate_limits[0]", "field-type"), ("models[0].rate_limits[1].unit", "limit")],
            [],
        ),
        (
            _with_limits("rate_limits", {"type": UNKNOWN, "unit": "HOUR", "threshold": 1}),
            [("models[0].rate_limits[0].unit", "limit")],
            [],
        ),
        (
            _with_limits(
                "rate_limits", {**TOKEN_MINUTE, "type": "BYTES"}, {**REQUEST_MINUTE, "unit": "HOUR"}
            ),
            [("models[0].rate_limits[0].type", "limit"), ("models[0].rate_limits[1].unit", "limit")],
            [],
        ),
    ],
)
def test_each_group_rule_broken_alone_is_reported_once_at_its_path(
    group: dict[str, Any], expected: list[tuple[str, str]], mentions: list[str]
) -> None:
    violations = rules.validate_group(**group, is_unknown=lambda value: value is UNKNOWN)
    assert [(v.path, v.rule) for v in violations] == expected
    for fragment in mentions:
        assert fragment in violations[0].message
    assert all(v.message for v in violations)


@pytest.mark.parametrize(
    "group",
    [
        _valid_group(name=None, parent_group_id=None, limit_enforcement=None),
        _valid_group(name="Acme", parent_group_id="p", limit_enforcement="CASCADING"),
        _with_limits(
            "rate_limits", {**TOKEN_MINUTE, "threshold": 0}, {**REQUEST_MINUTE, "threshold": 2**63 - 1}
        ),
        _with_limits("rate_limits", {**TOKEN_MINUTE, "threshold": 1000.0}),
        _with_limits("usage_limits", USAGE_TOKEN_DAY, {**USAGE_TOKEN_DAY, "type": "REQUEST"}),
        # Values not known yet (a preview) are skipped, at every level.
        _valid_group(
            external_entity_id=UNKNOWN, name=UNKNOWN, parent_group_id=UNKNOWN, limit_enforcement=UNKNOWN
        ),
        _valid_group(UNKNOWN),
        _valid_group([UNKNOWN]),
        _valid_group([{"slug": UNKNOWN}]),
        _valid_group([{"slug": "acme/a", "rate_limits": UNKNOWN, "usage_limits": [UNKNOWN]}]),
        _with_limits("rate_limits", {"type": UNKNOWN, "unit": UNKNOWN, "threshold": UNKNOWN}),
    ],
)
def test_a_valid_or_not_yet_known_group_breaks_no_rule(group: dict[str, Any]) -> None:
    assert rules.validate_group(**group, is_unknown=lambda value: value is UNKNOWN) == []


TEXT_RULE = "must be 1 to 255 characters, got "


@pytest.mark.parametrize(
    ("group", "shown"),
    [
        # metadata.external_entity_id: "length 1-255"; metadata.name: "max length 255" (docs, G1).
        (_valid_group(external_entity_id="e" * 255, name="n" * 255, parent_group_id="p" * 255), []),
        (_valid_group(external_entity_id="e" * 256), [f"external_entity_id: {TEXT_RULE}256"]),
        (_valid_group(name="n" * 256), [f"name: {TEXT_RULE}256"]),
        (_valid_group(parent_group_id="p" * 256), [f"parent_group_id: {TEXT_RULE}256"]),
        (_valid_group(external_entity_id="e"), []),
        (_valid_group(external_entity_id=""), [f"external_entity_id: {TEXT_RULE}0"]),
        (_valid_group(external_entity_id=None), ["external_entity_id: is required"]),
        (_valid_group(name="a\nb"), ["name: must be printable text, got 'a\\nb'"]),
        (_valid_group(parent_group_id=["p"]), ["parent_group_id: must be a string, got list"]),
        (
            _valid_group(limit_enforcement="STRICT"),
            ["limit_enforcement: must be one of INDEPENDENT, CASCADING, got 'STRICT'"],
        ),
        ({**_valid_group(), "models": None}, ["models: is required"]),
        ({**_valid_group(), "models": "acme/a"}, ["models: must be a list, got str"]),
        (_valid_group(["acme/a"]), ["models[0]: must be an object, got str"]),
        (
            _valid_group([{"slug": "acme/a", "usage_limits": {"type": "TOKEN"}}]),
            ["models[0].usage_limits: must be a list, got dict"],
        ),
        (_valid_group([]), ["models: must hold at least one model"]),
        (
            _valid_group([{"slug": "acme/a", "colour": "red"}]),
            ["models[0].colour: is not a model field (known: slug, rate_limits, usage_limits)"],
        ),
        (
            _with_limits("rate_limits", {**TOKEN_MINUTE, "per": 1}),
            ["models[0].rate_limits[0].per: is not a limit field (known: type, unit, threshold)"],
        ),
        (
            _with_limits("rate_limits", {"unit": "MINUTE"}),
            ["models[0].rate_limits[0].type: is required", "models[0].rate_limits[0].threshold: is required"],
        ),
        (
            _with_limits("rate_limits", {**TOKEN_MINUTE, "type": "BYTES", "unit": "HOUR"}),
            [
                "models[0].rate_limits[0].type: must be one of TOKEN, REQUEST, got 'BYTES'",
                "models[0].rate_limits[0].unit: must be one of SECOND, MINUTE, got 'HOUR'",
            ],
        ),
        (
            _with_limits("rate_limits", {**TOKEN_MINUTE, "threshold": True}),
            ["models[0].rate_limits[0].threshold: must be an integer, got True"],
        ),
        (
            _with_limits("rate_limits", {**TOKEN_MINUTE, "threshold": -1}),
            ["models[0].rate_limits[0].threshold: must be at least 0, got -1"],
        ),
        (_with_limits("rate_limits", {**TOKEN_MINUTE, "threshold": 0}), []),  # the spec's minimum
        # The same slug twice is one violation; a slug that is already wrong is not also "listed twice".
        (
            _valid_group([{"slug": "acme/a"}, {"slug": "acme/a"}]),
            ["models[1].slug: 'acme/a' is listed twice: models are a set"],
        ),
        (
            _valid_group([{"slug": "no-slash"}, {"slug": "no-slash"}]),
            [
                f"models[{i}].slug: must have the form '{{org_prefix}}/{{name}}' with exactly one '/', got "
                "'no-slash'"
                for i in (0, 1)
            ],
        ),
        # A limit with a value not known yet is not judged a duplicate of another: it may not be one.
        (
            _with_limits(
                "rate_limits", TOKEN_MINUTE, {**TOKEN_MINUTE, "unit": "SECOND", "threshold": UNKNOWN}
            ),
            [],
        ),
        (
            _with_limits("rate_limits", TOKEN_MINUTE, {**TOKEN_MINUTE, "unit": "SECOND"}),
            ["models[0].rate_limits[1]: at most one limit per type: TOKEN repeats"],
        ),
    ],
)
def test_what_each_group_rule_says(group: dict[str, Any], shown: list[str]) -> None:
    violations = rules.validate_group(**group, is_unknown=lambda value: value is UNKNOWN)
    assert [str(v) for v in violations] == shown


def test_limits_are_kept_sorted_by_type_then_unit_whatever_the_order_given() -> None:
    day = {"type": "TOKEN", "unit": "DAY", "threshold": 1}
    week = {"type": "TOKEN", "unit": "WEEK", "threshold": 1}  # no such unit today: order still holds
    second, minute = {**TOKEN_MINUTE, "unit": "SECOND"}, TOKEN_MINUTE
    for order in ([second, minute, REQUEST_MINUTE], [REQUEST_MINUTE, minute, second]):
        (model,) = rules.canonical_models(
            [{"slug": "acme/a", "rate_limits": order, "usage_limits": [week, day]}]
        )
        assert model["rate_limits"] == [REQUEST_MINUTE, minute, second]
        assert model["usage_limits"] == [day, week]


def test_canonical_thresholds_are_integers_and_a_non_integral_one_passes_through() -> None:
    (model,) = rules.canonical_models(
        _with_limits("rate_limits", {**TOKEN_MINUTE, "threshold": 1000.0})["models"]
    )
    assert type(model["rate_limits"][0]["threshold"]) is int
    for threshold in (1.5, "10"):
        limits = _with_limits("rate_limits", {**TOKEN_MINUTE, "threshold": threshold})
        (model,) = rules.canonical_models(limits["models"])
        assert model["rate_limits"][0]["threshold"] == threshold


# -- the client -----------------------------------------------------------------------------------------


def test_a_duplicate_external_entity_id_carries_the_existing_group(client: GatewayClient) -> None:
    name = entity()
    group = client.groups.create(name, MODELS, name="Acme")
    assert client.groups.find(name) == group
    with pytest.raises(DuplicateGroupError) as raised:
        client.groups.create(name, [{"slug": "acme/other"}])
    assert raised.value.existing == group
    assert "already exists" in str(raised.value)
    assert f"group id {group.id!r} in this workspace holds the external_entity_id" in str(raised.value)
    client.groups.delete(group.id)
    with pytest.raises(NotFoundError):
        client.groups.get(group.id)


def test_update_sets_the_name_and_replaces_the_model_set(client: GatewayClient) -> None:
    group = client.groups.create(entity(), MODELS, name="before")
    updated = client.groups.update(
        group.id, name=None, models=[{"slug": "acme/c", "rate_limits": [TOKEN_MINUTE]}]
    )
    assert updated.id == group.id
    assert updated.metadata.name is None
    assert rules.group_models(updated) == [
        {"slug": "acme/c", "rate_limits": [TOKEN_MINUTE], "usage_limits": []}
    ]
    with pytest.raises(InvalidInputError, match="give a name or models"):
        client.groups.update(group.id)
    client.groups.delete(group.id)


def test_deleting_a_parent_deletes_its_children_and_their_keys(client: GatewayClient) -> None:
    parent = client.groups.create(entity(), MODELS)
    child = client.groups.create(entity(), MODELS, parent_group_id=parent.id)
    key = client.keys.create(child.id)
    client.groups.delete(parent.id)
    for read in (lambda: client.groups.get(child.id), lambda: client.keys.get(child.id, key.prefix)):
        with pytest.raises(NotFoundError):
            read()
    core = GroupCore(lambda: client)
    core.delete(child.id, {"external_entity_id": "gone with its parent"})  # already gone: deleted
    assert core.read(child.id, {}) is None


def test_creates_under_dropped_answers_make_exactly_one_group_each(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    emulator.set_faults(drop_rate=0.5, seed=11)
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        created = {name: gateway.groups.create(name, MODELS).id for name in (f"drop-{i}" for i in range(12))}
        assert emulator.stats()["faults"]["drop"] > 0
        emulator.set_faults()
        held = {g.metadata.external_entity_id: g.id for g in gateway.groups.list()}
    assert held == created


def test_a_cascading_limit_error_surfaces_the_servers_message_and_what_to_do(client: GatewayClient) -> None:
    core = GroupCore(lambda: client)
    limit = {"slug": "acme/a", "rate_limits": [TOKEN_MINUTE]}
    parent_id, parent = core.create(
        {"external_entity_id": entity(), "models": [limit], "limit_enforcement": "CASCADING"}
    )
    child_name = entity()
    child_id, child = core.create(
        {"external_entity_id": child_name, "models": [limit], "parent_group_id": parent_id}
    )
    assert child["limit_enforcement"] == "CASCADING"
    higher = [{"slug": "acme/a", "rate_limits": [{**TOKEN_MINUTE, "threshold": 5000}]}]
    with pytest.raises(GroupOperationError) as raised:
        core.update(child_id, child, {**child, "models": higher})
    assert str(raised.value).startswith(
        f"Group {child_name!r}: update failed: PATCH /v1/gateway/groups/{child_id} returned HTTP 400: "
        "Child group exceeds parent group limit.; in a CASCADING hierarchy"
    )
    core.delete(parent_id, parent)


def test_adopt_refuses_another_hierarchy(client: GatewayClient) -> None:
    core = GroupCore(lambda: client)
    name = entity()
    group_id, _ = core.create({"external_entity_id": name, "models": MODELS})
    with pytest.raises(GroupOperationError, match="set adopt=True on it"):
        core.create({"external_entity_id": name, "models": MODELS})
    with pytest.raises(
        GroupOperationError, match=r"cannot adopt group .* a hierarchy cannot change in place"
    ):
        core.create(
            {"external_entity_id": name, "models": MODELS, "limit_enforcement": "CASCADING", "adopt": True}
        )
    adopted_id, adopted = core.create(
        {"external_entity_id": name, "models": [{"slug": "acme/z"}], "adopt": True}
    )
    assert adopted_id == group_id
    assert [m["slug"] for m in adopted["models"]] == ["acme/z"]
    core.delete(group_id, adopted)


@pytest.fixture
def local() -> Iterator[tuple[InProcessEmulator, GatewayClient]]:
    """The emulator in this process, and a client of its acme workspace."""
    with InProcessEmulator() as api, api.client() as acme:
        yield api, acme


def patches(api: InProcessEmulator) -> int:
    return int(api.stats()["by_route"].get("PATCH /v1/gateway/groups/{group_id}", 0))


def test_the_core_gives_every_output_and_reads_back_the_inputs_that_make_them(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    _, client = local
    core = GroupCore(lambda: client)
    checked = core.check(
        {"external_entity_id": "parent", "name": "Parent", "models": MODELS, "limit_enforcement": "CASCADING"}
    )
    assert checked.failures == []
    assert checked.inputs["models"] == rules.canonical_models(MODELS)  # stored sorted, as the API keeps it
    parent_id, parent = core.create(checked.inputs)
    assert parent == {
        "group_id": parent_id,
        "external_entity_id": "parent",
        "name": "Parent",
        "models": checked.inputs["models"],
        "limit_enforcement": "CASCADING",
        "parent_group_id": None,
        "effective_models": [
            {"slug": "acme/a", "rate_limits": [], "usage_limits": []},
            {
                "slug": "acme/b",
                "rate_limits": [
                    {**limit, "source_group": parent_id} for limit in (REQUEST_MINUTE, TOKEN_MINUTE)
                ],
                "usage_limits": [{**TOKEN_DAY, "source_group": parent_id}],
            },
        ],
        "created_at": parent["created_at"],
    }
    assert parent["created_at"].endswith("Z")
    child_id, child = core.create(
        core.check(
            {"external_entity_id": "child", "models": [{"slug": "acme/b"}], "parent_group_id": parent_id}
        ).inputs
    )
    assert (child["parent_group_id"], child["limit_enforcement"], child["name"]) == (
        parent_id,
        "CASCADING",
        None,
    )
    assert child["effective_models"] == [parent["effective_models"][1]]  # the parent's limits, named as its

    read = core.read(child_id, {**child, "adopt": False})
    assert read is not None
    assert (read.id, read.outputs) == (child_id, child)
    assert read.inputs == {
        "external_entity_id": "child",
        "models": child["models"],
        "limit_enforcement": "CASCADING",
        "parent_group_id": parent_id,
        "adopt": False,
    }
    read = core.read(parent_id, {})  # `Group.get`: no state
    assert read is not None
    assert read.inputs == {
        "external_entity_id": "parent",
        "name": "Parent",
        "models": parent["models"],
        "limit_enforcement": "CASCADING",
    }


def test_an_update_sets_the_name_and_the_models_and_a_failure_names_the_group(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    _, client = local
    core = GroupCore(lambda: client)
    group_id, group = core.create(core.check({"external_entity_id": "g", "models": MODELS}).inputs)
    news = core.check({"external_entity_id": "g", "name": "Renamed", "models": [{"slug": "acme/z"}]}).inputs
    updated = core.update(group_id, group, news)
    assert (updated["name"], updated["models"]) == ("Renamed", news["models"])
    assert client.groups.get(group_id).metadata.name == "Renamed"
    client.groups.delete(group_id)
    for olds, new, name in (
        (group, news, "g"),
        ({"external_entity_id": "old"}, {"models": news["models"]}, "old"),
        ({}, {"models": news["models"]}, group_id),
    ):
        with pytest.raises(GroupOperationError) as failed:
            core.update(group_id, olds, new)
        assert str(failed.value).startswith(f"Group {name!r}: update failed: PATCH /v1/gateway/groups/")
        assert isinstance(failed.value.cause, NotFoundError)


@pytest.mark.parametrize(
    "server_message",
    [
        "Child group exceeds parent group limit.",
        "models: rate limit type repeated",
        "group exceeds the quota",
    ],
)
def test_only_a_cascading_limit_refusal_gets_the_cascade_advice(server_message: str) -> None:
    context = RequestContext("update group", "PATCH", "/v1/gateway/groups/g1", "g1")
    refusal = BadRequestError(context, 400, server_message)

    def update(*args: Any, **kwargs: Any) -> Any:
        raise refusal

    stub: Any = SimpleNamespace(groups=SimpleNamespace(update=update))
    with pytest.raises(GroupOperationError) as failed:
        GroupCore(lambda: stub).update("g1", {"external_entity_id": "c"}, {"models": MODELS})
    assert failed.value.cause is refusal
    cascade = "exceeds" in server_message and "limit" in server_message
    assert ("in a CASCADING hierarchy" in str(failed.value)) is cascade
    assert (failed.value.hint is not None) is cascade


def test_adopting_an_identical_group_sends_nothing_and_another_name_or_models_are_set(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    core = GroupCore(lambda: client)
    inputs = core.check({"external_entity_id": "g", "name": "Same", "models": MODELS}).inputs
    group_id, group = core.create(inputs)
    before = patches(api)
    assert core.create({**inputs, "adopt": True}) == (group_id, group)
    assert core.create({**inputs, "limit_enforcement": "INDEPENDENT", "adopt": True})[0] == group_id
    assert patches(api) == before  # nothing to change: no PATCH
    adopted_id, adopted = core.create({**inputs, "name": "Other", "adopt": True})
    assert (adopted_id, adopted["name"]) == (group_id, "Other")
    assert client.groups.get(group_id).metadata.name == "Other"
    assert patches(api) == before + 1
    unnamed = core.create({**inputs, "name": None, "adopt": True})[1]
    assert unnamed["name"] is None


def test_adopt_refuses_a_group_under_another_parent_naming_both_hierarchies(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    _, client = local
    core = GroupCore(lambda: client)
    parent_id, _ = core.create(core.check({"external_entity_id": "p", "models": MODELS}).inputs)
    inputs = core.check({"external_entity_id": "c", "models": MODELS, "parent_group_id": parent_id}).inputs
    child_id, _ = core.create(inputs)
    with pytest.raises(GroupOperationError) as refused:
        core.create({**inputs, "parent_group_id": None, "adopt": True})
    assert (
        f"cannot adopt group {child_id!r}: its hierarchy (parent {parent_id!r}, INDEPENDENT) differs from "
        "the resource's (parent None, inherited), and a hierarchy cannot change in place"
    ) in str(refused.value)
    assert str(refused.value).startswith("Group 'c': create failed: ")
    assert core.create({**inputs, "adopt": True})[0] == child_id  # the same parent: adopted


def test_a_read_or_a_delete_that_fails_names_the_external_id_else_the_group_id(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    core = GroupCore(lambda: client)
    group_id, group = core.create(core.check({"external_entity_id": "cust-7", "models": MODELS}).inputs)
    api.set_faults(error_rate=1.0)
    for state, name in ((group, "cust-7"), ({}, group_id)):
        for step, call in (("read", core.read), ("delete", core.delete)):
            with pytest.raises(GroupOperationError) as failed:
                call(group_id, state)
            assert str(failed.value).startswith(f"Group {name!r}: {step} failed: ")
    with pytest.raises(GroupOperationError, match=r"^Group 'new-id': update failed: "):
        core.update(group_id, group, {**group, "external_entity_id": "new-id"})
    api.set_faults()
    assert client.groups.get(group_id).id == group_id  # nothing was deleted


def test_a_create_the_api_refuses_names_the_external_id(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    core = GroupCore(lambda: client)
    api.set_faults(error_rate=1.0)
    with pytest.raises(GroupOperationError) as failed:
        core.create(core.check({"external_entity_id": "cust-9", "models": MODELS}).inputs)
    assert str(failed.value).startswith(
        "Group 'cust-9': create failed: POST /v1/gateway/groups returned HTTP 5"
    )


def test_check_judges_the_name_and_the_parent_and_diff_sees_unknowns() -> None:
    core = GroupCore(no_client, is_unknown=lambda value: value is UNKNOWN)
    assert core.check({"external_entity_id": UNKNOWN, "models": UNKNOWN, "name": UNKNOWN}).failures == []
    failures = core.check(
        {"external_entity_id": "c", "models": MODELS, "name": "", "parent_group_id": 7}
    ).failures
    assert [(f.path, f.rule) for f in failures] == [("name", "field-type"), ("parent_group_id", "field-type")]
    assert core.check({"external_entity_id": "c", "models": [{"slug": UNKNOWN}]}).inputs["models"] == [
        {"slug": UNKNOWN}
    ]  # not known yet: stored as given, not canonical
    olds = {
        "external_entity_id": "c",
        "models": rules.canonical_models(MODELS),
        "limit_enforcement": "INDEPENDENT",
    }
    for news, changed in (
        ({"models": [{"slug": UNKNOWN}]}, ["models"]),
        ({"models": MODELS, "limit_enforcement": UNKNOWN}, ["limit_enforcement"]),
        ({"models": MODELS, "parent_group_id": UNKNOWN}, ["parent_group_id"]),
    ):
        assert core.diff(olds, {"external_entity_id": "c", **news}).changed == changed
    # A mode not known yet is a change even against a state that records none.
    without_mode = {"external_entity_id": "c", "models": olds["models"]}
    assert core.diff(without_mode, {**without_mode, "limit_enforcement": UNKNOWN}).changed == [
        "limit_enforcement"
    ]


# -- through the engine ---------------------------------------------------------------------------------


def _group(external_entity_id: str, models: list[dict[str, Any]], **props: Any) -> dict[str, Any]:
    return {"kind": "Group", "props": {"external_entity_id": external_entity_id, "models": models, **props}}


def _key(group: str, **props: Any) -> dict[str, Any]:
    return {"kind": "GatewayApiKey", "props": {"group_id": f"${{{group}.group_id}}", **props}}


DEMO_MODELS = [{"slug": "demo/a", "rate_limits": [TOKEN_MINUTE]}, {"slug": "demo/b"}]


def _stack(tmp_path: Path, emulator: EmulatorProcess, resources: dict[str, Any]) -> EngineStack:
    return EngineStack(
        tmp_path,
        declared_gateway,
        api_url=emulator.base_url,
        api_key=DEMO_KEY,
        config={"resources": resources},
    )


def _held(emulator: EmulatorProcess) -> dict[str, Any]:
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        return {g.metadata.external_entity_id: g for g in gateway.groups.list()}


def test_a_hierarchy_with_keys_updates_in_place_refreshes_a_deleted_parent_and_deletes_children_first(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator(config=False)
    declared = {
        "parent": _group("acme", DEMO_MODELS, name="Acme"),
        "child": _group("acme-eu", [{"slug": "demo/a"}], parent_group_id="${parent.group_id}"),
        "key": _key("child", name="k1"),
    }
    stack = _stack(tmp_path, emulator, declared)
    run = stack.up()
    held = _held(emulator)
    assert held["acme-eu"].hierarchy.parent_group_id == held["acme"].id
    assert run.outputs["child"]["effective_models"][0]["rate_limits"][0]["source_group"] == held["acme"].id

    # Reordering the model set and its limits is no change.
    reordered = [{"slug": "demo/b"}, {"slug": "demo/a", "rate_limits": [TOKEN_MINUTE]}]
    stack.set_config({"resources": {**declared, "parent": _group("acme", reordered, name="Acme")}})
    stack.preview(expect_no_changes=True)

    # New limits and a new name: the parent updates in place; the child and its key are untouched.
    changed = [{"slug": "demo/a", "rate_limits": [{**TOKEN_MINUTE, "threshold": 5}]}]
    stack.set_config({"resources": {**declared, "parent": _group("acme", changed, name="Acme 2")}})
    assert stack.preview().changes == {"same": 3, "update": 1}
    run = stack.up()
    assert run.changes == {"same": 3, "update": 1}
    assert _held(emulator)["acme"].id == held["acme"].id
    assert run.outputs["child"]["effective_models"][0]["rate_limits"][0]["threshold"] == 1000  # not refreshed
    stack.refresh()
    assert (
        stack.resources("Group")["child"]["outputs"]["effective_models"][0]["rate_limits"][0]["threshold"]
        == 5
    )

    # The parent deleted out of band: refresh sees it gone, with its child and the child's key; up
    # recreates the three.
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        gateway.groups.delete(_held(emulator)["acme"].id)
    refresh = stack.refresh()
    assert refresh.changes == {"same": 1, "delete": 3}
    assert not [r for r in stack.resources("").values() if "baseten-gateway" in r["type"]]
    stack.up()
    assert set(_held(emulator)) == {"acme", "acme-eu"}
    stack.preview(expect_no_changes=True)

    # Removed from the program: the key, then the child, then the parent.
    stack.set_config({"resources": {}})
    run = stack.up()
    deleted = [name for op, name in run.steps() if op == "delete" and name != "default"]
    assert deleted == ["key", "child", "parent"]  # (``default``: the provider, now unused)
    assert _held(emulator) == {}


def test_a_new_external_entity_id_replaces_the_group_and_its_keys(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator(config=False)
    stack = _stack(tmp_path, emulator, {"g": _group("old", DEMO_MODELS), "key": _key("g")})
    stack.up()
    old = _held(emulator)["old"]
    stack.set_config({"resources": {"g": _group("new", DEMO_MODELS), "key": _key("g")}})
    run = stack.up()
    assert run.changes == {"same": 1, "replace": 2}
    steps = [(op, name) for op, name in run.steps()]
    assert steps.index(("create-replacement", "g")) < steps.index(("delete-replaced", "g"))
    assert steps.index(("delete-replaced", "key")) < steps.index(("delete-replaced", "g"))
    held = _held(emulator)
    assert set(held) == {"new"}
    assert held["new"].id != old.id
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        assert len(list(gateway.keys.list(held["new"].id))) == 1
    stack.destroy()
    assert _held(emulator) == {}


def test_a_taken_external_entity_id_fails_suggesting_adopt_and_get_reads_a_group(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator(config=False)
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        existing = gateway.groups.create("taken", [{"slug": "demo/x"}])
    stack = _stack(tmp_path, emulator, {"g": _group("taken", DEMO_MODELS)})
    error = str(stack.failing("up"))
    assert (
        "pulumi_baseten_gateway.errors.GroupOperationError: Group 'taken': create failed: POST "
        "/v1/gateway/groups returned HTTP 400: "
    ) in error
    assert "set adopt=True on it" in error
    assert "Traceback" not in error

    stack.set_config(
        {
            "resources": {"g": _group("taken", DEMO_MODELS, adopt=True)},
            "gets": {"seen": {"kind": "Group", "id": existing.id}},
        }
    )
    run = stack.up()
    assert run.outputs["g"]["group_id"] == existing.id
    assert run.outputs["seen"]["external_entity_id"] == "taken"
    assert [m.slug for m in _held(emulator)["taken"].models] == ["demo/a", "demo/b"]
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert _held(emulator) == {}


def test_a_cascading_violation_fails_the_up_with_the_servers_message(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator(config=False)
    limit = [{"slug": "demo/a", "rate_limits": [TOKEN_MINUTE]}]
    declared = {
        "parent": _group("p", limit, limit_enforcement="CASCADING"),
        "child": _group("c", limit, parent_group_id="${parent.group_id}"),
    }
    stack = _stack(tmp_path, emulator, declared)
    stack.up()
    higher = [{"slug": "demo/a", "rate_limits": [{**TOKEN_MINUTE, "threshold": 2000}]}]
    stack.set_config(
        {
            "resources": {
                **declared,
                "child": {**declared["child"], "props": {**declared["child"]["props"], "models": higher}},
            }
        }
    )
    error = str(stack.failing("up"))
    assert "Group 'c': update failed: PATCH /v1/gateway/groups/" in error
    assert "returned HTTP 400: Child group exceeds parent group limit.; in a CASCADING hierarchy" in error
    stack.set_config({"resources": declared})
    stack.destroy()
    assert _held(emulator) == {}
