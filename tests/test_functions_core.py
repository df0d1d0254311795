"""The functions (look-ups) in-process: what each finds, by each argument, what it costs in requests, and
the one-line failure naming the function and the argument, before any request when the arguments are wrong.

Against :class:`~harness.emulator.InProcessEmulator` (the emulator's application in this process); the
usage of a group that has consumed some of its window, which the emulator never serves (it runs no
inference), from a server answering the documented example (``gateway-api.md`` G4). The native plugin's
``Invoke`` is driven here too, with the engine's wire names; the engine runs them in
``test_functions_engine.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pulumi.runtime.proto import provider_pb2

from harness.emulator import (
    ACME_KEY,
    ACME_VIEWER_KEY,
    GLOBEX_KEY,
    EmulatorProcess,
    InProcessEmulator,
    unique_slug,
)
from pulumi_baseten_gateway import (
    FunctionError,
    GatewayClient,
    PermissionDeniedError,
    RetryPolicy,
    get_endpoint,
    get_group,
    get_group_usage,
    get_secret,
)
from pulumi_baseten_gateway.dynamic.types import GetEndpointResult, GetGroupResult, GetGroupUsageResult
from pulumi_baseten_gateway.native.properties import UNKNOWN, struct, unstruct
from pulumi_baseten_gateway.native.server import NativeProvider
from pulumi_baseten_gateway.resources.declaration import camel_case
from pulumi_baseten_gateway.resources.functions import FUNCTIONS, Function, invoke

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
BASETEN = [{"provider": "BASETEN", "model_id": "m1"}]
TOKEN_DAY = {"type": "TOKEN", "unit": "DAY", "threshold": 10_000_000}
REQUEST_DAY = {"type": "REQUEST", "unit": "DAY", "threshold": 5_000}
RATE = {"type": "REQUEST", "unit": "MINUTE", "threshold": 60}
#: The documented example answer of Get group usage (gateway-api.md, G4).
DOCUMENTED_USAGE = {
    "customer_id": "cust_42",
    "usage": {
        "your-org/your-model": [
            {
                "type": "TOKEN",
                "unit": "DAY",
                "threshold": 10000000,
                "current_usage": 4231899,
                "reset_at": "2026-05-21T00:00:00Z",
            }
        ]
    },
}


def _function(name: str) -> Function:
    return FUNCTIONS[f"baseten-gateway:index:{name}"]


@pytest.fixture
def gateway() -> Iterator[InProcessEmulator]:
    with InProcessEmulator() as emulator:
        yield emulator


def _requests(emulator: InProcessEmulator) -> int:
    count: int = emulator.stats()["total_requests"]
    return count


def _run(emulator: InProcessEmulator, function: str, /, key: str = ACME_KEY, **args: Any) -> dict[str, Any]:
    client = emulator.client(key)
    return invoke(_function(function), lambda: client, args)


def _never() -> GatewayClient:
    raise AssertionError("the function asked for a client: it would have sent a request")


# -- what each function finds ----------------------------------------------------------------------------


def test_get_endpoint_finds_the_same_endpoint_by_slug_and_by_id(gateway: InProcessEmulator) -> None:
    client = gateway.client()
    other = client.endpoints.create("acme/other", BASETEN)
    made = client.endpoints.create("acme/glm", [{"provider": "BASETEN", "model_id": "m2"}], region="EU")

    by_slug = _run(gateway, "getEndpoint", slug="acme/glm")
    by_id = _run(gateway, "getEndpoint", endpoint_id=made.id)

    assert by_slug == by_id
    assert by_slug["endpoint_id"] == made.id != other.id
    assert by_slug["slug"] == "acme/glm"
    assert by_slug["targets"] == [{"provider": "BASETEN", "model_id": "m2"}]
    assert by_slug["region"] == "EU"
    assert RFC3339_UTC.match(by_slug["created_at"])
    assert RFC3339_UTC.match(by_slug["updated_at"])
    assert set(by_slug) == {p.name for p in _function("getEndpoint").declaration.result.props}


def test_get_endpoint_by_id_costs_one_request_and_by_slug_one_per_thousand(
    gateway: InProcessEmulator,
) -> None:
    client = gateway.client()
    made = [client.endpoints.create(f"acme/e{i:04}", BASETEN) for i in range(1001)]  # a page holds 1,000

    before = _requests(gateway)
    assert _run(gateway, "getEndpoint", endpoint_id=made[-1].id)["slug"] == "acme/e1000"
    assert _requests(gateway) - before == 1

    before = _requests(gateway)
    assert _run(gateway, "getEndpoint", slug="acme/e1000")["endpoint_id"] == made[-1].id
    assert _requests(gateway) - before == 2


def test_get_group_finds_the_same_group_by_external_entity_id_and_by_id(gateway: InProcessEmulator) -> None:
    client = gateway.client()
    client.endpoints.create("acme/glm", BASETEN)
    parent = client.groups.create("org_1", [{"slug": "acme/glm", "usage_limits": [TOKEN_DAY]}], name="Org")
    child = client.groups.create("cust_42", [{"slug": "acme/glm"}], parent_group_id=parent.id)

    before = _requests(gateway)
    by_entity = _run(gateway, "getGroup", external_entity_id="cust_42")
    by_id = _run(gateway, "getGroup", group_id=child.id)
    assert _requests(gateway) - before == 2

    assert by_entity == by_id
    assert by_entity["group_id"] == child.id
    assert by_entity["name"] is None  # no name given: null, not a missing key
    assert by_entity["parent_group_id"] == parent.id
    assert by_entity["limit_enforcement"] == "INDEPENDENT"
    assert by_entity["models"] == [{"slug": "acme/glm", "rate_limits": [], "usage_limits": []}]
    # The parent's limit reaches the child: the effective models say so, and who set it.
    (effective,) = by_entity["effective_models"]
    assert effective["usage_limits"] == [{**TOKEN_DAY, "source_group": parent.id}]
    assert _run(gateway, "getGroup", group_id=parent.id)["name"] == "Org"


def test_get_secret_gives_metadata_and_never_the_value(gateway: InProcessEmulator) -> None:
    value = "sk-do-not-show-0123456789"
    client = gateway.client()
    client.secrets.create("other", "x")
    made = client.secrets.create("openai", value)

    before = _requests(gateway)
    found = _run(gateway, "getSecret", name="openai")
    assert _requests(gateway) - before == 1

    assert found["secret_id"] == made.id
    assert found["name"] == "openai"
    assert found["team_name"] == made.team_name
    assert RFC3339_UTC.match(found["created_at"])
    assert found["team_id"] is None  # looked up in every team
    assert set(found) == {p.name for p in _function("getSecret").declaration.result.props}
    assert value not in repr(found)


def test_get_group_usage_lists_each_usage_limit_of_each_model_and_no_rate_limit(
    gateway: InProcessEmulator,
) -> None:
    client = gateway.client()
    for slug in ("acme/a", "acme/b", "acme/c"):
        client.endpoints.create(slug, BASETEN)
    models = [
        {"slug": "acme/b", "usage_limits": [TOKEN_DAY, REQUEST_DAY], "rate_limits": [RATE]},
        {"slug": "acme/a", "usage_limits": [REQUEST_DAY]},
        {"slug": "acme/c", "rate_limits": [RATE]},
    ]
    group = client.groups.create("cust_42", models)

    before = _requests(gateway)
    usage = _run(gateway, "getGroupUsage", group_id=group.id)
    assert _requests(gateway) - before == 1

    assert usage["group_id"] == group.id
    assert usage["customer_id"] == "cust_42"
    fresh = {"current_usage": None, "reset_at": None}  # no request has landed in the window yet
    assert usage["usage"] == {
        "acme/a": [{**REQUEST_DAY, **fresh}],
        "acme/b": [{**REQUEST_DAY, **fresh}, {**TOKEN_DAY, **fresh}],
    }


def test_get_group_usage_of_a_group_without_usage_limits_is_empty(gateway: InProcessEmulator) -> None:
    client = gateway.client()
    client.endpoints.create("acme/a", BASETEN)
    group = client.groups.create("cust_1", [{"slug": "acme/a", "rate_limits": [RATE]}])
    assert _run(gateway, "getGroupUsage", group_id=group.id)["usage"] == {}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            DOCUMENTED_USAGE,
            {
                "group_id": "g1",
                "customer_id": "cust_42",
                "usage": {"your-org/your-model": DOCUMENTED_USAGE["usage"]["your-org/your-model"]},  # type: ignore[index]
            },
        ),
        ({}, {"group_id": "g1", "customer_id": None, "usage": {}}),  # "returns an empty object"
    ],
    ids=["documented example", "empty object"],
)
def test_get_group_usage_passes_on_what_the_window_has_used(answer: Any, expected: Any) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return httpx.Response(200, json=answer)

    with GatewayClient(
        ACME_KEY,
        base_url="http://127.0.0.1",
        transport=httpx.MockTransport(handler),
        retry=RetryPolicy.none(),
    ) as client:
        assert invoke(_function("getGroupUsage"), lambda: client, {"group_id": "g1"}) == expected
    assert seen == ["GET /v1/gateway/groups/g1/usage"]


# -- failures: one line naming the function and the argument ----------------------------------------------


def test_nothing_found_names_the_function_the_argument_and_its_value(gateway: InProcessEmulator) -> None:
    client = gateway.client()
    client.endpoints.create("acme/a", BASETEN)
    globex = gateway.client(GLOBEX_KEY)
    globex.endpoints.create("globex/a", BASETEN)
    other_group = globex.groups.create("globex_1", [{"slug": "globex/a"}])
    cases = {
        (
            "getEndpoint",
            "slug",
            "acme/none",
        ): "getEndpoint: no endpoint has slug 'acme/none' in this workspace",
        (
            "getEndpoint",
            "endpoint_id",
            "nope",
        ): "getEndpoint: no endpoint has endpoint_id 'nope' in this workspace",
        ("getGroup", "external_entity_id", "cust_x"): (
            "getGroup: no group has external_entity_id 'cust_x' in this workspace"
        ),
        ("getGroup", "group_id", "nope"): "getGroup: no group has group_id 'nope' in this workspace",
        ("getSecret", "name", "none"): "getSecret: no secret has name 'none' in this workspace",
        (
            "getGroupUsage",
            "group_id",
            "nope",
        ): "getGroupUsage: no group has group_id 'nope' in this workspace",
    }
    for (name, argument, value), message in cases.items():
        with pytest.raises(FunctionError) as caught:
            _run(gateway, name, **{argument: value})
        assert str(caught.value) == message
        assert (caught.value.function, caught.value.argument) == (name, argument)
        assert caught.value.problem == message.split(": ", 1)[1]

    # A group of another workspace is not this workspace's: the server's 403, named, with its cause.
    with pytest.raises(FunctionError) as caught:
        _run(gateway, "getGroup", group_id=other_group.id)
    assert str(caught.value).startswith(f"getGroup: looking up group_id {other_group.id!r}: ")
    assert "403" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_refused_request_is_named_with_its_cause(gateway: InProcessEmulator) -> None:
    gateway.client().endpoints.create("acme/a", BASETEN)
    with pytest.raises(FunctionError) as caught:
        _run(gateway, "getEndpoint", key=ACME_VIEWER_KEY, slug="acme/a")
    assert isinstance(caught.value.cause, PermissionDeniedError)
    message = str(caught.value)
    assert message.startswith("getEndpoint: looking up slug 'acme/a': ")
    assert "HTTP 403" in message
    assert "\n" not in message
    assert "Traceback" not in message


BAD_ARGUMENTS = {
    "neither": ("getEndpoint", {}, None, "getEndpoint: give exactly one of slug or endpointId, got neither"),
    "both": (
        "getEndpoint",
        {"slug": "acme/a", "endpoint_id": "x"},
        None,
        "getEndpoint: give exactly one of slug or endpointId, got slug and endpointId",
    ),
    "group, neither": (
        "getGroup",
        {},
        None,
        "getGroup: give exactly one of externalEntityId or groupId, got neither",
    ),
    "an unknown argument": (
        "getSecret",
        {"name": "a", "team": "t"},
        "team",
        "getSecret: team is not an argument of getSecret (it takes name or teamId)",
    ),
    "a team id with a slash": (
        "getSecret",
        {"name": "a", "team_id": "a/b"},
        "teamId",
        "getSecret: teamId must be a team id (no '/', space or control character), got 'a/b' [team-id]",
    ),
    "a slug without a prefix": (
        "getEndpoint",
        {"slug": "glm"},
        "slug",
        "getEndpoint: slug must have the form",
    ),
    "an empty id": (
        "getEndpoint",
        {"endpoint_id": ""},
        "endpointId",
        "getEndpoint: endpointId must not be empty",
    ),
    "an id that is no string": (
        "getGroupUsage",
        {"group_id": 7},
        "groupId",
        "getGroupUsage: groupId must be a string",
    ),
    "a secret name with a slash": ("getSecret", {"name": "a/b"}, "name", "getSecret: name must be 1 to 255"),
    "no secret name": ("getSecret", {}, "name", "getSecret: name is required"),
    "a 256-character entity id": (
        "getGroup",
        {"external_entity_id": "x" * 256},
        "externalEntityId",
        "getGroup: externalEntityId must be 1 to 255 characters, got 256",
    ),
}


@pytest.mark.parametrize(
    ("name", "args", "argument", "message"), BAD_ARGUMENTS.values(), ids=list(BAD_ARGUMENTS)
)
def test_bad_arguments_fail_before_any_request(
    name: str, args: dict[str, Any], argument: str | None, message: str
) -> None:
    with pytest.raises(FunctionError) as caught:
        invoke(_function(name), _never, args, name=camel_case)
    assert str(caught.value).startswith(message), str(caught.value)
    assert caught.value.argument == argument
    assert "\n" not in str(caught.value)


# -- the native plugin's Invoke ---------------------------------------------------------------------------


class _Aborted(Exception):
    pass


class _Context:
    """The little of ``grpc.ServicerContext`` a call uses: ``abort`` raises."""

    def abort(self, code: Any, details: str) -> None:
        raise _Aborted(code, details)


def _native(emulator: InProcessEmulator, monkeypatch: pytest.MonkeyPatch) -> NativeProvider:
    provider = NativeProvider()
    monkeypatch.setattr(provider, "_client", emulator.client)
    return provider


def _invoke(provider: NativeProvider, token: str, args: dict[str, Any]) -> provider_pb2.InvokeResponse:
    request = provider_pb2.InvokeRequest(tok=f"baseten-gateway:index:{token}", args=struct(args))
    response: provider_pb2.InvokeResponse = provider.Invoke(request, _Context())  # type: ignore[arg-type]
    return response


def test_invoke_speaks_the_schema_names(gateway: InProcessEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    client = gateway.client()
    client.endpoints.create("acme/a", BASETEN)
    group = client.groups.create("cust_42", [{"slug": "acme/a", "usage_limits": [TOKEN_DAY]}])
    provider = _native(gateway, monkeypatch)

    response = _invoke(provider, "getGroup", {"externalEntityId": "cust_42"})
    assert not response.failures
    found = unstruct(getattr(response, "return"))
    assert found["groupId"] == group.id
    assert found["externalEntityId"] == "cust_42"
    assert found["models"] == [{"slug": "acme/a", "rateLimits": [], "usageLimits": [TOKEN_DAY]}]
    assert found["effectiveModels"][0]["usageLimits"] == [{**TOKEN_DAY, "sourceGroup": group.id}]

    usage = unstruct(getattr(_invoke(provider, "getGroupUsage", {"groupId": group.id}), "return"))
    assert usage["usage"] == {"acme/a": [{**TOKEN_DAY, "currentUsage": None, "resetAt": None}]}


def test_invoke_reports_a_failure_naming_the_argument_without_the_function(
    gateway: InProcessEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = _native(gateway, monkeypatch)
    response = _invoke(provider, "getEndpoint", {"endpointId": "nope"})
    (failure,) = response.failures
    # The engine prints `<token> invoke failed: <reason> (<property>)`: the reason does not repeat it.
    assert failure.property == "endpointId"
    assert failure.reason == "no endpoint has endpointId 'nope' in this workspace"
    assert not getattr(response, "return").fields


def test_invoke_of_unknown_arguments_is_unknown_without_a_request(
    gateway: InProcessEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = _native(gateway, monkeypatch)
    response = _invoke(provider, "getGroupUsage", {"groupId": UNKNOWN})
    assert not response.failures
    result = unstruct(getattr(response, "return"))
    assert result == {"groupId": UNKNOWN, "customerId": UNKNOWN, "usage": UNKNOWN}
    assert _requests(gateway) == 0


def test_invoke_of_another_token_is_refused(
    gateway: InProcessEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = _native(gateway, monkeypatch)
    with pytest.raises(_Aborted, match="unknown function 'baseten-gateway:index:getNothing'"):
        _invoke(provider, "getNothing", {})


# -- the Python package's plain functions (outside a Pulumi program: settings from the environment) --------


def test_the_python_functions_return_their_result_types(
    emulator: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASETEN_API_URL", emulator.base_url)
    monkeypatch.setenv("BASETEN_API_KEY", ACME_KEY)
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        slug = unique_slug(name="plain")
        made = client.endpoints.create(slug, BASETEN)
        group = client.groups.create(f"cust-{made.id}", [{"slug": slug, "usage_limits": [TOKEN_DAY]}])

    found = get_endpoint(slug=slug)
    assert isinstance(found, GetEndpointResult)
    assert (found.endpoint_id, found.slug, found.targets) == (
        made.id,
        slug,
        [{"provider": "BASETEN", "model_id": "m1"}],
    )
    assert get_endpoint(endpoint_id=made.id) == found
    usage = get_group_usage(group_id=group.id)
    assert isinstance(usage, GetGroupUsageResult)
    assert usage.usage == {slug: [{**TOKEN_DAY, "current_usage": None, "reset_at": None}]}
    assert isinstance(get_group(group_id=group.id), GetGroupResult)

    with pytest.raises(
        FunctionError, match=r"^getSecret: no secret has name 'absent-\w+' in this workspace$"
    ):
        get_secret(name=f"absent-{made.id}")
    with pytest.raises(FunctionError, match="give exactly one of slug or endpoint_id, got neither"):
        get_endpoint()
