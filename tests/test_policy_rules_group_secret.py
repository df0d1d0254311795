"""The Group and Secret policies called in-process with the SDK's own argument types (the Endpoint policies'
are ``test_policy_rules.py``; the same policies through the pack's gRPC and the CLI are
``test_policy_plugin_group_secret.py``).

Properties are wrapped with the SDK's ``unknown_checking_proxy``, as the analyzer hands them to a policy.
What is expected comes from the policy table of docs/guides/policies.md and its section on
``baseten-secret-not-literal``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from pulumi_baseten_gateway import policy
from pulumi_baseten_gateway.policy import stack_config
from pulumi_baseten_gateway.policy.group import slug_matches_prefix
from pulumi_baseten_gateway.resources.api_key.resource import (
    REGISTERED_GATEWAY_API_KEY,
    REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN,
)
from pulumi_baseten_gateway.resources.endpoint.resource import ENDPOINT, ENDPOINT_TYPE_TOKEN
from pulumi_baseten_gateway.resources.group.resource import GROUP, GROUP_TYPE_TOKEN
from pulumi_baseten_gateway.resources.secret.resource import SECRET, SECRET_TYPE_TOKEN

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN
OPTS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
TOKEN_LIMIT = {"type": "TOKEN", "unit": "MINUTE", "threshold": 1000}
REQUEST_LIMIT = {"type": "REQUEST", "unit": "SECOND", "threshold": 5}
USAGE_LIMIT = {"type": "TOKEN", "unit": "DAY", "threshold": 10}
PROJECT = "proj"

Reports = list[tuple[str, str | None]]


def resource(
    name: str,
    type_: str,
    props: Mapping[str, Any],
    dependencies: Mapping[str, list[str]] | None = None,
) -> PolicyResource:
    urn = f"urn:pulumi:s::p::{type_}::{name}"
    return PolicyResource(
        type_, unknown_checking_proxy(dict(props)), urn, name, OPTS, None, None, [], dict(dependencies or {})
    )


def endpoint(name: str, slug: Any, *, native: bool = False) -> PolicyResource:
    return resource(name, ENDPOINT.token if native else ENDPOINT_TYPE_TOKEN, {"slug": slug, "targets": []})


def group(name: str, *models: Any, native: bool = False) -> PolicyResource:
    if native:
        return resource(name, GROUP.token, {"externalEntityId": name, "models": list(models)})
    return resource(name, GROUP_TYPE_TOKEN, {"external_entity_id": name, "models": list(models)})


def model(slug: Any, *rate_limits: Any, **extra: Any) -> dict[str, Any]:
    return {"slug": slug, "rate_limits": list(rate_limits), **extra}


def stack(resources: list[PolicyResource], validate: Any, config: Mapping[str, Any] | None = None) -> Reports:
    reports: Reports = []
    validate(StackValidationArgs(resources, config), lambda message, urn=None: reports.append((message, urn)))
    return reports


def model_slugs(resources: list[PolicyResource], config: Mapping[str, Any] | None = None) -> Reports:
    return stack(resources, policy.validate_group_model_slugs, config)


def rate_limits(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None, *, type_: str = GROUP_TYPE_TOKEN
) -> list[str]:
    args = ResourceValidationArgs(
        type_, unknown_checking_proxy(dict(props)), f"urn:pulumi:s::p::{type_}::g", "g", OPTS, None, config
    )
    messages: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        assert urn is None  # about the resource under review
        messages.append(message)

    policy.validate_group_rate_limits(args, report)
    return messages


# -- baseten-group-model-slugs ------------------------------------------------------------------------------


def test_a_slug_of_an_endpoint_of_the_stack_passes_and_another_is_reported_on_its_group() -> None:
    served = endpoint("e", "acme/served")
    customer = group("customer", model("acme/served"), model("acme/nobody"))
    ((message, urn),) = model_slugs([served, customer])
    assert urn == customer.urn
    assert message.startswith("models[1].slug: Group 'customer' gives access to 'acme/nobody', ")
    assert "matches none of the allowed prefixes (none configured)" in message
    assert f"'allowedPrefixes' of policy '{policy.GROUP_MODEL_SLUGS_POLICY}'" in message


def test_every_unresolved_slug_of_every_group_is_reported_once() -> None:
    first = group("first", model("acme/a"), model("acme/b"))
    second = group("second", model("acme/c"), native=True)
    reports = model_slugs([first, second])
    assert [(m.split(":")[0], m.split("'")[3], urn) for m, urn in reports] == [
        ("models[0].slug", "acme/a", first.urn),
        ("models[1].slug", "acme/b", first.urn),
        ("models[0].slug", "acme/c", second.urn),
    ]


@pytest.mark.parametrize("native", [False, True], ids=["python", "native"])
def test_endpoints_of_both_providers_count_and_groups_of_both_are_read(native: bool) -> None:
    resources = [
        endpoint("e1", "acme/one", native=native),
        endpoint("e2", "acme/two", native=not native),
        group("g", model("acme/one"), model("acme/two"), native=native),
    ]
    assert model_slugs(resources) == []


@pytest.mark.parametrize(
    ("prefix", "slug", "allowed"),
    [
        ("acme", "acme/x", True),
        ("acme", "acme-dev/x", False),  # an org prefix is the whole first segment, not its start
        ("acme", "acm/x", False),
        ("acme/shared-", "acme/shared-glm", True),  # an entry with '/' is the start of a slug
        ("acme/shared-", "acme/shared-", True),
        ("acme/shared-", "acme/share-glm", False),
        ("acme/shared-", "other/acme/shared-glm", False),
    ],
)
def test_allowed_prefixes_as_documented(prefix: str, slug: str, allowed: bool) -> None:
    config = {"allowedPrefixes": ["zzz", prefix]}
    reports = model_slugs([group("g", model(slug))], config)
    if allowed:
        assert reports == []
    else:
        ((message, _),) = reports
        assert f"matches none of the allowed prefixes (zzz, {prefix})" in message
    assert slug_matches_prefix(slug, prefix) is allowed


def test_unknown_and_malformed_slugs_and_models_are_left_to_others() -> None:
    resources = [
        group("g", model(UNKNOWN_STRING), model(None), model(7), "not a model"),
        resource("h", GROUP_TYPE_TOKEN, {"external_entity_id": "h", "models": "not a list"}),
        resource("i", GROUP_TYPE_TOKEN, {"external_entity_id": "i", "models": UNKNOWN_STRING}),
        resource("j", GROUP_TYPE_TOKEN, {"external_entity_id": "j"}),
    ]
    assert model_slugs(resources) == []


def test_while_an_endpoint_slug_is_unknown_no_slug_is_reported() -> None:
    resources = [endpoint("pending", UNKNOWN_STRING), group("g", model("acme/maybe-the-pending-one"))]
    assert model_slugs(resources) == []
    # An Endpoint without a slug (or with one that is no text) is not pending: it cannot be that one.
    resources = [endpoint("bad", None), endpoint("worse", 3), group("g", model("acme/x"))]
    assert len(model_slugs(resources)) == 1


def test_what_is_skipped_never_stops_the_review_of_what_follows() -> None:
    customer = group("customer", model(UNKNOWN_STRING), model(7), model("acme/nobody"), model("acme/served"))
    resources = [customer, resource("bucket", "aws:s3/bucket:Bucket", {}), endpoint("e", "acme/served")]
    ((message, _),) = model_slugs(resources)  # the Endpoint after the Group and the bucket still counts
    assert message.startswith("models[2].slug: Group 'customer' gives access to 'acme/nobody'")


def test_other_resources_named_like_endpoints_do_not_count() -> None:
    resources = [
        resource("bucket", "aws:s3/bucket:Bucket", {"slug": "acme/x"}),
        resource("other", GROUP_TYPE_TOKEN.replace("Group", "Other"), {"models": [model("acme/y")]}),
        group("g", model("acme/x")),
    ]
    ((message, _),) = model_slugs(resources)
    assert "'acme/x'" in message
    assert slug_matches_prefix("acme/x/y", "acme")  # an org prefix is the first segment, whatever follows


def test_model_slugs_config_that_is_not_a_list_of_strings_is_reported_on_each_group() -> None:
    first, second = group("first", model("acme/x")), group("second", model("acme/y"))
    for bad in ("acme", ["acme", 3], {"acme": True}):
        reports = model_slugs([endpoint("e", "acme/x"), first, second], {"allowedPrefixes": bad})
        assert [urn for _, urn in reports] == [first.urn, second.urn]
        for (message, _), name in zip(reports, ("first", "second"), strict=True):
            assert message.startswith("config.allowedPrefixes: must be a list of strings, got ")
            assert message.endswith(f"; cannot check the model slugs of Group '{name}'")
    # Nothing to check, nothing to say: a stack without Groups is not told its config is wrong.
    assert model_slugs([endpoint("e", "acme/x")], {"allowedPrefixes": "acme"}) == []


# -- baseten-group-rate-limits ------------------------------------------------------------------------------


def test_a_model_with_a_rate_limit_passes_and_one_without_is_reported_with_its_index() -> None:
    props = {"external_entity_id": "g", "models": [model("acme/a", TOKEN_LIMIT), model("acme/b")]}
    (message,) = rate_limits(props)
    assert message == (
        "models[1].rate_limits: Group 'g' lets its keys call 'acme/b' without a rate limit; add one "
        "(type TOKEN or REQUEST, per SECOND or MINUTE)"
    )


def test_usage_limits_and_an_absent_list_are_no_rate_limit() -> None:
    props = {
        "models": [
            {"slug": "acme/a", "usage_limits": [USAGE_LIMIT]},
            {"slug": "acme/b", "rate_limits": [], "usage_limits": [USAGE_LIMIT]},
            {"slug": UNKNOWN_STRING},
        ]
    }
    messages = rate_limits(props)
    assert [m.split(":")[0] for m in messages] == [f"models[{i}].rate_limits" for i in range(3)]
    assert "call (slug unknown during preview) without" in messages[2]


def test_limits_not_known_yet_or_malformed_are_left_to_the_providers_check() -> None:
    props = {
        "models": [
            model("acme/a", UNKNOWN_STRING),  # one limit not known yet
            model("acme/b", {"type": UNKNOWN_STRING, "unit": "SECOND", "threshold": 1}),
            {"slug": "acme/c", "rate_limits": UNKNOWN_STRING},
            {"slug": "acme/d", "rate_limits": "TOKEN"},  # not a list
            "not a model",
        ]
    }
    assert rate_limits(props, {"requiredTypes": ["TOKEN", "REQUEST"]}) == []


def test_a_model_left_to_the_providers_check_does_not_stop_the_review_of_the_next() -> None:
    props = {
        "models": [
            {"slug": "acme/a", "rate_limits": UNKNOWN_STRING},
            {"slug": "acme/b", "rate_limits": "TOKEN"},
            model("acme/c", {"type": UNKNOWN_STRING, "unit": "SECOND", "threshold": 1}),
            model("acme/d"),
        ]
    }
    (message,) = rate_limits(props)
    assert message.startswith("models[3].rate_limits: Group 'g' lets its keys call 'acme/d' without")


def test_required_types_need_one_limit_of_each() -> None:
    config = {"requiredTypes": ["TOKEN", "REQUEST"]}
    props = {
        "models": [
            model("acme/both", TOKEN_LIMIT, REQUEST_LIMIT),
            model("acme/token", TOKEN_LIMIT),
            model("acme/request", REQUEST_LIMIT),
        ]
    }
    assert rate_limits(props, config) == [
        "models[1].rate_limits: Group 'g' has no REQUEST rate limit for 'acme/token'; policy "
        f"'{policy.GROUP_RATE_LIMITS_POLICY}' requires one of each type in 'requiredTypes' (TOKEN, REQUEST)",
        "models[2].rate_limits: Group 'g' has no TOKEN rate limit for 'acme/request'; policy "
        f"'{policy.GROUP_RATE_LIMITS_POLICY}' requires one of each type in 'requiredTypes' (TOKEN, REQUEST)",
    ]
    (message,) = rate_limits({"models": [model("acme/usage", {"type": "OTHER", "unit": "SECOND"})]}, config)
    assert "has no TOKEN or REQUEST rate limit for 'acme/usage'" in message
    assert rate_limits({"models": [model("acme/token", TOKEN_LIMIT)]}, {"requiredTypes": ["TOKEN"]}) == []


def test_native_groups_are_read_by_their_schema_names() -> None:
    props = {
        "externalEntityId": "g",
        "models": [{"slug": "acme/a", "rateLimits": [TOKEN_LIMIT]}, {"slug": "b"}],
    }
    (message,) = rate_limits(props, type_=GROUP.token)
    assert message.startswith("models[1].rate_limits: ")
    assert len(rate_limits(props, type_=GROUP_TYPE_TOKEN)) == 2  # the dynamic provider's are snake_case
    assert rate_limits(props, type_="aws:s3/bucket:Bucket") == []
    assert rate_limits(props, type_=ENDPOINT_TYPE_TOKEN) == []


@pytest.mark.parametrize("bad", ["TOKEN", ["TOKEN", None], 1])
def test_rate_limits_config_that_is_not_a_list_of_strings_is_reported(bad: object) -> None:
    (message,) = rate_limits({"models": [model("acme/a")]}, {"requiredTypes": bad})
    assert message == (
        f"config.requiredTypes: must be a list of strings, got {bad!r}; "
        "cannot check the rate limits of Group 'g'"
    )


# -- baseten-secret-not-literal -----------------------------------------------------------------------------

LITERAL = "sk-written-in-the-program"
STACK_CONFIG = {
    f"{PROJECT}:openaiKey": "sk-from-secret-config",
    f"{PROJECT}:plainKey": "sk-from-plain-config",
    f"{PROJECT}:alsoPlain": "sk-from-plain-config",
    f"{PROJECT}:creds": json.dumps({"nested": {"list": ["sk-inside-a-secret-object", 3]}}),
}
SECRET_KEYS = [f"{PROJECT}:openaiKey", f"{PROJECT}:creds"]


@pytest.fixture
def configured() -> Iterator[None]:
    stack_config.receive(STACK_CONFIG, SECRET_KEYS)
    yield
    stack_config.forget()


@pytest.fixture(autouse=True)
def _no_stack_config_left_behind() -> Iterator[None]:
    stack_config.forget()
    yield
    stack_config.forget()


def secret(name: str, value: Any, *, native: bool = False, depends: bool = False) -> PolicyResource:
    dependencies = {"value": [f"urn:pulumi:s::p::random:index/randomPassword:RandomPassword::{name}"]}
    return resource(
        name,
        SECRET.token if native else SECRET_TYPE_TOKEN,
        {"name": name, "value": value},
        dependencies if depends else None,
    )


def registered(name: str, key: Any, *, native: bool = False) -> PolicyResource:
    type_ = REGISTERED_GATEWAY_API_KEY.token if native else REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN
    return resource(name, type_, {"group_id": "g", "key": key})


def not_literal(resources: list[PolicyResource], config: Mapping[str, Any] | None = None) -> Reports:
    return stack(resources, policy.validate_secret_not_literal, config)


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("native", [False, True], ids=["python", "native"])
def test_a_literal_value_is_reported_on_its_resource_without_quoting_it(native: bool) -> None:
    literal = secret("s", LITERAL, native=native)
    ((message, urn),) = not_literal([literal])
    assert urn == literal.urn
    assert message.startswith("value: the value of Secret 's' is written in the program (it equals no stack ")
    assert "pulumi config set --secret" in message
    assert LITERAL not in message


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("native", [False, True], ids=["python", "native"])
def test_a_registered_keys_key_is_judged_the_same_way(native: bool) -> None:
    literal, from_config = registered("k", LITERAL, native=native), registered("c", "sk-from-secret-config")
    ((message, urn),) = not_literal([literal, from_config])
    assert urn == literal.urn
    assert message.startswith("key: the key of RegisteredGatewayApiKey 'k' is written in the program")


@pytest.mark.usefixtures("configured")
def test_values_from_secret_config_or_other_resources_or_not_known_or_absent_pass() -> None:
    resources = [
        secret("a", "sk-from-secret-config"),
        secret("b", "sk-inside-a-secret-object"),
        secret("c", LITERAL, depends=True),
        secret("d", UNKNOWN_STRING),
        resource("e", SECRET_TYPE_TOKEN, {"name": "e"}),  # Secret.get: the API never returns values
        secret("f", ""),
        secret("g", 42),
        resource("h", ENDPOINT_TYPE_TOKEN, {"slug": "acme/x", "value": LITERAL}),
    ]
    assert not_literal(resources) == []


@pytest.mark.usefixtures("configured")
def test_what_passes_never_stops_the_review_of_what_follows() -> None:
    literal = secret("literal", LITERAL)
    plain = secret("plain", "sk-from-plain-config")
    passing = [
        resource("e", ENDPOINT_TYPE_TOKEN, {"slug": "acme/x"}),
        secret("unknown", UNKNOWN_STRING),
        secret("empty", ""),
        secret("computed", LITERAL, depends=True),
        secret("from-secret-config", "sk-from-secret-config"),
    ]
    reports = not_literal([*passing, plain, literal])
    assert [urn for _, urn in reports] == [plain.urn, literal.urn]
    allowed = not_literal([*passing, plain, literal], {"allowPlaintextConfig": True})
    assert [urn for _, urn in allowed] == [literal.urn]


@pytest.mark.usefixtures("configured")
def test_a_value_from_plain_text_config_is_reported_naming_every_key_unless_allowed() -> None:
    plain = secret("p", "sk-from-plain-config")
    ((message, urn),) = not_literal([plain])
    assert urn == plain.urn
    assert message == (
        f"value: Secret 'p' takes its value from config stored in plain text ('{PROJECT}:alsoPlain', "
        f"'{PROJECT}:plainKey'); store it encrypted with `pulumi config set --secret`, or set "
        f"'allowPlaintextConfig' for policy '{policy.SECRET_NOT_LITERAL_POLICY}'"
    )
    assert not_literal([plain], {"allowPlaintextConfig": True}) == []
    assert len(not_literal([plain], {"allowPlaintextConfig": "true"})) == 1  # a boolean, not a truthy string
    assert len(not_literal([plain], {"allowPlaintextConfig": False})) == 1


def test_a_value_equal_to_a_secret_and_a_plain_config_value_passes() -> None:
    stack_config.receive({"p:plain": "same", "p:secret": "same"}, ["p:secret"])
    assert not_literal([secret("s", "same")]) == []


def test_without_stack_config_each_value_is_reported_as_not_checkable() -> None:
    first, second = secret("s", "anything"), registered("k", "anything", native=True)
    reports = not_literal([first, second, secret("u", UNKNOWN_STRING)])
    assert [urn for _, urn in reports] == [first.urn, second.urn]
    assert reports[0][0] == (
        "value: cannot tell whether the value of Secret 's' is written in the program: the engine sent this "
        "policy pack no stack configuration (ConfigureStack) to compare it with"
    )
    assert reports[1][0].startswith("key: cannot tell whether the key of RegisteredGatewayApiKey 'k' ")


# -- the stack configuration the secret policy compares with ------------------------------------------------


def test_stack_config_indexes_each_value_and_every_string_inside_a_json_value_by_key() -> None:
    recorded = stack_config.StackConfig.of(
        {
            "p:a": "whole",
            "p:b": '  {"k": ["x", {"deep": "y"}, 1, null, true], "n": 2}',
            "p:c": '["z", "whole"]',
            "p:d": "{not json",
            "p:e": "",
            "p:0": 12,  # type: ignore[dict-item]  (not text: skipped, and what follows is still read)
        },
        ["p:c"],
    )
    source = stack_config.ConfigSource
    assert recorded.sources_of("whole") == (source("p:a", False), source("p:c", True))
    for text in ("x", "y"):
        assert recorded.sources_of(text) == (source("p:b", False),)
    assert recorded.sources_of("z") == (source("p:c", True),)
    assert recorded.sources_of("{not json") == (source("p:d", False),)
    for absent in ("", "1", "2", "null", "True", "12", "k", "deep", "not json"):
        assert recorded.sources_of(absent) == ()
    assert recorded.keys == frozenset({"p:0", "p:a", "p:b", "p:c", "p:d", "p:e"})


def test_stack_config_keeps_only_sha256_digests() -> None:
    recorded = stack_config.StackConfig.of({"p:k": "sk-the-value", "p:s": "lone \ud800 surrogate"}, [])
    assert set(recorded.sources) == {
        hashlib.sha256(b"sk-the-value").digest(),
        hashlib.sha256("lone \ud800 surrogate".encode("utf-8", "surrogatepass")).digest(),
    }
    assert recorded.sources_of("lone \ud800 surrogate") == (stack_config.ConfigSource("p:s", False),)


def test_receive_replaces_the_configuration_and_forget_drops_it() -> None:
    assert stack_config.received() is None
    stack_config.receive({"p:k": "one"}, ["p:k"])
    stack_config.receive({"p:k": "two"}, [])
    recorded = stack_config.received()
    assert recorded is not None
    assert recorded.sources_of("one") == ()
    assert recorded.sources_of("two") == (stack_config.ConfigSource("p:k", False),)
    stack_config.forget()
    assert stack_config.received() is None


def test_the_wrapped_configure_stack_records_then_calls_the_sdks(monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi_policy import policy as sdk

    calls: list[object] = []

    class Servicer:
        def ConfigureStack(self, request: Any, context: Any) -> str:
            calls.append((request, context, stack_config.received()))
            return "answer"

    monkeypatch.setattr(sdk, "_PolicyAnalyzerServicer", Servicer)
    assert stack_config.install() is True
    wrapped = Servicer.ConfigureStack
    assert stack_config.install() is True
    assert Servicer.ConfigureStack is wrapped  # wrapped once
    request = SimpleNamespace(config={"p:k": "v"}, config_secret_keys=["p:k"])
    assert Servicer().ConfigureStack(request, "context") == "answer"
    ((seen_request, seen_context, recorded),) = calls
    assert (seen_request, seen_context) == (request, "context")
    assert recorded is not None
    assert recorded.sources_of("v") == (stack_config.ConfigSource("p:k", True),)


def test_install_without_the_sdks_servicer_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from pulumi_policy import policy as sdk

    monkeypatch.delattr(sdk, "_PolicyAnalyzerServicer")
    assert stack_config.install() is False

    class NoMethod:
        ConfigureStack = None

    monkeypatch.setattr(sdk, "_PolicyAnalyzerServicer", NoMethod, raising=False)
    assert stack_config.install() is False


# -- the config schema of a list of strings (every list setting of the pack) --------------------------------

STRING_LISTS = {
    "any non-empty strings": (
        None,
        [["acme"], [], ["a", "b"]],
        [["a", "a"], [""], "acme", [1]],
    ),
    "strings of an enum": (
        ("TOKEN", "REQUEST"),
        [["TOKEN"], ["REQUEST", "TOKEN"], []],
        [["BYTES"], ["TOKEN", "TOKEN"], "TOKEN", [None]],
    ),
}


@pytest.mark.parametrize(("enum", "valid", "invalid"), STRING_LISTS.values(), ids=list(STRING_LISTS))
def test_a_string_list_setting_is_a_draft_7_schema_of_distinct_strings(
    enum: tuple[str, ...] | None, valid: list[Any], invalid: list[Any]
) -> None:
    schema = policy.spec.string_list_schema("A list.", enum=enum)
    # Pulumi checks a pack's config against its schema (JSON Schema draft 7) before any policy runs.
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for value in valid:
        assert not list(validator.iter_errors(value)), value
    for value in invalid:
        assert list(validator.iter_errors(value)), value


def test_a_string_list_setting_carries_its_description_and_default() -> None:
    schema = policy.spec.string_list_schema("Prefixes allowed.", default=("acme", "acme-labs"))
    assert schema["description"] == "Prefixes allowed."
    assert schema["default"] == ["acme", "acme-labs"]
    assert policy.spec.string_list_schema("Types.", enum=("TOKEN",))["default"] == []
