"""The policy pack as the Pulumi engine sees it: the real plugin process, driven over analyzer gRPC.

One pack process serves the whole module; every test configures it first (``Configure`` replaces the
whole config). ``pulumi preview --policy-pack`` through the real CLI is in test_endpoint_engine.py.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pulumi.runtime.proto import analyzer_pb2  # noqa: E402

from harness.analyzer import (  # noqa: E402
    UNKNOWN,
    Diagnostic,
    PolicyPackProcess,
    PolicySettings,
    StackResource,
    make_urn,
)
from pulumi_baseten_gateway.api.models.endpoint import TargetProvider  # noqa: E402
from pulumi_baseten_gateway.policy import (  # noqa: E402
    ALLOWED_PROVIDERS_POLICY,
    GROUP_MODEL_SLUGS_POLICY,
    GROUP_RATE_LIMITS_POLICY,
    ORG_PREFIX_POLICY,
    POLICY_NAMES,
    POLICY_PACK_NAME,
    SECRET_NOT_LITERAL_POLICY,
    SINGLE_TARGET_POLICY,
    SLUG_FORMAT_POLICY,
    TARGET_FIELDS_POLICY,
    UNIQUE_SLUGS_POLICY,
)
from pulumi_baseten_gateway.resources.endpoint.resource import ENDPOINT_TYPE_TOKEN  # noqa: E402

VALID_TARGET: dict[str, Any] = {
    "provider": "BASETEN",
    "model_id": "3kZ9xqd",
    "environment_name": "production",
}
BASELINE: dict[str, Any] = {ORG_PREFIX_POLICY: {"allowedPrefixes": ["acme", "acme-staging"]}}


def endpoint(slug: Any = "acme/glm-5", targets: Any = None, **extra: Any) -> dict[str, Any]:
    props = {"slug": slug, "targets": [VALID_TARGET] if targets is None else targets, **extra}
    return {k: v for k, v in props.items() if v is not None}


def by_policy(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    grouped: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        grouped.setdefault(diagnostic.policy_name, []).append(diagnostic)
    return grouped


def only(diagnostics: list[Diagnostic], policy_name: str) -> Diagnostic:
    assert [d.policy_name for d in diagnostics] == [policy_name], diagnostics
    return diagnostics[0]


@pytest.fixture(scope="module")
def pack_process() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess() as process:
        yield process
    assert not process.running


@pytest.fixture
def pack(pack_process: PolicyPackProcess) -> PolicyPackProcess:
    """The module's pack, configured like the CLI would with the baseline config."""
    assert pack_process.running, pack_process.stderr()
    pack_process.configure(BASELINE)
    return pack_process


# -- GetAnalyzerInfo ------------------------------------------------------------------------------------


def test_info_describes_every_policy(pack: PolicyPackProcess) -> None:
    info = pack.info()
    assert info.name == POLICY_PACK_NAME
    assert info.supportsConfig
    policies = {p.name: p for p in info.policies}
    assert set(policies) == set(POLICY_NAMES)
    advisory = {ALLOWED_PROVIDERS_POLICY, GROUP_RATE_LIMITS_POLICY, SECRET_NOT_LITERAL_POLICY}
    stack = {UNIQUE_SLUGS_POLICY, GROUP_MODEL_SLUGS_POLICY, SECRET_NOT_LITERAL_POLICY}
    for name, policy_info in policies.items():
        expected_level = analyzer_pb2.ADVISORY if name in advisory else analyzer_pb2.MANDATORY
        assert policy_info.enforcementLevel == expected_level, name
        expected_type = analyzer_pb2.POLICY_TYPE_STACK if name in stack else analyzer_pb2.POLICY_TYPE_RESOURCE
        assert policy_info.policy_type == expected_type, name
        assert policy_info.description


def test_info_publishes_config_schemas_with_defaults(pack: PolicyPackProcess) -> None:
    defaults = pack.default_settings()
    assert defaults[ORG_PREFIX_POLICY] == PolicySettings("mandatory", {"allowedPrefixes": []})
    assert defaults[ALLOWED_PROVIDERS_POLICY] == PolicySettings(
        "advisory", {"allowedProviders": [p.value for p in TargetProvider]}
    )
    schema = {p.name: p.configSchema for p in pack.info().policies}[ORG_PREFIX_POLICY]
    assert schema.properties["allowedPrefixes"]["type"] == "array"


# -- Analyze: the key acceptance cases ------------------------------------------------------------------


def test_valid_endpoint_yields_no_diagnostics(pack: PolicyPackProcess) -> None:
    assert pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint("acme/glm-5", region="EU", adopt=False)) == []
    assert pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint("acme-staging/glm-5")) == []


def test_slug_outside_the_configured_prefixes_is_mandatory(pack: PolicyPackProcess) -> None:
    diagnostic = only(pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint("other-org/glm-5")), ORG_PREFIX_POLICY)
    assert diagnostic.enforcement_level == "mandatory"
    assert diagnostic.policy_pack_name == POLICY_PACK_NAME
    assert "'other-org/glm-5'" in diagnostic.message
    assert "acme, acme-staging" in diagnostic.message


@pytest.mark.parametrize(
    "slug",
    [
        "acme-evil/glm-5",  # starts with an allowed prefix
        "acme-staging2/glm-5",  # starts with another allowed prefix
        "acm/glm-5",  # an allowed prefix, cut short
        "ACME/glm-5",  # another case
        "acme./glm-5",
    ],
)
def test_a_prefix_that_nearly_matches_an_allowed_one_is_mandatory(pack: PolicyPackProcess, slug: str) -> None:
    """Near misses of ``acme`` and ``acme-staging``: a prefix is owned only when it is one exactly."""
    diagnostic = only(pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint(slug)), ORG_PREFIX_POLICY)
    assert diagnostic.enforcement_level == "mandatory"
    assert f"{slug!r}" in diagnostic.message


def test_two_targets_are_mandatory_and_reported_once(pack: PolicyPackProcess) -> None:
    diagnostic = only(
        pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint(targets=[VALID_TARGET, VALID_TARGET])),
        SINGLE_TARGET_POLICY,
    )
    assert diagnostic.enforcement_level == "mandatory"
    assert "targets: must hold exactly one target, got 2" in diagnostic.message


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            {"provider": "OPENAI", "target_model": "gpt-5"},
            "targets[0].secret_id: is required for OPENAI targets",
        ),
        (
            {"provider": "BASETEN", "model_id": "m", "base_url": "https://x.example"},
            "targets[0].base_url: is not allowed for BASETEN targets",
        ),
        (
            {
                "provider": "OPENAI_COMPATIBLE",
                "base_url": "http://x.example",
                "secret_id": "s",
                "target_model": "m",
            },
            "targets[0].base_url: must be an https URL with a host",
        ),
    ],
)
def test_target_fields_are_mandatory_with_the_property_path(
    pack: PolicyPackProcess, target: dict[str, Any], expected: str
) -> None:
    diagnostic = only(pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint(targets=[target])), TARGET_FIELDS_POLICY)
    assert diagnostic.enforcement_level == "mandatory"
    assert expected in diagnostic.message


def test_one_violation_per_diagnostic(pack: PolicyPackProcess) -> None:
    diagnostics = pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint(targets=[{"provider": "ANTHROPIC"}]))
    messages = sorted(d.message.splitlines()[-1] for d in only_policy(diagnostics, TARGET_FIELDS_POLICY))
    assert messages == [
        "targets[0].secret_id: is required for ANTHROPIC targets",
        "targets[0].target_model: is required for ANTHROPIC targets",
    ]


def only_policy(diagnostics: list[Diagnostic], policy_name: str) -> list[Diagnostic]:
    assert {d.policy_name for d in diagnostics} == {policy_name}, diagnostics
    return diagnostics


def test_malformed_slug_is_a_slug_format_violation_only(pack: PolicyPackProcess) -> None:
    diagnostic = only(pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint("glm-5")), SLUG_FORMAT_POLICY)
    assert diagnostic.enforcement_level == "mandatory"
    assert "slug: must have the form '{org_prefix}/{name}'" in diagnostic.message


def test_missing_slug_and_targets(pack: PolicyPackProcess) -> None:
    grouped = by_policy(pack.analyze(ENDPOINT_TYPE_TOKEN, {}))
    assert set(grouped) == {SLUG_FORMAT_POLICY, SINGLE_TARGET_POLICY}
    assert "slug: is required" in grouped[SLUG_FORMAT_POLICY][0].message
    assert "targets: is required" in grouped[SINGLE_TARGET_POLICY][0].message


def test_other_resource_types_yield_nothing(pack: PolicyPackProcess) -> None:
    assert pack.analyze("aws:s3/bucket:Bucket", {"slug": "evil", "targets": [1, 2]}) == []
    assert pack.analyze("pulumi-python:dynamic:Resource", {"slug": "evil/x"}) == []


def test_internal_provider_input_does_not_matter(pack: PolicyPackProcess) -> None:
    # The engine strips "__" keys before Analyze; a client that does not must not change the verdict.
    assert pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint() | {"__provider": "gASV..."}) == []


# -- Configure: properties and levels -------------------------------------------------------------------


def test_allowed_providers_is_advisory_by_default(pack: PolicyPackProcess) -> None:
    pack.configure(
        BASELINE | {ALLOWED_PROVIDERS_POLICY: {"allowedProviders": ["BASETEN", "BASETEN_MODEL_API"]}}
    )
    target = {"provider": "OPENAI", "secret_id": "s", "target_model": "gpt-5"}
    diagnostic = only(pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint(targets=[target])), ALLOWED_PROVIDERS_POLICY)
    assert diagnostic.enforcement_level == "advisory"
    assert "targets[0].provider: provider 'OPENAI' is not allowed here" in diagnostic.message
    assert pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint()) == []


def test_config_can_make_allowed_providers_mandatory(pack: PolicyPackProcess) -> None:
    pack.configure(
        BASELINE
        | {ALLOWED_PROVIDERS_POLICY: {"enforcementLevel": "mandatory", "allowedProviders": ["BASETEN"]}}
    )
    target = {"provider": "BASETEN_MODEL_API", "target_model": "glm"}
    diagnostic = only(pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint(targets=[target])), ALLOWED_PROVIDERS_POLICY)
    assert diagnostic.enforcement_level == "mandatory"


def test_config_can_disable_a_policy_or_downgrade_it(pack: PolicyPackProcess) -> None:
    bad = endpoint("other-org/x", targets=[VALID_TARGET, VALID_TARGET])
    pack.configure(BASELINE | {SINGLE_TARGET_POLICY: "disabled"})
    assert only(pack.analyze(ENDPOINT_TYPE_TOKEN, bad), ORG_PREFIX_POLICY).enforcement_level == "mandatory"
    pack.configure({ORG_PREFIX_POLICY: {"enforcementLevel": "advisory", "allowedPrefixes": ["acme"]}})
    grouped = by_policy(pack.analyze(ENDPOINT_TYPE_TOKEN, bad))
    assert grouped[ORG_PREFIX_POLICY][0].enforcement_level == "advisory"
    assert grouped[SINGLE_TARGET_POLICY][0].enforcement_level == "mandatory"


def test_config_all_disabled_silences_everything(pack: PolicyPackProcess) -> None:
    pack.configure({"all": "disabled"})
    assert pack.analyze(ENDPOINT_TYPE_TOKEN, {"slug": "bad", "targets": []}) == []


def test_pack_applies_schema_defaults_when_the_client_sends_none(pack: PolicyPackProcess) -> None:
    # A client that, unlike the CLI, leaves the schema defaults out: the pack must fill them in.
    sent = pack.configure({}, schema_defaults=False)
    assert sent[ALLOWED_PROVIDERS_POLICY].properties == {}
    target = {
        "provider": "VERTEX",
        "target_model": "g",
        "vertex_config": {"project_id": "p", "location": "l"},
    }
    diagnostic = only(pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint(targets=[target])), ORG_PREFIX_POLICY)
    assert "no allowed prefixes are configured" in diagnostic.message
    assert diagnostic.enforcement_level == "mandatory"


def test_invalid_config_from_a_client_without_validation_is_reported(pack: PolicyPackProcess) -> None:
    pack.configure({ORG_PREFIX_POLICY: {"allowedPrefixes": "acme"}}, validate=False)
    diagnostic = only(pack.analyze(ENDPOINT_TYPE_TOKEN, endpoint()), ORG_PREFIX_POLICY)
    assert "config.allowedPrefixes: must be a list of strings" in diagnostic.message


# -- unknown values (preview) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "props",
    [
        {"slug": UNKNOWN, "targets": UNKNOWN},
        {"slug": UNKNOWN, "targets": [VALID_TARGET]},
        {"slug": "acme/x", "targets": [UNKNOWN]},
        {"slug": "acme/x", "targets": [{"provider": UNKNOWN, "model_id": "m"}]},
        {
            "slug": "acme/x",
            "targets": [{"provider": "OPENAI", "secret_id": UNKNOWN, "target_model": UNKNOWN}],
        },
        {
            "slug": "acme/x",
            "targets": [{"provider": "VERTEX", "target_model": "g", "vertex_config": UNKNOWN}],
        },
        {"slug": "acme/x", "targets": [VALID_TARGET], "region": UNKNOWN},
    ],
)
def test_unknowns_neither_crash_nor_report(pack: PolicyPackProcess, props: dict[str, Any]) -> None:
    # Restricted providers, so an unknown provider would be reported if it were read as a value.
    pack.configure(
        BASELINE | {ALLOWED_PROVIDERS_POLICY: {"allowedProviders": ["BASETEN", "OPENAI", "VERTEX"]}}
    )
    response = pack.analyze_raw(ENDPOINT_TYPE_TOKEN, props)
    # In particular no SDK "can't run policy ... during preview" advisory: the policy ran on what was known.
    assert list(response.diagnostics) == []
    assert list(response.not_applicable) == []


def test_known_problems_next_to_unknowns_are_still_reported(pack: PolicyPackProcess) -> None:
    props = {"slug": UNKNOWN, "targets": [{"provider": "OPENAI", "secret_id": UNKNOWN}, VALID_TARGET]}
    grouped = by_policy(pack.analyze(ENDPOINT_TYPE_TOKEN, props))
    assert set(grouped) == {SINGLE_TARGET_POLICY, TARGET_FIELDS_POLICY}
    assert (
        "targets[0].target_model: is required for OPENAI targets" in grouped[TARGET_FIELDS_POLICY][0].message
    )


# -- AnalyzeStack ---------------------------------------------------------------------------------------


def outputs(slug: Any) -> dict[str, Any]:
    return endpoint(slug) | {"endpoint_id": "abc123", "created_at": "2026-06-17T13:00:00Z"}


def test_duplicate_slug_in_a_stack_is_mandatory_and_names_both(pack: PolicyPackProcess) -> None:
    first = StackResource(ENDPOINT_TYPE_TOKEN, outputs("acme/glm-5"), "primary")
    second = StackResource(ENDPOINT_TYPE_TOKEN, outputs("acme/glm-5"), "copy")
    other = StackResource(ENDPOINT_TYPE_TOKEN, outputs("acme/other"), "other")
    bucket = StackResource("aws:s3/bucket:Bucket", {"slug": "acme/glm-5"}, "bucket")
    diagnostic = only(pack.analyze_stack([first, other, bucket, second]), UNIQUE_SLUGS_POLICY)
    assert diagnostic.enforcement_level == "mandatory"
    assert diagnostic.urn == make_urn(ENDPOINT_TYPE_TOKEN, "copy")
    for name in ("primary", "copy"):
        assert f"'{name}' ({make_urn(ENDPOINT_TYPE_TOKEN, name)})" in diagnostic.message
    assert "bucket" not in diagnostic.message


def test_distinct_or_unknown_slugs_in_a_stack_are_fine(pack: PolicyPackProcess) -> None:
    resources = [
        StackResource(ENDPOINT_TYPE_TOKEN, outputs("acme/a"), "a"),
        StackResource(ENDPOINT_TYPE_TOKEN, outputs("acme/b"), "b"),
        StackResource(ENDPOINT_TYPE_TOKEN, outputs(UNKNOWN) | {"endpoint_id": UNKNOWN}, "c"),
        StackResource(ENDPOINT_TYPE_TOKEN, outputs(UNKNOWN), "d"),
    ]
    assert pack.analyze_stack(resources) == []


def test_resource_policies_do_not_run_in_analyze_stack(pack: PolicyPackProcess) -> None:
    bad = StackResource(ENDPOINT_TYPE_TOKEN, outputs("other-org/x"), "bad")
    assert pack.analyze_stack([bad]) == []


# -- a pack that is never configured --------------------------------------------------------------------


def test_unconfigured_pack_reports_missing_prefixes_and_allows_every_provider() -> None:
    with PolicyPackProcess() as fresh:
        target = {"provider": "OPENAI", "secret_id": "s", "target_model": "gpt-5"}
        diagnostic = only(
            fresh.analyze(ENDPOINT_TYPE_TOKEN, endpoint("acme/x", targets=[target])), ORG_PREFIX_POLICY
        )
        assert diagnostic.enforcement_level == "mandatory"
        assert "no allowed prefixes are configured" in diagnostic.message
        assert "'acme/x'" in diagnostic.message
    assert not fresh.running


def test_a_pack_that_fails_to_start_is_reported_with_its_stderr(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("raise SystemExit('boom: no policies here')\n")
    process = PolicyPackProcess(tmp_path, start_timeout=30)
    with pytest.raises(RuntimeError, match="boom: no policies here"):
        process.start()
    assert not process.running
