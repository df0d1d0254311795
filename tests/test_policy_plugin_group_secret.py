"""The Group and Secret policies: through the real pack over analyzer gRPC, and through the real CLI.

* ``baseten-group-model-slugs`` (stack, mandatory): a Group's model slugs are Endpoints of the stack or
  match an allowed prefix.
* ``baseten-group-rate-limits`` (resource, advisory): every Group model carries a rate limit.
* ``baseten-secret-not-literal`` (stack, advisory): a Secret's value is not written in the program.

The secret policy judges by the stack config that the engine sends in ``ConfigureStack`` (which the SDK
drops; the pack records it) and by the property dependencies of ``AnalyzeStack``. What the engine really
sends (every Secret value marked secret, whatever its source) is recorded from a real ``pulumi preview``
in :func:`test_through_the_cli_every_secret_value_arrives_marked_secret_whatever_its_source`.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi
import pulumi.automation as auto
import pytest
from pulumi.runtime.proto import analyzer_pb2

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from harness.analyzer import (  # noqa: E402
    UNKNOWN,
    Diagnostic,
    PolicyPackProcess,
    StackResource,
    make_urn,
    to_struct,
)
from harness.emulator import EmulatorProcess  # noqa: E402
from harness.engine import EngineStack  # noqa: E402
from harness.programs import ProjectStack  # noqa: E402
from pulumi_baseten_gateway.policy import (  # noqa: E402
    GROUP_MODEL_SLUGS_POLICY,
    GROUP_RATE_LIMITS_POLICY,
    ORG_PREFIX_POLICY,
    POLICY_NAMES,
    SECRET_NOT_LITERAL_POLICY,
    stack_config,
)
from pulumi_baseten_gateway.resources.api_key.resource import (  # noqa: E402
    REGISTERED_GATEWAY_API_KEY,
    REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN,
)
from pulumi_baseten_gateway.resources.endpoint.resource import ENDPOINT, ENDPOINT_TYPE_TOKEN  # noqa: E402
from pulumi_baseten_gateway.resources.group.resource import GROUP, GROUP_TYPE_TOKEN  # noqa: E402
from pulumi_baseten_gateway.resources.secret.resource import SECRET, SECRET_TYPE_TOKEN  # noqa: E402
from tests.conftest import MakeEmulator  # noqa: E402

SECRET_SIG = "4dabf18193072939515e22adb298388d"  # Pulumi's special-signature key ...
SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270"  # ... and the value that marks a secret
BASELINE: dict[str, Any] = {ORG_PREFIX_POLICY: {"allowedPrefixes": ["acme"]}}
LIMIT = {"type": "TOKEN", "unit": "MINUTE", "threshold": 1000}
TARGET = {"provider": "BASETEN", "model_id": "m"}
PROJECT = "policy-test"


def secret(value: Any) -> dict[str, Any]:
    """A value as the engine sends a secret one."""
    return {SECRET_SIG: SECRET_VALUE_SIG, "value": value}


def group(*models: Mapping[str, Any], native: bool = False) -> dict[str, Any]:
    if native:
        renamed = [
            {{"rate_limits": "rateLimits", "usage_limits": "usageLimits"}.get(k, k): v for k, v in m.items()}
            for m in models
        ]
        return {"externalEntityId": "cust-1", "models": renamed}
    return {"external_entity_id": "cust-1", "models": list(models)}


def model(slug: Any, *rate_limits: Any, **extra: Any) -> dict[str, Any]:
    return {"slug": slug, "rate_limits": list(rate_limits), **extra}


def endpoint_resource(name: str, slug: Any, *, native: bool = False) -> StackResource:
    type_ = ENDPOINT.token if native else ENDPOINT_TYPE_TOKEN
    return StackResource(type_, {"slug": slug, "targets": [TARGET]}, name)


def group_resource(name: str, *models: Mapping[str, Any], native: bool = False) -> StackResource:
    return StackResource(GROUP.token if native else GROUP_TYPE_TOKEN, group(*models, native=native), name)


def only(diagnostics: list[Diagnostic], policy_name: str) -> Diagnostic:
    assert [d.policy_name for d in diagnostics] == [policy_name], diagnostics
    return diagnostics[0]


def said(diagnostic: Diagnostic) -> str:
    """The violation's own message (the SDK puts the policy's description on the lines before it)."""
    return diagnostic.message.splitlines()[-1]


def of_policy(diagnostics: list[Diagnostic], policy_name: str) -> list[Diagnostic]:
    return [d for d in diagnostics if d.policy_name == policy_name]


@pytest.fixture(scope="module")
def pack_process() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess() as process:
        yield process
    assert not process.running


@pytest.fixture
def pack(pack_process: PolicyPackProcess) -> PolicyPackProcess:
    assert pack_process.running, pack_process.stderr()
    pack_process.configure(BASELINE)
    return pack_process


# -- the pack describes the new policies ----------------------------------------------------------------


def test_info_levels_types_and_config_defaults(pack: PolicyPackProcess) -> None:
    policies = {p.name: p for p in pack.info().policies}
    assert policies[GROUP_MODEL_SLUGS_POLICY].enforcementLevel == analyzer_pb2.MANDATORY
    assert policies[GROUP_MODEL_SLUGS_POLICY].policy_type == analyzer_pb2.POLICY_TYPE_STACK
    assert policies[GROUP_RATE_LIMITS_POLICY].enforcementLevel == analyzer_pb2.ADVISORY
    assert policies[GROUP_RATE_LIMITS_POLICY].policy_type == analyzer_pb2.POLICY_TYPE_RESOURCE
    assert policies[SECRET_NOT_LITERAL_POLICY].enforcementLevel == analyzer_pb2.ADVISORY
    assert policies[SECRET_NOT_LITERAL_POLICY].policy_type == analyzer_pb2.POLICY_TYPE_STACK
    defaults = pack.default_settings()
    assert defaults[GROUP_MODEL_SLUGS_POLICY].properties == {"allowedPrefixes": []}
    assert defaults[GROUP_RATE_LIMITS_POLICY].properties == {"requiredTypes": []}
    assert defaults[SECRET_NOT_LITERAL_POLICY].properties == {"allowPlaintextConfig": False}


def test_the_example_policy_config_is_valid_and_applies(pack: PolicyPackProcess) -> None:
    example = json.loads((REPO_ROOT / "policy-pack" / "policy-config.example.json").read_text())
    sent = pack.configure(example)  # checked against every policy's schema, as the CLI does
    assert sent[GROUP_RATE_LIMITS_POLICY].properties == {"requiredTypes": ["TOKEN"]}
    diagnostic = only(pack.analyze(GROUP_TYPE_TOKEN, group(model("my-org/a"))), GROUP_RATE_LIMITS_POLICY)
    assert diagnostic.enforcement_level == "mandatory"


# -- baseten-group-model-slugs (AnalyzeStack) -----------------------------------------------------------


def test_a_slug_that_is_no_endpoint_of_the_stack_is_mandatory(pack: PolicyPackProcess) -> None:
    resources = [
        endpoint_resource("glm", "acme/glm"),
        group_resource("customer", model("acme/glm", LIMIT), model("other-org/x", LIMIT)),
    ]
    diagnostic = only(pack.analyze_stack(resources), GROUP_MODEL_SLUGS_POLICY)
    assert diagnostic.enforcement_level == "mandatory"
    assert diagnostic.urn == make_urn(GROUP_TYPE_TOKEN, "customer")
    assert said(diagnostic).startswith("models[1].slug: Group 'customer' gives access to 'other-org/x'")
    assert "matches none of the allowed prefixes (none configured)" in diagnostic.message
    assert "'acme/glm'" not in diagnostic.message


def test_each_unresolved_slug_of_each_group_is_reported(pack: PolicyPackProcess) -> None:
    resources = [
        group_resource("a", model("acme/x", LIMIT), model("acme/y", LIMIT)),
        group_resource("b", model("acme/x", LIMIT)),
    ]
    diagnostics = pack.analyze_stack(resources)
    assert sorted((d.urn.rsplit("::", 1)[-1], said(d).split(": ", 1)[0]) for d in diagnostics) == [
        ("a", "models[0].slug"),
        ("a", "models[1].slug"),
        ("b", "models[0].slug"),
    ]


@pytest.mark.parametrize(
    ("prefixes", "slug", "allowed"),
    [
        (["shared"], "shared/glm", True),
        (["shared"], "shared-dev/glm", False),  # an org prefix is a whole segment
        (["acme/shared-"], "acme/shared-glm", True),  # an entry with '/' is the start of the slug
        (["acme/shared-"], "acme/private", False),
        ([], "acme/glm", False),
    ],
)
def test_allowed_prefixes(pack: PolicyPackProcess, prefixes: list[str], slug: str, allowed: bool) -> None:
    pack.configure(BASELINE | {GROUP_MODEL_SLUGS_POLICY: {"allowedPrefixes": prefixes}})
    diagnostics = pack.analyze_stack([group_resource("g", model(slug, LIMIT))])
    if allowed:
        assert diagnostics == []
    else:
        diagnostic = only(diagnostics, GROUP_MODEL_SLUGS_POLICY)
        assert f"({', '.join(prefixes) or 'none configured'})" in diagnostic.message


def test_declared_endpoints_resolve_for_both_providers(pack: PolicyPackProcess) -> None:
    for native_endpoint in (False, True):
        for native_group in (False, True):
            resources = [
                endpoint_resource("e", "acme/glm", native=native_endpoint),
                group_resource("g", model("acme/glm", LIMIT), native=native_group),
            ]
            assert pack.analyze_stack(resources) == [], (native_endpoint, native_group)
    native = pack.analyze_stack([group_resource("g", model("acme/glm", LIMIT), native=True)])
    assert only(native, GROUP_MODEL_SLUGS_POLICY).urn == make_urn(GROUP.token, "g")


def test_unknown_slugs_are_not_flagged(pack: PolicyPackProcess) -> None:
    # The group's slug computed from an Endpoint output, unknown during preview.
    resources = [endpoint_resource("e", "acme/glm"), group_resource("g", model(UNKNOWN, LIMIT))]
    assert pack.analyze_stack(resources) == []
    # An Endpoint whose slug is not known yet might be the one a known group slug names.
    resources = [endpoint_resource("e", UNKNOWN), group_resource("g", model("acme/glm", LIMIT))]
    assert pack.analyze_stack(resources) == []
    # Unknown models, or an unknown model, are skipped too.
    unknown_models = StackResource(GROUP_TYPE_TOKEN, {"external_entity_id": "c", "models": UNKNOWN}, "g")
    assert pack.analyze_stack([unknown_models]) == []
    one_unknown = StackResource(GROUP_TYPE_TOKEN, {"models": [UNKNOWN, model("x/y", LIMIT)]}, "g")
    assert len(of_policy(pack.analyze_stack([one_unknown]), GROUP_MODEL_SLUGS_POLICY)) == 1


def test_invalid_allowed_prefixes_from_a_client_without_validation(pack: PolicyPackProcess) -> None:
    pack.configure(BASELINE | {GROUP_MODEL_SLUGS_POLICY: {"allowedPrefixes": "acme"}}, validate=False)
    diagnostic = only(
        pack.analyze_stack([group_resource("g", model("acme/x", LIMIT))]), GROUP_MODEL_SLUGS_POLICY
    )
    assert "config.allowedPrefixes: must be a list of strings" in diagnostic.message
    assert "Group 'g'" in diagnostic.message


def test_model_slugs_can_be_downgraded_or_disabled(pack: PolicyPackProcess) -> None:
    resources = [group_resource("g", model("other/x", LIMIT))]
    pack.configure(BASELINE | {GROUP_MODEL_SLUGS_POLICY: "advisory"})
    assert only(pack.analyze_stack(resources), GROUP_MODEL_SLUGS_POLICY).enforcement_level == "advisory"
    pack.configure(BASELINE | {GROUP_MODEL_SLUGS_POLICY: "disabled"})
    assert pack.analyze_stack(resources) == []


# -- baseten-group-rate-limits (Analyze) ----------------------------------------------------------------


def test_a_model_without_rate_limit_is_advisory(pack: PolicyPackProcess) -> None:
    props = group(model("acme/a", LIMIT), model("acme/b"), {"slug": "acme/c"})
    diagnostics = pack.analyze(GROUP_TYPE_TOKEN, props, name="customer")
    assert [d.policy_name for d in diagnostics] == [GROUP_RATE_LIMITS_POLICY] * 2
    assert {d.enforcement_level for d in diagnostics} == {"advisory"}
    messages = sorted(said(d) for d in diagnostics)
    assert messages[0].startswith(
        "models[1].rate_limits: Group 'customer' lets its keys call 'acme/b' without"
    )
    assert messages[1].startswith(
        "models[2].rate_limits: Group 'customer' lets its keys call 'acme/c' without"
    )


def test_usage_limits_are_not_rate_limits(pack: PolicyPackProcess) -> None:
    usage = {"type": "TOKEN", "unit": "DAY", "threshold": 10}
    props = group(model("acme/a", usage_limits=[usage]))
    assert len(pack.analyze(GROUP_TYPE_TOKEN, props)) == 1


def test_rate_limited_models_and_other_types_pass(pack: PolicyPackProcess) -> None:
    assert pack.analyze(GROUP_TYPE_TOKEN, group(model("acme/a", LIMIT))) == []
    for other in (SECRET_TYPE_TOKEN, "aws:s3/bucket:Bucket"):
        assert pack.analyze(other, {"models": [{"slug": "acme/a"}]}) == []


def test_native_groups_are_read_by_their_schema_names(pack: PolicyPackProcess) -> None:
    assert pack.analyze(GROUP.token, group(model("acme/a", LIMIT), native=True)) == []
    diagnostic = only(
        pack.analyze(GROUP.token, group(model("acme/b"), native=True)), GROUP_RATE_LIMITS_POLICY
    )
    assert "'acme/b'" in diagnostic.message


@pytest.mark.parametrize(
    "props",
    [
        {"external_entity_id": "c", "models": UNKNOWN},
        {"models": [UNKNOWN]},
        {"models": [{"slug": "acme/a", "rate_limits": UNKNOWN}]},
        {"models": [{"slug": UNKNOWN, "rate_limits": [LIMIT, LIMIT | {"type": "REQUEST"}]}]},
        {"models": [{"slug": "acme/a", "rate_limits": [UNKNOWN]}]},
    ],
)
def test_unknown_limits_are_not_flagged(pack: PolicyPackProcess, props: dict[str, Any]) -> None:
    pack.configure(BASELINE | {GROUP_RATE_LIMITS_POLICY: {"requiredTypes": ["TOKEN", "REQUEST"]}})
    response = pack.analyze_raw(GROUP_TYPE_TOKEN, props)
    assert list(response.diagnostics) == []
    assert list(response.not_applicable) == []


def test_an_unknown_slug_with_no_limit_is_still_reported(pack: PolicyPackProcess) -> None:
    diagnostic = only(
        pack.analyze(GROUP_TYPE_TOKEN, {"models": [{"slug": UNKNOWN}]}), GROUP_RATE_LIMITS_POLICY
    )
    assert "(slug unknown during preview)" in diagnostic.message


def test_required_types_and_mandatory_level_are_configurable(pack: PolicyPackProcess) -> None:
    pack.configure(
        BASELINE
        | {GROUP_RATE_LIMITS_POLICY: {"enforcementLevel": "mandatory", "requiredTypes": ["TOKEN", "REQUEST"]}}
    )
    request = {"type": "REQUEST", "unit": "SECOND", "threshold": 5}
    assert pack.analyze(GROUP_TYPE_TOKEN, group(model("acme/a", LIMIT, request))) == []
    diagnostic = only(pack.analyze(GROUP_TYPE_TOKEN, group(model("acme/a", LIMIT))), GROUP_RATE_LIMITS_POLICY)
    assert diagnostic.enforcement_level == "mandatory"
    assert "Group 'resource' has no REQUEST rate limit for 'acme/a'" in diagnostic.message


# -- baseten-secret-not-literal (ConfigureStack + AnalyzeStack) -----------------------------------------

STACK_CONFIG = {
    f"{PROJECT}:openaiKey": "sk-from-secret-config",
    f"{PROJECT}:plainKey": "sk-from-plain-config",
    f"{PROJECT}:creds": json.dumps({"anthropic": "sk-inside-a-secret-object", "region": "eu"}),
    "baseten:apiUrl": "http://127.0.0.1:1",
}
SECRET_KEYS = [f"{PROJECT}:openaiKey", f"{PROJECT}:creds"]
LITERAL = "sk-written-in-the-program"


def configure_stack(
    pack: PolicyPackProcess,
    config: Mapping[str, str] = STACK_CONFIG,
    secret_keys: Sequence[str] = SECRET_KEYS,
) -> None:
    """``ConfigureStack`` as the CLI sends it: the stack's config, decrypted, and its secret keys."""
    request = analyzer_pb2.AnalyzerStackConfigureRequest(
        stack="test", project=PROJECT, organization="organization", dry_run=True
    )
    request.config.update(config)
    request.config_secret_keys.extend(secret_keys)
    pack.stub.ConfigureStack(request, timeout=pack.rpc_timeout)


def secret_resource(
    name: str, value: Any, *, native: bool = False, depends_on: Sequence[str] = (), **extra: Any
) -> tuple[StackResource, list[str]]:
    props = {"name": name, **({} if value is None else {"value": value}), **extra}
    return StackResource(SECRET.token if native else SECRET_TYPE_TOKEN, props, name), list(depends_on)


def analyze_stack_with_dependencies(
    pack: PolicyPackProcess, resources: Sequence[tuple[StackResource, list[str]]]
) -> list[Diagnostic]:
    """``AnalyzeStack`` where each resource's ``value`` depends on the given URNs (the harness sends none)."""
    request = analyzer_pb2.AnalyzeStackRequest()
    for resource, depends_on in resources:
        message = analyzer_pb2.AnalyzerResource(
            type=resource.type,
            properties=to_struct(resource.properties),
            urn=make_urn(resource.type, resource.name),
            name=resource.name,
            dependencies=depends_on,
        )
        if depends_on:
            message.propertyDependencies["value"].urns.extend(depends_on)
            message.propertyDependencies["key"].urns.extend(depends_on)
        request.resources.append(message)
    response = pack.stub.AnalyzeStack(request, timeout=pack.rpc_timeout)
    return [
        Diagnostic(d.policyName, "mandatory" if d.enforcementLevel else "advisory", d.message, d.urn, "", "")
        for d in response.diagnostics
    ]


def test_a_literal_value_is_reported_without_quoting_it(pack: PolicyPackProcess) -> None:
    configure_stack(pack)
    diagnostics = analyze_stack_with_dependencies(pack, [secret_resource("openai", secret(LITERAL))])
    diagnostic = only(diagnostics, SECRET_NOT_LITERAL_POLICY)
    assert diagnostic.enforcement_level == "advisory"
    assert diagnostic.urn == make_urn(SECRET_TYPE_TOKEN, "openai")
    assert said(diagnostic).startswith("value: the value of Secret 'openai' is written in the program")
    assert LITERAL not in diagnostic.message


@pytest.mark.parametrize("native", [False, True])
@pytest.mark.parametrize(
    "value",
    [
        secret("sk-from-secret-config"),
        secret("sk-inside-a-secret-object"),  # a string inside a secret JSON config value
        "sk-from-secret-config",  # the secret marker makes no difference either way
        secret(UNKNOWN),  # unknown during preview
        UNKNOWN,
        None,  # Secret.get: the API never returns a value
    ],
)
def test_values_from_secret_config_or_unknown_or_absent_pass(
    pack: PolicyPackProcess, value: Any, native: bool
) -> None:
    configure_stack(pack)
    assert analyze_stack_with_dependencies(pack, [secret_resource("s", value, native=native)]) == []


@pytest.mark.parametrize("native", [False, True])
def test_a_value_computed_from_another_resource_passes(pack: PolicyPackProcess, native: bool) -> None:
    configure_stack(pack)
    source, _ = secret_resource("source", secret("sk-from-secret-config"))
    source_urn = make_urn(source.type, source.name)
    derived = secret_resource("derived", secret(LITERAL), native=native, depends_on=[source_urn])
    assert analyze_stack_with_dependencies(pack, [(source, []), derived]) == []


@pytest.mark.parametrize("native", [False, True])
def test_a_registered_keys_key_is_checked_the_same_way(pack: PolicyPackProcess, native: bool) -> None:
    configure_stack(pack)
    token = REGISTERED_GATEWAY_API_KEY.token if native else REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN
    group_id = "groupId" if native else "group_id"

    def registered(name: str, key: Any, depends_on: Sequence[str] = ()) -> tuple[StackResource, list[str]]:
        return StackResource(token, {group_id: "g", "key": key}, name), list(depends_on)

    diagnostic = only(
        analyze_stack_with_dependencies(pack, [registered("legacy", secret(LITERAL))]),
        SECRET_NOT_LITERAL_POLICY,
    )
    assert said(diagnostic).startswith(
        "key: the key of RegisteredGatewayApiKey 'legacy' is written in the program"
    )
    assert LITERAL not in diagnostic.message
    source, _ = secret_resource("source", secret("sk-from-secret-config"))
    passing = [
        (source, []),
        registered("from-config", secret("sk-from-secret-config")),
        registered("preview", UNKNOWN),
        registered("derived", secret(LITERAL), depends_on=[make_urn(source.type, source.name)]),
    ]
    assert analyze_stack_with_dependencies(pack, passing) == []


def test_plain_text_config_is_reported_unless_allowed(pack: PolicyPackProcess) -> None:
    configure_stack(pack)
    resources = [secret_resource("plain", secret("sk-from-plain-config"), native=True)]
    diagnostic = only(analyze_stack_with_dependencies(pack, resources), SECRET_NOT_LITERAL_POLICY)
    assert diagnostic.urn == make_urn(SECRET.token, "plain")
    assert f"Secret 'plain' takes its value from config stored in plain text ('{PROJECT}:plainKey')" in (
        diagnostic.message
    )
    assert "sk-from-plain-config" not in diagnostic.message
    pack.configure(BASELINE | {SECRET_NOT_LITERAL_POLICY: {"allowPlaintextConfig": True}})
    assert analyze_stack_with_dependencies(pack, resources) == []


def test_the_latest_stack_config_is_the_one_compared(pack: PolicyPackProcess) -> None:
    configure_stack(pack, {f"{PROJECT}:key": LITERAL}, [f"{PROJECT}:key"])
    assert analyze_stack_with_dependencies(pack, [secret_resource("s", secret(LITERAL))]) == []
    configure_stack(pack)
    assert len(analyze_stack_with_dependencies(pack, [secret_resource("s", secret(LITERAL))])) == 1


def test_secret_policy_can_be_made_mandatory(pack: PolicyPackProcess) -> None:
    configure_stack(pack)
    pack.configure(BASELINE | {SECRET_NOT_LITERAL_POLICY: "mandatory"})
    diagnostics = analyze_stack_with_dependencies(pack, [secret_resource("s", secret(LITERAL))])
    assert only(diagnostics, SECRET_NOT_LITERAL_POLICY).enforcement_level == "mandatory"


def test_without_stack_config_the_policy_says_it_cannot_tell() -> None:
    with PolicyPackProcess() as fresh:  # never sent ConfigureStack
        diagnostics = analyze_stack_with_dependencies(fresh, [secret_resource("s", secret("anything"))])
        diagnostic = only(diagnostics, SECRET_NOT_LITERAL_POLICY)
        assert "cannot tell whether the value of Secret 's' is written in the program" in diagnostic.message
        assert "ConfigureStack" in diagnostic.message
        # ConfigureStack still reaches the SDK (which keeps the stack's tags) after the pack records it.
        configure_stack(fresh)
        assert len(analyze_stack_with_dependencies(fresh, [secret_resource("s", secret("anything"))])) == 1
        assert analyze_stack_with_dependencies(fresh, [secret_resource("s", "sk-from-secret-config")]) == []


# -- the SDK facts the secret policy rests on (in-process) ----------------------------------------------


def test_the_sdk_hands_policies_secret_values_unmarked() -> None:
    """pulumi-policy's Analyze/AnalyzeStack deserialize without ``proxy_secrets``: no trace of secrecy."""
    from google.protobuf import json_format
    from pulumi_policy.deserialize import deserialize_properties

    wire = json_format.MessageToDict(to_struct({"value": secret(LITERAL), "name": "n"}))
    assert deserialize_properties(wire) == {"value": LITERAL, "name": "n"}


def test_the_sdk_keeps_only_tags_from_configure_stack_so_the_pack_wraps_it() -> None:
    import inspect

    from pulumi_policy import policy as sdk

    source = inspect.getsource(inspect.unwrap(sdk._PolicyAnalyzerServicer.ConfigureStack))
    assert "request.tags" in source
    assert "request.config" not in source
    assert stack_config.install() is True
    assert stack_config.install() is True  # idempotent: wrapped once
    wrapped = sdk._PolicyAnalyzerServicer.ConfigureStack
    assert getattr(wrapped, "_records_stack_config", False)
    assert not getattr(inspect.unwrap(wrapped), "_records_stack_config", False)


def test_stack_config_keeps_digests_not_values() -> None:
    recorded = stack_config.StackConfig.of(STACK_CONFIG, SECRET_KEYS)
    assert recorded.sources_of("sk-from-secret-config") == (
        stack_config.ConfigSource(f"{PROJECT}:openaiKey", True),
    )
    assert recorded.sources_of("sk-inside-a-secret-object") == (
        stack_config.ConfigSource(f"{PROJECT}:creds", True),
    )
    assert recorded.sources_of("sk-from-plain-config") == (
        stack_config.ConfigSource(f"{PROJECT}:plainKey", False),
    )
    assert recorded.sources_of(LITERAL) == ()
    assert "sk-from-secret-config" not in repr(recorded)


# -- through the real CLI: `pulumi preview --policy-pack` -----------------------------------------------

POLICY_PACK = str(Path(sys.executable).parent / "baseten-gateway-policy-pack")
DEMO_KEY = "demo-key"


@pytest.fixture
def demo(make_emulator: MakeEmulator) -> EmulatorProcess:
    return make_emulator(config=False)


@pytest.fixture
def policy_config(tmp_path: Path) -> str:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps({ORG_PREFIX_POLICY: {"allowedPrefixes": ["demo"]}}))
    return str(path)


def recording_pack(tmp_path: Path) -> tuple[str, Path]:
    """A second policy pack that records the raw requests the engine sends (an executable file)."""
    log = tmp_path / "requests.jsonl"
    pack = tmp_path / "recording-pack"
    pack.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import io, json, sys
            sys.stdout = io.TextIOWrapper(open(1, "wb", buffering=0, closefd=False), write_through=True)
            from google.protobuf import json_format
            from pulumi_policy import EnforcementLevel, PolicyPack, StackValidationPolicy
            from pulumi_policy import policy as sdk

            def recording(name, original):
                def rpc(self, request, context):
                    with open({str(log)!r}, "a") as out:
                        out.write(json.dumps([name, json_format.MessageToDict(request)]) + "\\n")
                    return original(self, request, context)
                return rpc

            servicer = sdk._PolicyAnalyzerServicer
            for name in ("Analyze", "AnalyzeStack", "ConfigureStack"):
                setattr(servicer, name, recording(name, getattr(servicer, name)))
            PolicyPack("recorder", [StackValidationPolicy(
                name="record", description="records", validate=lambda args, report: None,
                enforcement_level=EnforcementLevel.ADVISORY)])
            """
        )
    )
    pack.chmod(0o755)
    return str(pack), log


def gateway_program(*, compliant: bool) -> Callable[[], None]:
    """Endpoints, a Group and Secrets; ``compliant=False`` breaks each new policy once."""

    def program() -> None:
        from pulumi_baseten_gateway import Endpoint, Group, Secret

        config = pulumi.Config()
        limit = {"type": "REQUEST", "unit": "MINUTE", "threshold": 60}
        endpoint = Endpoint("glm", slug="demo/glm", targets=[{"provider": "BASETEN", "model_id": "m"}])
        models: list[dict[str, Any]] = [{"slug": endpoint.slug, "rate_limits": [limit]}]
        if not compliant:
            models.append({"slug": "other-org/unknown"})  # no such Endpoint, and no rate limit
        Group("customer", external_entity_id="cust-42", models=models)
        from_config = Secret("from-config", name="from-config", value=config.require_secret("openaiKey"))
        Secret("from-output", name="from-output", value=from_config.value)
        Secret(
            "plain", name="plain", value=config.require("plainKey") if not compliant else from_config.value
        )
        if not compliant:
            Secret("literal", name="literal", value="sk-" + "written-in-the-program")

    return program


def test_through_the_cli_the_new_policies_fire_and_a_compliant_stack_passes(
    tmp_path: Path, demo: EmulatorProcess, policy_config: str
) -> None:
    stack = EngineStack(
        tmp_path / "stack", gateway_program(compliant=False), api_url=demo.base_url, api_key=DEMO_KEY
    )
    stack.stack.set_config("openaiKey", auto.ConfigValue("sk-from-secret-config", secret=True))
    stack.stack.set_config("plainKey", auto.ConfigValue("sk-from-plain-config"))
    error = str(stack.failing("preview", policy_packs=[POLICY_PACK], policy_pack_configs=[policy_config]))
    assert f"[mandatory]  {GROUP_MODEL_SLUGS_POLICY}" in error
    assert "Group 'customer' gives access to 'other-org/unknown', which is no Endpoint of this stack" in error
    assert f"[advisory]  {GROUP_RATE_LIMITS_POLICY}" in error
    assert "Group 'customer' lets its keys call 'other-org/unknown' without a rate limit" in error
    assert f"[advisory]  {SECRET_NOT_LITERAL_POLICY}" in error
    assert "the value of Secret 'literal' is written in the program" in error
    assert (
        "Secret 'plain' takes its value from config stored in plain text ('gateway-test:plainKey')" in error
    )
    for passing in ("from-config", "from-output"):
        assert f"Secret '{passing}'" not in error
    for value in ("sk-written-in-the-program", "sk-from-plain-config", "sk-from-secret-config"):
        assert value not in error
    assert demo.stats()["total_requests"] == 0

    stack = EngineStack(
        tmp_path / "compliant", gateway_program(compliant=True), api_url=demo.base_url, api_key=DEMO_KEY
    )
    stack.stack.set_config("openaiKey", auto.ConfigValue("sk-from-secret-config", secret=True))
    run = stack.preview(policy_packs=[POLICY_PACK], policy_pack_configs=[policy_config])
    assert not [name for name in POLICY_NAMES if name in run.stdout], run.stdout  # nothing reported


def test_through_the_cli_native_yaml_groups_and_secrets_are_reviewed(
    tmp_path: Path, demo: EmulatorProcess, policy_config: str
) -> None:
    program = {
        "name": "gateway-yaml",
        "runtime": "yaml",
        "config": {"openaiKey": {"type": "string"}},
        "resources": {
            "glm": {
                "type": "baseten-gateway:index:Endpoint",
                "properties": {"slug": "demo/glm", "targets": [{"provider": "BASETEN", "modelId": "m"}]},
            },
            "customer": {
                "type": "baseten-gateway:index:Group",
                "properties": {
                    "externalEntityId": "cust-42",
                    "models": [
                        {"slug": "${glm.slug}", "rateLimits": [LIMIT]},
                        {"slug": "other-org/unknown"},
                    ],
                },
            },
            "fromConfig": {
                "type": "baseten-gateway:index:Secret",
                "properties": {"name": "from-config", "value": "${openaiKey}"},
            },
            "literal": {
                "type": "baseten-gateway:index:Secret",
                "properties": {"name": "literal", "value": "sk-written-in-yaml"},
            },
        },
    }
    stack = ProjectStack(tmp_path / "stack", json.dumps(program), api_url=demo.base_url, api_key=DEMO_KEY)
    stack.pulumi("config", "set", "--secret", "openaiKey", "sk-from-secret-config")
    result = stack.preview("--policy-pack", POLICY_PACK, "--policy-pack-config", policy_config, check=False)
    assert result.returncode != 0
    assert f"[mandatory]  {GROUP_MODEL_SLUGS_POLICY}" in result.stdout
    assert "'other-org/unknown', which is no Endpoint of this stack" in result.stdout
    assert f"[advisory]  {GROUP_RATE_LIMITS_POLICY}" in result.stdout
    assert f"[advisory]  {SECRET_NOT_LITERAL_POLICY}" in result.stdout
    assert "the value of Secret 'literal' is written in the program" in result.stdout
    assert "Secret 'fromConfig'" not in result.stdout
    assert "sk-written-in-yaml" not in result.stdout + result.stderr
    assert demo.stats()["total_requests"] == 0


def test_through_the_cli_every_secret_value_arrives_marked_secret_whatever_its_source(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    """The evidence behind the secret policy's design, from a real preview of the Python program.

    Literal, plain-text config, secret config, another Secret's value: each ``value`` reaches Analyze
    and AnalyzeStack marked secret, so secretness cannot tell them apart. What differs: the
    ``propertyDependencies`` of AnalyzeStack, and whether the value equals one in ``ConfigureStack``'s
    (decrypted) config.
    """
    recorder, log = recording_pack(tmp_path)
    stack = EngineStack(
        tmp_path / "stack", gateway_program(compliant=False), api_url=demo.base_url, api_key=DEMO_KEY
    )
    stack.stack.set_config("openaiKey", auto.ConfigValue("sk-from-secret-config", secret=True))
    stack.stack.set_config("plainKey", auto.ConfigValue("sk-from-plain-config"))
    stack.preview(policy_packs=[recorder])
    requests = [json.loads(line) for line in log.read_text().splitlines()]

    (configure,) = [request for name, request in requests if name == "ConfigureStack"]
    assert configure["config"]["gateway-test:openaiKey"] == "sk-from-secret-config"  # decrypted
    assert "gateway-test:openaiKey" in configure["configSecretKeys"]
    assert "gateway-test:plainKey" not in configure["configSecretKeys"]

    analyzed = {
        request["name"]: request["properties"]["value"]
        for name, request in requests
        if name == "Analyze" and request["type"] == SECRET_TYPE_TOKEN
    }
    (stack_request,) = [request for name, request in requests if name == "AnalyzeStack"]
    in_stack = {r["name"]: r for r in stack_request["resources"] if r["type"] == SECRET_TYPE_TOKEN}
    assert set(analyzed) == set(in_stack) == {"from-config", "from-output", "plain", "literal"}
    for name in analyzed:
        for value in (analyzed[name], in_stack[name]["properties"]["value"]):
            assert value[SECRET_SIG] == SECRET_VALUE_SIG, (name, value)
    assert in_stack["literal"]["properties"]["value"]["value"] == "sk-written-in-the-program"
    depends = {name: r.get("propertyDependencies", {}).get("value") for name, r in in_stack.items()}
    assert depends["from-output"] == {
        "urns": [make_urn(SECRET_TYPE_TOKEN, "from-config", stack="dev", project="gateway-test")]
    }
    assert depends["literal"] is depends["plain"] is depends["from-config"] is None
