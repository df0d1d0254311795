"""Unit tests of the policy functions, called in-process with the SDK's own argument types.

Properties are wrapped with the SDK's ``unknown_checking_proxy`` (what the analyzer server hands a
policy), so the tests see proxies that are not lists/dicts and that raise on unknown values.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from pulumi_baseten_gateway import policy  # noqa: E402
from pulumi_baseten_gateway.api.models.endpoint import TargetProvider  # noqa: E402
from pulumi_baseten_gateway.api.rules import endpoint as rules  # noqa: E402
from pulumi_baseten_gateway.policy import values  # noqa: E402
from pulumi_baseten_gateway.policy.pack import POLICIES  # noqa: E402
from pulumi_baseten_gateway.resources.endpoint.resource import ENDPOINT_TYPE_TOKEN  # noqa: E402

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN
OPTS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
VALID_TARGET: dict[str, Any] = {"provider": "BASETEN", "model_id": "3kZ9xqd"}
ACME = {"allowedPrefixes": ["acme"]}


class FrozenSeq(Sequence[Any]):
    """A read-only sequence that is not a list, like the SDK's proxies."""

    def __init__(self, items: Sequence[Any]) -> None:
        self._items = tuple(items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)


class FrozenMap(Mapping[str, Any]):
    """A read-only mapping that is not a dict."""

    def __init__(self, items: Mapping[str, Any]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def make_args(
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    *,
    type_: str = ENDPOINT_TYPE_TOKEN,
    proxied: bool = True,
) -> ResourceValidationArgs:
    wrapped = unknown_checking_proxy(dict(props)) if proxied else props
    return ResourceValidationArgs(type_, wrapped, f"urn:pulumi:s::p::{type_}::r", "r", OPTS, None, config)


def run(validate: Any, args: Any) -> list[str]:
    messages: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        assert isinstance(message, str)
        messages.append(message)

    validate(args, report)
    return messages


def endpoint(slug: Any = "acme/glm-5", targets: Any = None, **extra: Any) -> dict[str, Any]:
    return {"slug": slug, "targets": [VALID_TARGET] if targets is None else targets, **extra}


RESOURCE_VALIDATORS = (
    policy.validate_org_prefix,
    policy.validate_single_target,
    policy.validate_target_fields,
    policy.validate_slug_format,
    policy.validate_allowed_providers,
)


# -- the SDK behaviour the module relies on (if these change, the module must change) ---------------------


def test_sdk_proxy_is_not_a_list_and_raises_on_unknown() -> None:
    props = unknown_checking_proxy({"targets": [{"provider": UNKNOWN_STRING}], "slug": UNKNOWN_STRING})
    targets = props["targets"]
    assert not isinstance(targets, list)
    assert isinstance(targets, Sequence)
    assert not isinstance(targets[0], dict)
    with pytest.raises(UnknownValueError):
        props["slug"]
    with pytest.raises(UnknownValueError):
        targets[0].get("provider")


# -- plain_value / is_unknown ----------------------------------------------------------------------------


def test_plain_value_copies_proxies_and_marks_unknowns() -> None:
    raw = {"a": [1, {"b": UNKNOWN_STRING, "c": "x"}, UNKNOWN_STRING], "d": UNKNOWN_STRING}
    copied = policy.plain_value(unknown_checking_proxy(raw))
    assert copied == {"a": [1, {"b": policy.UNKNOWN, "c": "x"}, policy.UNKNOWN], "d": policy.UNKNOWN}
    assert type(copied) is dict
    assert type(copied["a"]) is list  # type: ignore[index]


def test_plain_value_marks_the_protocols_own_unknowns_in_plain_data_too() -> None:
    """Props not wrapped in the SDK's proxy carry unknowns as the protocol's sentinel strings."""
    assert policy.plain_value({"a": [UNKNOWN_STRING, "x"], "b": UNKNOWN_STRING}) == {
        "a": [policy.UNKNOWN, "x"],
        "b": policy.UNKNOWN,
    }
    assert repr(policy.UNKNOWN) == "<unknown>"  # how a message shows it


def test_plain_value_accepts_any_sequence_and_mapping_but_keeps_strings() -> None:
    value = FrozenMap({"t": FrozenSeq([FrozenMap({"k": "v"})]), "s": "abc", "b": b"xy"})
    assert policy.plain_value(value) == {"t": [{"k": "v"}], "s": "abc", "b": b"xy"}


def test_only_unknowns_and_absent_keys_are_replaced_and_other_errors_are_not_hidden() -> None:
    class Broken(Mapping[str, Any]):
        """A mapping whose values cannot be read: a bug, not a value unknown during preview."""

        def __getitem__(self, key: str) -> Any:
            raise RuntimeError(f"cannot read {key}")

        def __iter__(self) -> Iterator[str]:
            return iter(["slug"])

        def __len__(self) -> int:
            return 1

    class BrokenSeq(FrozenSeq):
        def __getitem__(self, index: Any) -> Any:
            raise RuntimeError("cannot read")

    props = unknown_checking_proxy({"slug": UNKNOWN_STRING, "targets": [UNKNOWN_STRING]})
    assert values.prop(props, "slug") is policy.UNKNOWN
    assert values.prop(props, "targets") == [policy.UNKNOWN]
    assert values.prop(props, "absent") is None
    for call in (
        lambda: values.prop(Broken(), "slug"),
        lambda: policy.plain_value(Broken()),
        lambda: policy.plain_value(BrokenSeq([1])),
    ):
        with pytest.raises(RuntimeError):
            call()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (policy.UNKNOWN, True),
        (UNKNOWN_STRING, True),
        ("1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", True),  # unknown boolean
        ("acme/x", False),
        (None, False),
        (0, False),
    ],
)
def test_is_unknown(value: object, expected: bool) -> None:
    assert policy.is_unknown(value) is expected


# -- config ---------------------------------------------------------------------------------------------


def test_policy_config_applies_schema_defaults_when_nothing_is_sent() -> None:
    assert policy.policy_config(policy.ORG_PREFIX_POLICY, None) == {"allowedPrefixes": []}
    assert policy.policy_config(policy.ALLOWED_PROVIDERS_POLICY, {}) == {
        "allowedProviders": [p.value for p in TargetProvider]
    }
    assert policy.policy_config(policy.SLUG_FORMAT_POLICY, None) == {}


def test_policy_config_given_values_win_and_defaults_are_not_shared() -> None:
    merged = policy.policy_config(policy.ALLOWED_PROVIDERS_POLICY, {"allowedProviders": ["BASETEN"]})
    assert merged == {"allowedProviders": ["BASETEN"]}
    first = policy.policy_config(policy.ORG_PREFIX_POLICY, None)
    first["allowedPrefixes"].append("mutated")
    assert policy.policy_config(policy.ORG_PREFIX_POLICY, None) == {"allowedPrefixes": []}


# -- org prefix -----------------------------------------------------------------------------------------


def test_org_prefix_passes_an_owned_prefix() -> None:
    assert run(policy.validate_org_prefix, make_args(endpoint("acme/x"), ACME)) == []


def test_org_prefix_names_slug_and_allowed_prefixes() -> None:
    args = make_args(endpoint("evil/x"), {"allowedPrefixes": ["acme", "beta"]})
    (message,) = run(policy.validate_org_prefix, args)
    assert message.startswith("slug: ")
    assert "'evil/x'" in message
    assert "acme, beta" in message


@pytest.mark.parametrize("config", [None, {}, {"allowedPrefixes": []}])
def test_org_prefix_without_prefixes_reports_missing_config(config: Mapping[str, Any] | None) -> None:
    (message,) = run(policy.validate_org_prefix, make_args(endpoint("acme/x"), config))
    assert "no allowed prefixes are configured" in message
    assert "allowedPrefixes" in message
    assert "'acme/x'" in message


def test_org_prefix_without_prefixes_reports_even_when_slug_is_unknown() -> None:
    (message,) = run(policy.validate_org_prefix, make_args(endpoint(UNKNOWN_STRING)))
    assert message == (
        "slug: cannot check the prefix of slug (unknown during preview): no allowed prefixes are configured; "
        f"set 'allowedPrefixes' for policy '{policy.ORG_PREFIX_POLICY}' in the policy pack config"
    )


@pytest.mark.parametrize("bad", ["acme", 42, {"acme": True}, [1, 2]])
def test_org_prefix_reports_invalid_config_instead_of_crashing(bad: object) -> None:
    (message,) = run(policy.validate_org_prefix, make_args(endpoint("acme/x"), {"allowedPrefixes": bad}))
    assert message == (
        f"config.allowedPrefixes: must be a list of strings, got {bad!r}; "
        "cannot check the prefix of slug 'acme/x'"
    )
    (unknown,) = run(
        policy.validate_org_prefix, make_args(endpoint(UNKNOWN_STRING), {"allowedPrefixes": bad})
    )
    assert unknown.endswith("cannot check the prefix of slug <unknown>")


@pytest.mark.parametrize("slug", ["acme", "", "/x", "evil/bad name", "evil/x/y", None, 7, UNKNOWN_STRING])
def test_org_prefix_leaves_malformed_missing_or_unknown_slugs_to_others(slug: object) -> None:
    props = endpoint() | {"slug": slug}
    if slug is None:
        del props["slug"]
    args = make_args(props, ACME)
    assert run(policy.validate_org_prefix, args) == []
    if slug is not None and slug != UNKNOWN_STRING:
        assert run(policy.validate_slug_format, args) != []


def test_org_prefix_accepts_a_non_list_sequence_of_prefixes() -> None:
    args = make_args(endpoint("beta/x"), FrozenMap({"allowedPrefixes": FrozenSeq(["acme", "beta"])}))
    assert run(policy.validate_org_prefix, args) == []


# -- single target / target fields ----------------------------------------------------------------------


def test_single_target_reports_two_targets_once_and_target_fields_stays_quiet() -> None:
    args = make_args(endpoint(targets=[VALID_TARGET, VALID_TARGET]))
    assert run(policy.validate_single_target, args) == ["targets: must hold exactly one target, got 2"]
    assert run(policy.validate_target_fields, args) == []


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        ([], "targets: must hold exactly one target, got 0"),
        (None, "targets: is required"),
        ("BASETEN", "targets: must be a list, got str"),
    ],
)
def test_single_target_owns_problems_of_the_list_itself(targets: object, expected: str) -> None:
    props = endpoint() | {"targets": targets}
    if targets is None:
        del props["targets"]
    args = make_args(props)
    assert run(policy.validate_single_target, args) == [expected]
    assert run(policy.validate_target_fields, args) == []


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            {"provider": "OPENAI", "target_model": "gpt-5"},
            ["targets[0].secret_id: is required for OPENAI targets"],
        ),
        (
            {"provider": "BASETEN", "model_id": "m", "secret_id": "s"},
            ["targets[0].secret_id: is not allowed for BASETEN targets"],
        ),
        ({"model_id": "m"}, ["targets[0].provider: is required"]),
        ({"provider": "BASETEN", "model_id": "m", "colour": "red"}, None),
        ("BASETEN", ["targets[0]: must be an object, got str"]),
    ],
)
def test_target_fields_reports_each_target_violation_with_its_path(
    target: object, expected: list[str] | None
) -> None:
    args = make_args(endpoint(targets=[target]))
    messages = run(policy.validate_target_fields, args)
    if expected is None:
        assert len(messages) == 1
        assert messages[0].startswith("targets[0].colour: is not a target field")
    else:
        assert messages == expected
    assert run(policy.validate_single_target, args) == []


def test_target_fields_reports_every_target_of_a_long_list() -> None:
    args = make_args(endpoint(targets=[VALID_TARGET, {"provider": "ANTHROPIC", "secret_id": "s"}]))
    assert run(policy.validate_target_fields, args) == [
        "targets[1].target_model: is required for ANTHROPIC targets"
    ]


def test_native_endpoints_are_read_by_their_schema_names_and_python_ones_by_theirs() -> None:
    """The native provider's Endpoint carries camelCase target fields (``modelId``); the dynamic one's are
    snake_case, and a camelCase key there is a typo the provider would refuse."""
    native = {"slug": "acme/x", "targets": [{"provider": "BASETEN", "modelId": "m", "targetModel": "t"}]}
    assert run(policy.validate_target_fields, make_args(native, type_="baseten-gateway:index:Endpoint")) == []
    assert set(run(policy.validate_target_fields, make_args(native))) == {
        "targets[0].model_id: is required for BASETEN targets",
        "targets[0].modelId: is not a target field (known: provider, model_id, environment_name, secret_id, "
        "target_model, base_url, vertex_config)",
        "targets[0].targetModel: is not a target field (known: provider, model_id, environment_name, "
        "secret_id, target_model, base_url, vertex_config)",
    }


def test_target_fields_works_on_non_list_sequences_and_non_dict_mappings() -> None:
    targets = FrozenSeq(
        [FrozenMap({"provider": "VERTEX", "target_model": "gemini", "vertex_config": FrozenMap({})})]
    )
    args = make_args(FrozenMap({"slug": "acme/x", "targets": targets}), proxied=False)
    assert run(policy.validate_target_fields, args) == [
        "targets[0].vertex_config.project_id: is required for VERTEX targets",
        "targets[0].vertex_config.location: is required for VERTEX targets",
    ]


# -- slug format ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "fragment"),
    [
        ("acme", "exactly one '/'"),
        ("acme/x/y", "exactly one '/'"),
        ("acme/", "name segment must not be empty"),
        ("ac me/x", "must be URL-safe"),
        (5, "must be a string"),
    ],
)
def test_slug_format_reports_malformed_slugs(slug: object, fragment: str) -> None:
    (message,) = run(policy.validate_slug_format, make_args(endpoint(slug)))
    assert message.startswith("slug: ")
    assert fragment in message


def test_slug_format_reports_a_missing_slug_and_passes_a_good_one() -> None:
    assert run(policy.validate_slug_format, make_args({"targets": [VALID_TARGET]})) == ["slug: is required"]
    assert run(policy.validate_slug_format, make_args(endpoint("acme/glm-5.2"))) == []


# -- allowed providers ----------------------------------------------------------------------------------


def test_allowed_providers_defaults_to_every_provider() -> None:
    targets = [{"provider": p.value} for p in TargetProvider]
    assert run(policy.validate_allowed_providers, make_args(endpoint(targets=targets))) == []


def test_allowed_providers_forbids_what_is_not_listed() -> None:
    args = make_args(
        endpoint(targets=[VALID_TARGET, {"provider": "OPENAI"}]), {"allowedProviders": ["BASETEN"]}
    )
    assert run(policy.validate_allowed_providers, args) == [
        "targets[1].provider: provider 'OPENAI' is not allowed here; allowed: BASETEN"
    ]


def test_allowed_providers_leaves_invalid_providers_to_target_fields() -> None:
    args = make_args(endpoint(targets=[{"provider": "NOPE"}]), {"allowedProviders": ["BASETEN"]})
    assert run(policy.validate_allowed_providers, args) == []
    assert any("must be one of" in m for m in run(policy.validate_target_fields, args))


def test_allowed_providers_reports_invalid_config() -> None:
    args = make_args(endpoint(), {"allowedProviders": "BASETEN"})
    assert run(policy.validate_allowed_providers, args) == [
        "config.allowedProviders: must be a list of strings, got 'BASETEN'"
    ]


# -- unknowns and other resource types ------------------------------------------------------------------


@pytest.mark.parametrize(
    "props",
    [
        {"slug": UNKNOWN_STRING, "targets": UNKNOWN_STRING},
        {"slug": "acme/x", "targets": [UNKNOWN_STRING]},
        {"slug": "acme/x", "targets": [{"provider": UNKNOWN_STRING, "model_id": "m"}]},
        {
            "slug": "acme/x",
            "targets": [{"provider": "OPENAI", "secret_id": UNKNOWN_STRING, "target_model": "m"}],
        },
        {
            "slug": "acme/x",
            "targets": [{"provider": "VERTEX", "target_model": "g", "vertex_config": UNKNOWN_STRING}],
        },
    ],
)
def test_unknown_values_are_skipped_not_reported(props: dict[str, Any]) -> None:
    for validate in RESOURCE_VALIDATORS:
        assert run(validate, make_args(props, ACME)) == [], validate


def test_known_problems_are_still_reported_next_to_unknowns() -> None:
    props = {
        "slug": UNKNOWN_STRING,
        "targets": [{"provider": "OPENAI", "secret_id": UNKNOWN_STRING}, VALID_TARGET],
    }
    args = make_args(props, ACME)
    assert run(policy.validate_single_target, args) == ["targets: must hold exactly one target, got 2"]
    assert run(policy.validate_target_fields, args) == [
        "targets[0].target_model: is required for OPENAI targets"
    ]
    assert run(policy.validate_slug_format, args) == []


@pytest.mark.parametrize("validate", RESOURCE_VALIDATORS)
def test_other_resource_types_are_ignored(validate: Any) -> None:
    args = make_args({"slug": "not a slug", "targets": 3}, type_="aws:s3/bucket:Bucket")
    assert run(validate, args) == []


# -- property-based: never raise, never double report ---------------------------------------------------

_UNKNOWNS = st.sampled_from([UNKNOWN_STRING, "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2"])
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12), _UNKNOWNS
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
_TARGET = st.fixed_dictionaries(
    {},
    optional={
        "provider": st.sampled_from([p.value for p in TargetProvider]) | _SCALARS,
        **{field: st.text(max_size=6) | _JSON for field in rules.TARGET_FIELDS[1:]},
    },
)
_PROPS = st.fixed_dictionaries(
    {},
    optional={
        "slug": st.sampled_from(["acme/x", "evil/y", "acme", "a/b/c"]) | _JSON,
        "targets": st.lists(_TARGET | _JSON, max_size=3) | _JSON,
        "region": _JSON,
    },
)


#: The documented slug format (docs/api/resources/endpoint.md, spec ``CreateEndpointRequestV1.slug``),
#: written out independently.
_DOCUMENTED_SLUG = re.compile(r"[A-Za-z0-9._~-]+/[A-Za-z0-9._~-]+")


def _documented_slug(slug: object) -> bool:
    return (
        isinstance(slug, str)
        and len(slug) <= rules.MAX_SLUG_LENGTH
        and _DOCUMENTED_SLUG.fullmatch(slug) is not None
        and not {".", ".."} & set(slug.split("/"))
    )


@settings(max_examples=300, deadline=None)
@given(props=_PROPS, prefixes=st.lists(st.sampled_from(["acme", "beta"]), max_size=2))
def test_policies_never_raise_and_report_what_they_own(props: dict[str, Any], prefixes: list[str]) -> None:
    """Whatever the properties: no policy raises; each message names a property path; slug-format,
    org-prefix and allowed-providers report exactly when the documented rule (written out here, not
    taken from ``rules``) says so, and each about its own property."""
    args = make_args(props, {"allowedPrefixes": prefixes, "allowedProviders": ["BASETEN"]})
    reports = {validate.__name__: run(validate, args) for validate in RESOURCE_VALIDATORS}
    for messages in reports.values():
        for message in messages:
            assert message.strip()
            assert re.match(r"(slug|targets)(\[\d+\]\.?)?.*?: ", message, re.DOTALL), message

    slug = policy.plain_value(props.get("slug"))
    slug_known = not policy.is_unknown(slug)
    assert bool(reports["validate_slug_format"]) == (slug_known and not _documented_slug(slug)), slug
    assert all(m.startswith("slug: ") for m in reports["validate_slug_format"])

    org = reports["validate_org_prefix"]
    if not prefixes:
        assert len(org) == 1
        assert "no allowed prefixes are configured" in org[0]
    elif slug_known and _documented_slug(slug):
        assert isinstance(slug, str)
        assert len(org) == (slug.split("/")[0] not in prefixes), (slug, prefixes, org)
    else:
        assert org == []  # a malformed slug is slug-format's; an unknown one waits

    targets = policy.plain_value(props.get("targets"))
    forbidden = []
    if isinstance(targets, list):
        forbidden = [
            f"targets[{index}].provider"
            for index, target in enumerate(targets)
            if isinstance(target, dict)
            and target.get("provider") in {p.value for p in TargetProvider} - {"BASETEN"}
        ]
    assert [m.split(": ", 1)[0] for m in reports["validate_allowed_providers"]] == forbidden


@settings(max_examples=300, deadline=None)
@given(props=_PROPS)
def test_single_target_and_target_fields_split_validate_targets_exactly(props: dict[str, Any]) -> None:
    args = make_args(props)
    single = run(policy.validate_single_target, args)
    fields = run(policy.validate_target_fields, args)
    expected = [
        str(v)
        for v in rules.validate_targets(
            policy.plain_value(props.get("targets")), is_unknown=policy.is_unknown
        )
    ]
    assert sorted(single + fields) == sorted(expected)
    assert all(m.startswith("targets: ") for m in single)
    assert all(m.startswith("targets[") for m in fields)


# -- stack policy ---------------------------------------------------------------------------------------


def stack_resource(name: str, props: Mapping[str, Any], type_: str = ENDPOINT_TYPE_TOKEN) -> PolicyResource:
    urn = f"urn:pulumi:s::p::{type_}::{name}"
    return PolicyResource(type_, unknown_checking_proxy(dict(props)), urn, name, OPTS, None, None, [], {})


def run_stack(resources: list[PolicyResource]) -> list[tuple[str, str | None]]:
    reports: list[tuple[str, str | None]] = []
    policy.validate_unique_slugs(
        StackValidationArgs(resources, None), lambda message, urn=None: reports.append((message, urn))
    )
    return reports


def test_unique_slugs_names_both_resources_and_points_at_the_second() -> None:
    first, second = stack_resource("first", {"slug": "acme/x"}), stack_resource("second", {"slug": "acme/x"})
    ((message, urn),) = run_stack([first, stack_resource("other", {"slug": "acme/y"}), second])
    assert urn == second.urn
    for resource in (first, second):
        assert f"'{resource.name}' ({resource.urn})" in message
    assert "'acme/x'" in message
    assert "other" not in message


def test_unique_slugs_ignores_unknown_missing_and_foreign_slugs() -> None:
    resources = [
        stack_resource("a", {"slug": UNKNOWN_STRING}),
        stack_resource("b", {"slug": UNKNOWN_STRING}),
        stack_resource("c", {}),
        stack_resource("d", {}),
        stack_resource("e", {"slug": "acme/x"}),
        stack_resource("f", {"slug": "acme/x"}, type_="aws:s3/bucket:Bucket"),
    ]
    assert run_stack(resources) == []


def test_unique_slugs_reports_each_shared_slug_once() -> None:
    resources = [stack_resource(n, {"slug": "acme/x" if n < "c" else "acme/y"}) for n in "abcde"]
    reports = run_stack(resources)
    assert len(reports) == 2
    assert "3 Endpoints" in reports[1][0]


def test_unique_slugs_reads_past_other_resources_and_unshared_slugs() -> None:
    """Resources of other types, and slugs held once, anywhere in the stack, stop nothing."""
    first = stack_resource("first", {"slug": "acme/x"})
    second = stack_resource("second", {"slug": "acme/x"}, type_="baseten-gateway:index:Endpoint")
    resources = [
        stack_resource("bucket", {"slug": "acme/x"}, type_="aws:s3/bucket:Bucket"),
        stack_resource("alone", {"slug": "acme/alone"}),
        first,
        stack_resource("group", {"slug": "acme/x"}, type_="baseten-gateway:index:Group"),
        second,
    ]
    assert run_stack(resources) == [
        (f"slug: 'acme/x' is used by 2 Endpoints: 'first' ({first.urn}), 'second' ({second.urn})", second.urn)
    ]


# -- the policy objects ---------------------------------------------------------------------------------


def test_build_policies_names_levels_and_types() -> None:
    built = {p.name: p for p in policy.build_policies()}
    assert tuple(built) == policy.POLICY_NAMES
    stack_policies = {
        policy.UNIQUE_SLUGS_POLICY,
        policy.GROUP_MODEL_SLUGS_POLICY,
        policy.SECRET_NOT_LITERAL_POLICY,
    }
    for name, p in built.items():
        assert p.enforcement_level is policy.DEFAULT_ENFORCEMENT_LEVELS[name]
        expected_type = StackValidationPolicy if name in stack_policies else ResourceValidationPolicy
        assert isinstance(p, expected_type)
    advisory = {n for n, p in built.items() if p.enforcement_level is EnforcementLevel.ADVISORY}
    assert advisory == {
        policy.ALLOWED_PROVIDERS_POLICY,
        policy.GROUP_RATE_LIMITS_POLICY,
        policy.SECRET_NOT_LITERAL_POLICY,
    }
    assert sum(p.enforcement_level is EnforcementLevel.MANDATORY for p in built.values()) == 6


def test_the_schema_defaults_the_cli_sends_act_like_no_config() -> None:
    """The CLI sends a config made of the built policies' schema defaults; a pack run without the CLI
    gets none. Both must judge alike, and as documented: every provider allowed, no prefix owned (which
    org-prefix reports rather than passing)."""
    built = {p.name: p for p in policy.build_policies()}
    samples = [
        endpoint(),
        endpoint("evil/x"),
        endpoint("not a slug"),
        endpoint(targets=[{"provider": p.value} for p in TargetProvider]),
        endpoint(targets=[{"provider": "OPENAI", "secret_id": "s", "target_model": "m"}]),
    ]
    validators = {
        policy.ORG_PREFIX_POLICY: policy.validate_org_prefix,
        policy.ALLOWED_PROVIDERS_POLICY: policy.validate_allowed_providers,
    }
    # The Group and Secret policies' defaults: tests/test_policy_plugin_group_secret.py.
    gateway = {
        policy.GROUP_MODEL_SLUGS_POLICY,
        policy.GROUP_RATE_LIMITS_POLICY,
        policy.SECRET_NOT_LITERAL_POLICY,
    }
    assert set(validators) | gateway == {name for name, p in built.items() if p.config_schema is not None}
    for name, validate in validators.items():
        schema = built[name].config_schema
        assert schema is not None
        sent_by_the_cli = {key: value["default"] for key, value in schema.properties.items()}
        for props in samples:
            assert run(validate, make_args(props, sent_by_the_cli)) == run(validate, make_args(props, None))
    every_provider = make_args(endpoint(targets=[{"provider": p.value} for p in TargetProvider]), None)
    assert run(policy.validate_allowed_providers, every_provider) == []
    (unconfigured,) = run(policy.validate_org_prefix, make_args(endpoint(), None))
    assert "no allowed prefixes are configured" in unconfigured


def test_built_policies_are_fresh_and_share_nothing_mutable_with_the_declarations() -> None:
    first, second = policy.build_policies(), policy.build_policies()
    assert [p.name for p in second] == [p.name for p in first]
    for built, declared in zip(first, POLICIES, strict=True):
        assert (built.name, built.display_name, built.description) == (
            declared.name,
            declared.display_name,
            declared.description,
        )
        assert built.display_name  # what the CLI prints beside each violation
    for a, b in zip(first, second, strict=True):
        assert a is not b
        assert (a.description, a.display_name, a.enforcement_level) == (
            b.description,
            b.display_name,
            b.enforcement_level,
        )
        if a.config_schema is None or b.config_schema is None:
            assert a.config_schema is b.config_schema is None
            continue
        assert a.config_schema is not b.config_schema
        for key, schema in a.config_schema.properties.items():
            assert schema is not b.config_schema.properties[key]
            if not isinstance(schema["default"], list):
                continue  # a scalar default (a boolean) cannot be mutated
            schema["default"].append("mutated")
            assert "mutated" not in b.config_schema.properties[key]["default"]
            assert "mutated" not in policy.CONFIG_DEFAULTS[a.name][key]
            assert "mutated" not in policy.policy_config(a.name, None)[key]


def test_policy_config_of_a_name_outside_the_pack_is_the_given_config_as_plain_data() -> None:
    assert policy.policy_config("no-such-policy", None) == {}
    copied = policy.policy_config("no-such-policy", FrozenMap({"k": FrozenSeq(["a"])}))
    assert copied == {"k": ["a"]}
    assert type(copied["k"]) is list


def test_built_policy_objects_dispatch_to_the_validators() -> None:
    org_prefix = next(p for p in policy.build_policies() if p.name == policy.ORG_PREFIX_POLICY)
    assert isinstance(org_prefix, ResourceValidationPolicy)
    messages: list[str] = []
    org_prefix.validate(make_args(endpoint("evil/x"), ACME), lambda m, urn=None: messages.append(m))
    assert len(messages) == 1
    assert "'evil/x'" in messages[0]
