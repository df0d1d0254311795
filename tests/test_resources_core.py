"""Every lifecycle core, held to its declaration: what replaces, what is refused before any request.

The declaration (``resources/<name>/resource.py``) says which inputs exist, which are outputs only, and
which replace the resource when they change; the cores must follow it rather than lists of their own. So,
for each of the five cores, with no client at all (check and diff make no request):

- changing one input changes exactly that property, and replaces exactly when the declaration says so;
- changing ``adopt`` (an input that is not an output: it only tells a create what to do) changes nothing;
- an input the declaration does not have, an output given as an input, and a non-boolean ``adopt`` are each
  a violation naming the property.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import pytest

from pulumi_baseten_gateway.errors import (
    BadRequestError,
    EndpointOperationError,
    GroupOperationError,
    NotFoundError,
    PermissionDeniedError,
    RequestContext,
    ServerError,
)
from pulumi_baseten_gateway.resources.api_key.core import GatewayApiKeyCore
from pulumi_baseten_gateway.resources.api_key.registered import RegisteredGatewayApiKeyCore
from pulumi_baseten_gateway.resources.endpoint.core import EndpointCore
from pulumi_baseten_gateway.resources.group.core import GroupCore
from pulumi_baseten_gateway.resources.lifecycle import CoreBase, Hinted, step, timestamp
from pulumi_baseten_gateway.resources.secret.core import SecretCore

KEY = "Kq7-vR2_pL9xZ4mN8bT1wY6cH3jF5sD0"  # 32 characters of the documented alphabet
OTHER_KEY = "Zt4_mW8-qB2nR6xL0vC9kJ3hG7fP1sA5"

#: Per core: valid inputs, and for every input a different valid value.
CASES: Mapping[type[CoreBase], tuple[dict[str, Any], dict[str, Any]]] = {
    EndpointCore: (
        {"slug": "acme/a", "targets": [{"provider": "BASETEN", "model_id": "m1"}], "region": "UNRESTRICTED"},
        {"slug": "acme/b", "targets": [{"provider": "BASETEN", "model_id": "m2"}], "region": "EU"},
    ),
    GroupCore: (
        {
            "external_entity_id": "cust_1",
            "name": "Customer one",
            "models": [{"slug": "acme/a"}],
            "limit_enforcement": "INDEPENDENT",
            "parent_group_id": "parent-1",
        },
        {
            "external_entity_id": "cust_2",
            "name": "Customer two",
            "models": [{"slug": "acme/b"}],
            "limit_enforcement": "CASCADING",
            "parent_group_id": "parent-2",
        },
    ),
    SecretCore: (
        {"name": "openai_key", "value": "v1", "team_id": "team-a"},
        {"name": "anthropic_key", "value": "v2", "team_id": "team-b"},
    ),
    GatewayApiKeyCore: ({"group_id": "g1", "name": "ci"}, {"group_id": "g2", "name": "prod"}),
    RegisteredGatewayApiKeyCore: (
        {"group_id": "g1", "name": "legacy", "key": KEY},
        {"group_id": "g2", "name": "legacy-2", "key": OTHER_KEY},
    ),
}
CORES = list(CASES)


def _no_client() -> Any:
    pytest.fail("check and diff make no request")


def _core(cls: type[CoreBase]) -> CoreBase:
    return cls(_no_client)


def _changing(cls: type[CoreBase]) -> list[tuple[type[CoreBase], str]]:
    return [(cls, prop.name) for prop in cls.declaration.inputs if prop.output]


@pytest.mark.parametrize("cls", CORES, ids=lambda c: c.declaration.name)
def test_the_cases_cover_every_input(cls: type[CoreBase]) -> None:
    base, other = CASES[cls]
    stored = {p.name for p in cls.declaration.inputs if p.output}
    assert set(base) == set(other) == stored
    assert _core(cls).check(base).failures == []  # type: ignore[attr-defined]
    assert _core(cls).check(other).failures == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("cls", "name"),
    [case for cls in CORES for case in _changing(cls)],
    ids=lambda v: v if isinstance(v, str) else v.declaration.name,
)
def test_a_change_replaces_exactly_when_declared(cls: type[CoreBase], name: str) -> None:
    base, other = CASES[cls]
    news = {**base, name: other[name]}
    outcome = _core(cls).diff(base, news)  # type: ignore[attr-defined]
    assert outcome.changed == [name]
    assert outcome.replaces == ([name] if cls.declaration.prop(name).replaces else [])


@pytest.mark.parametrize("cls", CORES, ids=lambda c: c.declaration.name)
def test_no_change_is_no_diff_and_adopt_is_no_change(cls: type[CoreBase]) -> None:
    base, _ = CASES[cls]
    core = _core(cls)
    assert core.diff(base, dict(base)).changed == []  # type: ignore[attr-defined]
    if any(p.name == "adopt" for p in cls.declaration.inputs):
        assert core.diff({**base, "adopt": False}, {**base, "adopt": True}).changed == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", CORES, ids=lambda c: c.declaration.name)
def test_an_undeclared_input_is_refused(cls: type[CoreBase]) -> None:
    base, _ = CASES[cls]
    failures = _core(cls).check({**base, "slugg": "x"}).failures  # type: ignore[attr-defined]
    assert [(f.path, f.rule) for f in failures] == [("slugg", "unknown-field")]
    # Pulumi's own keys (the dynamic provider's ``__provider``) are not the user's.
    assert _core(cls).check({**base, "__provider": "x"}).failures == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", CORES, ids=lambda c: c.declaration.name)
def test_an_output_given_as_an_input_is_refused(cls: type[CoreBase]) -> None:
    base, _ = CASES[cls]
    for output in cls.declaration.output_only:
        failures = _core(cls).check({**base, output.name: "set-by-hand"}).failures  # type: ignore[attr-defined]
        assert [(f.path, f.rule) for f in failures] == [(output.name, "output-only")]
        # Unset (None, as the Python resources pass their outputs) is not setting it.
        assert _core(cls).check({**base, output.name: None}).failures == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "cls",
    [c for c in CORES if any(p.name == "adopt" for p in c.declaration.inputs)],
    ids=lambda c: c.declaration.name,
)
def test_adopt_must_be_a_boolean(cls: type[CoreBase]) -> None:
    base, _ = CASES[cls]
    assert _core(cls).check({**base, "adopt": True}).failures == []  # type: ignore[attr-defined]
    failures = _core(cls).check({**base, "adopt": "yes"}).failures  # type: ignore[attr-defined]
    assert [(f.path, f.rule) for f in failures] == [("adopt", "field-type")]


@pytest.mark.parametrize("cls", CORES, ids=lambda c: c.declaration.name)
def test_the_declared_checks_say_what_is_wrong_and_skip_what_is_not_known_yet(cls: type[CoreBase]) -> None:
    base, _ = CASES[cls]
    unknown = object()
    preview = cls(_no_client, is_unknown=lambda value: value is unknown)
    outputs = {output.name: unknown for output in cls.declaration.output_only}
    assert preview.check({**base, **outputs}).failures == []  # type: ignore[attr-defined]
    for output in cls.declaration.output_only:
        (failure,) = _core(cls).check({**base, output.name: 0}).failures  # type: ignore[attr-defined]
        assert str(failure) == f"{output.name}: is an output: it cannot be set"
    if any(p.name == "adopt" for p in cls.declaration.inputs):
        assert preview.check({**base, "adopt": unknown}).failures == []  # type: ignore[attr-defined]
        (failure,) = _core(cls).check({**base, "adopt": "yes"}).failures  # type: ignore[attr-defined]
        assert str(failure) == "adopt: must be true or false, got 'yes'"
    (failure,) = _core(cls).check({**base, "colour": "red"}).failures  # type: ignore[attr-defined]
    assert str(failure) == f"colour: is not a {cls.declaration.name} property"


def test_every_core_with_adopt_is_tested() -> None:
    with_adopt = {c.declaration.name for c in CORES if any(p.name == "adopt" for p in c.declaration.inputs)}
    assert with_adopt == {"Endpoint", "Group", "Secret"}


# -- what every step shares: one-line errors, hints, "not found" ------------------------------------------


def test_a_steps_gateway_error_becomes_one_operation_error_and_nothing_else_is_caught() -> None:
    context = RequestContext("get endpoint", "GET", "/v1/gateway/endpoints/e1", "e1")
    cause = ServerError(context, 502, "upstream died")

    def fails() -> None:
        raise cause

    with pytest.raises(EndpointOperationError) as wrapped:
        step(EndpointOperationError, "read", "acme/x", fails)
    assert str(wrapped.value) == f"Endpoint 'acme/x': read failed: {cause.detail}"
    assert (wrapped.value.cause, wrapped.value.hint, wrapped.value.operation) == (cause, None, "read")
    assert wrapped.value.__cause__ is None
    assert wrapped.value.__suppress_context__  # one line: the cause is in the message, not a second traceback

    def hinted() -> None:
        raise Hinted(cause, "do this")

    assert str(Hinted(cause, "do this")) == str(cause)  # should one ever escape a step
    with pytest.raises(GroupOperationError) as with_hint:
        step(GroupOperationError, "update", 7, hinted)
    assert str(with_hint.value) == f"Group '7': update failed: {cause.detail}; do this"
    assert (with_hint.value.cause, with_hint.value.hint) == (cause, "do this")

    def bug() -> None:
        raise KeyError("a bug, not an API answer")

    with pytest.raises(KeyError):
        step(EndpointOperationError, "read", "acme/x", bug)
    assert step(EndpointOperationError, "read", "acme/x", lambda: 42) == 42


def test_only_not_found_reads_as_gone() -> None:
    context = RequestContext("get group", "GET", "/v1/gateway/groups/g1", "g1")

    def raising(error: Exception) -> Any:
        def fn() -> Any:
            raise error

        return fn

    assert CoreBase._found(raising(NotFoundError(context, 404, "no such group"))) is None
    assert CoreBase._found(lambda: "found") == "found"
    for other in (
        PermissionDeniedError(context, 403, "view scope only"),
        ServerError(context, 500, "boom"),
        BadRequestError(context, 400, "bad"),
    ):
        with pytest.raises(type(other)):
            CoreBase._found(raising(other))


def test_timestamps_are_rfc3339_utc_with_a_z() -> None:
    assert timestamp(datetime(2026, 6, 17, 12, 0, tzinfo=timezone.utc)) == "2026-06-17T12:00:00Z"
    assert timestamp(datetime(2026, 6, 17, 12, 0, 0, 5, tzinfo=timezone.utc)) == "2026-06-17T12:00:00.000005Z"
