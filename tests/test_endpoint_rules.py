"""Unit and property tests of the shared endpoint rules (``api/rules/endpoint.py``).

The per-provider table is the oracle's (``tests/oracle.py``): parsed from the public spec's field
descriptions and the docs' sentences, never imported from ``rules`` or ``PROVIDER_FIELDS``. The property
tests draw valid skeletons from it and break each rule of the drawn provider in turn (the oracle's near
misses), so a broken rule is found by generation, not only by the hand-written cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import domains

from pulumi_baseten_gateway.api.models import endpoint as models
from pulumi_baseten_gateway.api.models.endpoint import Region, TargetProvider
from pulumi_baseten_gateway.api.rules import endpoint as rules
from pulumi_baseten_gateway.api.rules.common import contains_unknown
from pulumi_baseten_gateway.api.rules.endpoint import TARGET_FIELDS, Violation
from tests import oracle

# -- the API's per-provider field table (the oracle's) -------------------------------------------------------

_TABLE = oracle.provider_fields()
REQUIRED: dict[TargetProvider, frozenset[str]] = {TargetProvider(p): f.required for p, f in _TABLE.items()}
OPTIONAL: dict[TargetProvider, frozenset[str]] = {TargetProvider(p): f.optional for p, f in _TABLE.items()}
FORBIDDEN: dict[TargetProvider, frozenset[str]] = {TargetProvider(p): f.forbidden for p, f in _TABLE.items()}
#: The spec's example of each field.
SAMPLE_VALUES: dict[str, Any] = {name: oracle.sample_value(name) for name in oracle.FIELDS}
RULE_NAMES = {
    "required",
    "slug-format",
    "region",
    "field-type",
    "target-fields",
    "unknown-field",
    "provider",
    "single-target",
    "org-prefix",
    "allowed-providers",
}


def minimal_target(provider: TargetProvider) -> dict[str, Any]:
    """The smallest valid target of a provider: ``provider`` and its required fields."""
    return oracle.sample_target(provider.value)


def found(violations: list[Violation]) -> list[tuple[str, str]]:
    """``(path, rule)`` of each violation, sorted: what most assertions compare."""
    return sorted((v.path, v.rule) for v in violations)


def test_the_oracle_fields_are_the_target_fields() -> None:
    """The rules judge exactly the fields the spec's target has, ``provider`` first."""
    assert TARGET_FIELDS[0] == "provider"
    assert set(TARGET_FIELDS[1:]) == set(oracle.FIELDS)


def test_violation_str() -> None:
    assert str(Violation("targets[0].model_id", "target-fields", "is required")) == (
        "targets[0].model_id: is required"
    )


# -- slug ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
    [
        "my-org/glm-5.2",
        "baseten/mymodel-4",
        "a/b",
        "A_Z~0/x.y-z_~",
        "org/...",
        "org/.hidden",
        "a/" + "b" * (rules.MAX_SLUG_LENGTH - 2),
    ],
)
def test_valid_slugs(slug: str) -> None:
    assert rules.validate_slug(slug) == []


@pytest.mark.parametrize(
    ("slug", "count", "fragment"),
    [
        ("noslash", 1, "exactly one '/'"),
        ("", 1, "exactly one '/'"),
        ("a/b/c", 1, "exactly one '/'"),
        ("a//b", 1, "exactly one '/'"),
        ("/name", 1, "org_prefix segment must not be empty"),
        ("org/", 1, "name segment must not be empty"),
        ("/", 2, "must not be empty"),
        ("org/..", 1, "name segment must not be '..'"),
        ("org/.", 1, "name segment must not be '.'"),
        ("../name", 1, "org_prefix segment must not be '..'"),
        ("./.", 2, "must not be '.'"),
        ("org/has space", 1, "must be URL-safe"),
        (" org/name", 1, "org_prefix segment ' org' must be URL-safe"),
        ("org/name\n", 1, "must be URL-safe"),
        ("org/näme", 1, "must be URL-safe"),
        ("org/模型", 1, "must be URL-safe"),
        ("org/١٢٣", 1, "must be URL-safe"),  # non-ASCII digits
        ("ørg/n@me", 2, "must be URL-safe"),
        ("org/a?b", 1, "must be URL-safe"),
        ("org/a%20b", 1, "must be URL-safe"),
        ("org/a#b", 1, "must be URL-safe"),
        ("org\\name", 1, "exactly one '/'"),
        ("a/" + "b" * (rules.MAX_SLUG_LENGTH - 1), 1, f"at most {rules.MAX_SLUG_LENGTH} characters"),
        ("a/" + "b" * 10_000, 1, f"at most {rules.MAX_SLUG_LENGTH} characters"),
    ],
)
def test_invalid_slugs(slug: str, count: int, fragment: str) -> None:
    violations = rules.validate_slug(slug)
    assert found(violations) == [("slug", "slug-format")] * count
    assert all(fragment in v.message for v in violations), violations


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(42, "int"), (1.5, "float"), (True, "bool"), (["a/b"], "list"), ({"a": "b"}, "dict"), (b"a/b", "bytes")],
)
def test_non_string_slug(value: object, type_name: str) -> None:
    violations = rules.validate_slug(value)
    assert found(violations) == [("slug", "slug-format")]
    assert violations[0].message == f"must be a string, got {type_name}"


def test_missing_slug() -> None:
    assert found(rules.validate_slug(None)) == [("slug", "required")]


def test_slug_path_is_the_given_one() -> None:
    assert found(rules.validate_slug("bad", path="spec.slug")) == [("spec.slug", "slug-format")]


def test_slug_prefix() -> None:
    assert rules.slug_prefix("my-org/glm") == "my-org"
    assert rules.slug_prefix("a/b/c") == "a"
    assert rules.slug_prefix("/b") == ""
    assert rules.slug_prefix("noslash") is None
    assert rules.slug_prefix(5) is None
    assert rules.slug_prefix(None) is None


# -- region --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", [None, "UNRESTRICTED", "EU", Region.EU, Region.UNRESTRICTED])
def test_valid_regions(region: object) -> None:
    assert rules.validate_region(region) == []


@pytest.mark.parametrize("region", ["eu", "US", "", " EU", 1, True, ["EU"], {"EU": 1}])
def test_invalid_regions(region: object) -> None:
    violations = rules.validate_region(region, path="r")
    assert found(violations) == [("r", "region")]
    assert violations[0].message == f"must be one of UNRESTRICTED, EU, got {region!r}"


# -- targets: per-provider fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("provider", list(TargetProvider))
def test_minimal_target_is_valid(provider: TargetProvider) -> None:
    assert rules.validate_target(minimal_target(provider)) == []


@pytest.mark.parametrize("provider", list(TargetProvider))
def test_provider_may_be_an_enum_member(provider: TargetProvider) -> None:
    assert rules.validate_target({**minimal_target(provider), "provider": provider}) == []


@pytest.mark.parametrize(("provider", "field"), [(p, f) for p in TargetProvider for f in sorted(REQUIRED[p])])
def test_missing_required_field(provider: TargetProvider, field: str) -> None:
    target = minimal_target(provider)
    del target[field]
    violations = rules.validate_target(target)
    assert found(violations) == [(f"targets[0].{field}", "target-fields")]
    assert violations[0].message == f"is required for {provider.value} targets"
    # null is the same as absent
    assert found(rules.validate_target({**target, field: None})) == found(violations)


@pytest.mark.parametrize(
    ("provider", "field"), [(p, f) for p in TargetProvider for f in sorted(FORBIDDEN[p])]
)
def test_forbidden_field(provider: TargetProvider, field: str) -> None:
    target = {**minimal_target(provider), field: SAMPLE_VALUES[field]}
    violations = rules.validate_target(target)
    assert found(violations) == [(f"targets[0].{field}", "target-fields")]
    assert violations[0].message == f"is not allowed for {provider.value} targets"
    # a null forbidden field is no field at all
    assert rules.validate_target({**minimal_target(provider), field: None}) == []


@pytest.mark.parametrize(("provider", "field"), [(p, f) for p in TargetProvider for f in sorted(OPTIONAL[p])])
def test_optional_field(provider: TargetProvider, field: str) -> None:
    assert rules.validate_target({**minimal_target(provider), field: SAMPLE_VALUES[field]}) == []


def test_forbidden_fields_are_all_reported() -> None:
    target = {"provider": "OPENAI", **SAMPLE_VALUES}
    assert found(rules.validate_target(target)) == [
        (f"targets[0].{f}", "target-fields") for f in sorted(FORBIDDEN[TargetProvider.OPENAI])
    ]


def test_documented_examples_are_valid() -> None:
    examples = [
        {"provider": "OPENAI", "secret_id": "3kZ9xqd", "target_model": "gpt-4o"},
        {
            "provider": "OPENAI_COMPATIBLE",
            "base_url": "https://my-vllm.example.com",
            "secret_id": "3kZ9xqd",
            "target_model": "my-model",
        },
        {
            "provider": "BASETEN",
            "model_id": "3kZ9xqd",
            "environment_name": "staging",
            "target_model": "custom/model-name",
        },
        {"provider": "BASETEN", "model_id": "3kZ9xqd"},
    ]
    for example in examples:
        assert rules.validate_target(example) == [], example


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (3, "must be a string, got int"),
        (True, "must be a string, got bool"),
        (["x"], "must be a string, got list"),
        ({"x": 1}, "must be a string, got dict"),
        ("", "must not be empty"),
        ("   \t\n", "must not be empty"),
        ("x" * (rules.MAX_FIELD_LENGTH + 1), f"must be at most {rules.MAX_FIELD_LENGTH} characters"),
    ],
)
@pytest.mark.parametrize("field", ["model_id", "environment_name", "target_model"])
def test_string_fields(field: str, value: object, message: str) -> None:
    target = {"provider": "BASETEN", "model_id": "3kZ9xqd", field: value}
    violations = rules.validate_target(target, path="t")
    assert found(violations) == [(f"t.{field}", "field-type")]
    assert violations[0].message == message


def test_string_field_at_the_length_limit() -> None:
    target = {"provider": "OPENAI", "secret_id": "s" * rules.MAX_FIELD_LENGTH, "target_model": "m"}
    assert rules.validate_target(target) == []


# -- targets: provider, shape, unknown fields ----------------------------------------------------------------


def test_missing_provider() -> None:
    assert found(rules.validate_target({"model_id": "x"})) == [("targets[0].provider", "required")]
    assert found(rules.validate_target({"provider": None})) == [("targets[0].provider", "required")]


@pytest.mark.parametrize("provider", ["baseten", "GOOGLE", "", 5, ["BASETEN"], {"BASETEN": 1}])
def test_unknown_provider(provider: object) -> None:
    violations = rules.validate_target({"provider": provider, "model_id": "x", "secret_id": 5})
    # the other fields cannot be judged without a provider
    assert found(violations) == [("targets[0].provider", "provider")]
    allowed = ", ".join(p.value for p in TargetProvider)
    assert violations[0].message == f"must be one of {allowed}, got {provider!r}"


@pytest.mark.parametrize("target", [None, "BASETEN", 5, ["provider", "BASETEN"], ("BASETEN",)])
def test_target_not_an_object(target: object) -> None:
    violations = rules.validate_target(target, path="targets[3]")
    assert found(violations) == [("targets[3]", "field-type")]
    assert violations[0].message.startswith("must be an object, got ")


def test_unknown_fields() -> None:
    target: dict[object, object] = {"modelId": "x", "priority": 1, 7: "seven", None: 1}
    target.update(minimal_target(TargetProvider.BASETEN))
    violations = rules.validate_target(target)
    assert found(violations) == sorted(
        [
            ("targets[0].modelId", "unknown-field"),
            ("targets[0].priority", "unknown-field"),
            ("targets[0].7", "unknown-field"),
            ("targets[0].None", "unknown-field"),
        ]
    )
    assert all(v.message.startswith("is not a target field (known: provider, model_id") for v in violations)


def test_a_key_that_is_not_text_is_shown_as_such_in_its_path() -> None:
    """A program's dict may hold any key: one that is not text is shown by its repr, never as if it were."""
    day = date(2026, 6, 17)
    target: dict[object, object] = {**minimal_target(TargetProvider.BASETEN), day: 1, "2026-06-17": 2}
    assert found(rules.validate_target(target)) == [
        ("targets[0].2026-06-17", "unknown-field"),
        ("targets[0].datetime.date(2026, 6, 17)", "unknown-field"),
    ]


def test_unknown_fields_are_reported_with_a_bad_provider() -> None:
    assert found(rules.validate_target({"provider": "X", "extra": 1})) == [
        ("targets[0].extra", "unknown-field"),
        ("targets[0].provider", "provider"),
    ]


# -- base_url ------------------------------------------------------------------------------------------------


def _compatible(base_url: object) -> dict[str, Any]:
    return {**minimal_target(TargetProvider.OPENAI_COMPATIBLE), "base_url": base_url}


@pytest.mark.parametrize(
    "url",
    [
        "https://my-vllm.example.com",
        "https://my-vllm.example.com/",
        "https://my-vllm.example.com/openai/v1",
        "https://api.example.com/v1?api-version=2",
        "https://192.0.2.10",
        "https://[2001:db8::1]/v1",
        "https://localhost",
    ],
)
def test_valid_base_urls(url: str) -> None:
    assert rules.validate_target(_compatible(url)) == []


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("https://my-vllm.example.com:8443", "must not include a port"),
        ("https://my-vllm.example.com:443", "must not include a port"),
        ("https://my-vllm.example.com:0/v1", "must not include a port"),
        ("https://my-vllm.example.com:", "must not include a port"),
        ("https://[2001:db8::1]:8443", "must not include a port"),
        ("https://my-vllm.example.com:abc", "must be a valid https URL"),
        ("https://my-vllm.example.com:99999", "must be a valid https URL"),
        ("https://[2001:db8::1", "must be a valid https URL"),
        ("http://my-vllm.example.com", "must be an https URL with a host"),
        ("ftp://my-vllm.example.com", "must be an https URL with a host"),
        ("my-vllm.example.com", "must be an https URL with a host"),
        ("//my-vllm.example.com", "must be an https URL with a host"),
        ("https://", "must be an https URL with a host"),
        ("https:///v1", "must be an https URL with a host"),
        ("https://:443", "must be an https URL with a host"),
        ("not-a-url", "must be an https URL with a host"),
        ("not a url", "must be a valid https URL"),
        ("https:my-vllm.example.com", "must be an https URL with a host"),
        # urlsplit strips or drops these silently; the API would get the raw string
        (" https://my-vllm.example.com", "must be a valid https URL"),
        ("https://my-vllm.example.com ", "must be a valid https URL"),
        ("https://my vllm.example.com", "must be a valid https URL"),
        ("https://my-vllm\n.example.com", "must be a valid https URL"),
        ("https://my-vllm.example.com/v1\t", "must be a valid https URL"),
        ("https://my-vllm.example.com\x00", "must be a valid https URL"),
        ("https://my-vllm.example.com\u00a0", "must be a valid https URL"),
        ("https://my-vllm.example.com\u200b/v1", "must be a valid https URL"),
    ],
)
def test_invalid_base_urls(url: str, fragment: str) -> None:
    violations = rules.validate_target(_compatible(url))
    assert found(violations) == [("targets[0].base_url", "target-fields")]
    assert fragment in violations[0].message
    assert repr(url) in violations[0].message


@pytest.mark.parametrize(
    "url", ["https://user:hunter2@my-vllm.example.com", "https://token@my-vllm.example.com/v1"]
)
def test_base_url_credentials_are_refused_without_echo(url: str) -> None:
    violations = rules.validate_target(_compatible(url))
    assert found(violations) == [("targets[0].base_url", "target-fields")]
    assert violations[0].message == "must not include credentials (user:password@); use secret_id"
    assert url not in violations[0].message


@pytest.mark.parametrize(
    ("value", "message"), [(443, "must be a string, got int"), ("", "must not be empty")]
)
def test_base_url_type(value: object, message: str) -> None:
    violations = rules.validate_target(_compatible(value))
    assert found(violations) == [("targets[0].base_url", "field-type")]
    assert violations[0].message == message


# -- vertex_config -------------------------------------------------------------------------------------------


def _vertex(config: object) -> dict[str, Any]:
    return {"provider": "VERTEX", "target_model": "gemini-2.5-pro", "vertex_config": config}


def test_valid_vertex_config() -> None:
    assert rules.validate_target(_vertex({"project_id": "my-gcp-project", "location": "global"})) == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"project_id": "p"}, [("targets[0].vertex_config.location", "target-fields")]),
        ({"location": "global"}, [("targets[0].vertex_config.project_id", "target-fields")]),
        (
            {},
            [
                ("targets[0].vertex_config.location", "target-fields"),
                ("targets[0].vertex_config.project_id", "target-fields"),
            ],
        ),
        ({"project_id": None, "location": "l"}, [("targets[0].vertex_config.project_id", "target-fields")]),
        ({"project_id": "", "location": "l"}, [("targets[0].vertex_config.project_id", "field-type")]),
        ({"project_id": 5, "location": "l"}, [("targets[0].vertex_config.project_id", "field-type")]),
        ({"project_id": "p", "location": ["l"]}, [("targets[0].vertex_config.location", "field-type")]),
        (
            {"project_id": "p", "location": "l", "region": "x", 3: 4},
            [
                ("targets[0].vertex_config.3", "unknown-field"),
                ("targets[0].vertex_config.region", "unknown-field"),
            ],
        ),
        ("my-gcp-project/global", [("targets[0].vertex_config", "field-type")]),
        (["my-gcp-project", "global"], [("targets[0].vertex_config", "field-type")]),
        (5, [("targets[0].vertex_config", "field-type")]),
    ],
)
def test_invalid_vertex_config(config: object, expected: list[tuple[str, str]]) -> None:
    assert found(rules.validate_target(_vertex(config))) == expected


def test_missing_vertex_field_message() -> None:
    (violation,) = rules.validate_target(_vertex({"project_id": "p"}))
    assert violation.message == "is required for VERTEX targets"


def test_vertex_config_messages_and_a_field_not_known_yet() -> None:
    unknown = object()

    def broken(config: object) -> list[str]:
        return [str(v) for v in rules.validate_target(_vertex(config), is_unknown=lambda v: v is unknown)]

    assert broken("my-gcp-project/global") == ["targets[0].vertex_config: must be an object, got str"]
    assert broken({"project_id": "p", "location": "l", "zone": "z"}) == [
        "targets[0].vertex_config.zone: is not a vertex_config field"
    ]
    # A field not known yet is skipped, and the next one is still checked.
    assert broken({"project_id": unknown}) == [
        "targets[0].vertex_config.location: is required for VERTEX targets"
    ]
    assert broken({"project_id": unknown, "location": unknown}) == []


def test_vertex_config_on_another_provider_is_not_inspected() -> None:
    target = {**minimal_target(TargetProvider.OPENAI), "vertex_config": {"junk": 1}}
    assert found(rules.validate_target(target)) == [("targets[0].vertex_config", "target-fields")]


# -- target lists --------------------------------------------------------------------------------------------


def test_one_target() -> None:
    assert rules.validate_targets([minimal_target(TargetProvider.BASETEN)]) == []
    assert rules.validate_targets((minimal_target(TargetProvider.OPENAI),)) == []


def test_missing_targets() -> None:
    assert found(rules.validate_targets(None)) == [("targets", "required")]


@pytest.mark.parametrize(
    ("targets", "type_name"),
    [("BASETEN", "str"), (b"x", "bytes"), ({"provider": "BASETEN", "model_id": "x"}, "dict"), (5, "int")],
)
def test_targets_not_a_list(targets: object, type_name: str) -> None:
    violations = rules.validate_targets(targets)
    assert found(violations) == [("targets", "field-type")]
    assert violations[0].message == f"must be a list, got {type_name}"


def test_empty_target_list() -> None:
    violations = rules.validate_targets([])
    assert found(violations) == [("targets", "single-target")]
    assert violations[0].message == "must hold exactly one target, got 0"


def test_two_targets() -> None:
    violations = rules.validate_targets(
        [minimal_target(TargetProvider.BASETEN), minimal_target(TargetProvider.OPENAI)]
    )
    assert found(violations) == [("targets", "single-target")]
    assert violations[0].message == "must hold exactly one target, got 2"


def test_every_target_of_a_list_is_checked() -> None:
    targets = [minimal_target(TargetProvider.BASETEN), 5, {"provider": "OPENAI"}]
    assert found(rules.validate_targets(targets, path="spec.targets")) == [
        ("spec.targets", "single-target"),
        ("spec.targets[1]", "field-type"),
        ("spec.targets[2].secret_id", "target-fields"),
        ("spec.targets[2].target_model", "target-fields"),
    ]


# -- organization policies -----------------------------------------------------------------------------------


def test_owned_prefix() -> None:
    assert rules.validate_prefix_ownership("acme/glm", {"acme", "globex"}) == []


def test_foreign_prefix() -> None:
    violations = rules.validate_prefix_ownership("initech/glm", ["globex", "acme"])
    assert found(violations) == [("slug", "org-prefix")]
    assert violations[0].message == (
        "prefix 'initech' of slug 'initech/glm' is not one of the organization's prefixes: acme, globex"
    )


@pytest.mark.parametrize("slug", ["acme-evil/glm", "acme./glm", "acm/glm", "ACME/glm", "xacme/glm"])
def test_a_prefix_is_owned_only_when_it_is_exactly_an_owned_one(slug: str) -> None:
    # The docs: the org_prefix "must be a prefix your organization owns": the whole first segment, not
    # a string that starts (or ends) like one.
    assert found(rules.validate_prefix_ownership(slug, {"acme"})) == [("slug", "org-prefix")]


def test_no_owned_prefixes() -> None:
    (violation,) = rules.validate_prefix_ownership("acme/glm", set(), path="s")
    assert (violation.path, violation.rule) == ("s", "org-prefix")
    assert violation.message.endswith("prefixes: (none)")


@pytest.mark.parametrize("slug", ["noslash", None, 5, ["acme/x"]])
def test_prefix_of_a_malformed_slug_is_left_to_the_slug_rule(slug: object) -> None:
    assert rules.validate_prefix_ownership(slug, {"acme"}) == []


def test_allowed_providers() -> None:
    targets = [minimal_target(TargetProvider.BASETEN)]
    assert rules.validate_provider_allowed(targets, {"BASETEN", "OPENAI"}) == []


def test_disallowed_providers() -> None:
    targets = [
        minimal_target(TargetProvider.OPENAI),
        minimal_target(TargetProvider.BASETEN),
        minimal_target(TargetProvider.VERTEX),
    ]
    violations = rules.validate_provider_allowed(targets, {"BASETEN"}, path="t")
    assert found(violations) == [
        ("t[0].provider", "allowed-providers"),
        ("t[2].provider", "allowed-providers"),
    ]
    assert violations[0].message == "provider 'OPENAI' is not allowed here; allowed: BASETEN"
    (none_allowed,) = rules.validate_provider_allowed([minimal_target(TargetProvider.BASETEN)], ())
    assert none_allowed.message.endswith("allowed: (none)")


def test_a_target_that_is_no_object_does_not_hide_the_next_ones_provider() -> None:
    targets = ["not a target", minimal_target(TargetProvider.OPENAI)]
    assert found(rules.validate_provider_allowed(targets, {"BASETEN"})) == [
        ("targets[1].provider", "allowed-providers")
    ]


def test_whether_a_value_holds_something_not_known_yet_looks_at_every_level() -> None:
    unknown = object()

    def holds(value: object) -> bool:
        return contains_unknown(value, lambda v: v is unknown)

    assert holds(unknown)
    assert holds([1, unknown])
    assert holds((1, {"a": [unknown]}))
    assert holds({"a": 1, "b": {"c": unknown}})
    for known in (None, 1, "x", [], {}, [1, {"a": "b"}], {"a": [1, 2]}):
        assert not holds(known)


def test_the_message_lists_every_allowed_provider() -> None:
    (violation,) = rules.validate_provider_allowed(
        [minimal_target(TargetProvider.VERTEX)], {"OPENAI", "BASETEN"}
    )
    assert violation.message == "provider 'VERTEX' is not allowed here; allowed: BASETEN, OPENAI"


def test_a_provider_not_known_yet_is_allowed_even_when_the_engine_sends_it_as_a_string() -> None:
    # The engine's gRPC protocol carries an unknown as a sentinel string (pulumi.runtime.rpc.UNKNOWN).
    sentinel = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    targets = [{**minimal_target(TargetProvider.BASETEN), "provider": sentinel}]
    assert (
        rules.validate_provider_allowed(targets, {"BASETEN"}, is_unknown=lambda value: value == sentinel)
        == []
    )


@pytest.mark.parametrize(
    "targets", [None, "OPENAI", {"provider": "OPENAI"}, [5, None, "OPENAI"], [{"provider": 5}], [{}]]
)
def test_allowed_providers_leave_malformed_targets_to_other_rules(targets: object) -> None:
    assert rules.validate_provider_allowed(targets, {"BASETEN"}) == []


# -- whole endpoints -----------------------------------------------------------------------------------------


def test_valid_endpoint() -> None:
    targets = [minimal_target(TargetProvider.BASETEN)]
    assert rules.validate_endpoint("acme/glm", targets) == []
    assert rules.validate_endpoint("acme/glm", targets, "EU", owned_prefixes={"acme"}) == []


def test_endpoint_violations_are_aggregated() -> None:
    violations = rules.validate_endpoint("no-slash", [{"provider": "OPENAI"}, 5], "MARS")
    assert found(violations) == [
        ("region", "region"),
        ("slug", "slug-format"),
        ("targets", "single-target"),
        ("targets[0].secret_id", "target-fields"),
        ("targets[0].target_model", "target-fields"),
        ("targets[1]", "field-type"),
    ]


def test_endpoint_prefix_ownership_only_when_asked() -> None:
    targets = [minimal_target(TargetProvider.BASETEN)]
    assert rules.validate_endpoint("initech/glm", targets) == []
    assert found(rules.validate_endpoint("initech/glm", targets, owned_prefixes={"acme"})) == [
        ("slug", "org-prefix")
    ]
    assert found(rules.validate_endpoint("initech/glm", targets, owned_prefixes=set())) == [
        ("slug", "org-prefix")
    ]


def test_endpoint_prefix_ownership_is_skipped_for_a_malformed_slug() -> None:
    targets = [minimal_target(TargetProvider.BASETEN)]
    assert found(rules.validate_endpoint("initech/", targets, owned_prefixes={"acme"})) == [
        ("slug", "slug-format")
    ]


def test_endpoint_missing_everything() -> None:
    assert found(rules.validate_endpoint(None, None)) == [("slug", "required"), ("targets", "required")]


# -- canonical form ------------------------------------------------------------------------------------------


def test_canonical_target_drops_unset_fields() -> None:
    target = {"provider": "BASETEN", "model_id": "3kZ9xqd", "secret_id": None, "target_model": None}
    assert rules.canonical_target(target) == {"provider": "BASETEN", "model_id": "3kZ9xqd"}


def test_canonical_target_drops_the_production_environment() -> None:
    target = {"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": rules.PRODUCTION_ENVIRONMENT}
    assert rules.canonical_target(target) == {"provider": "BASETEN", "model_id": "3kZ9xqd"}


def test_canonical_target_keeps_other_environments() -> None:
    target = {"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": "staging"}
    assert rules.canonical_target(target) == target


def test_canonical_target_orders_fields_and_drops_unknown_ones() -> None:
    target = {"target_model": "m", "extra": 1, "secret_id": "s", "provider": "OPENAI"}
    canonical = rules.canonical_target(target)
    assert list(canonical) == ["provider", "secret_id", "target_model"]


def test_canonical_vertex_config() -> None:
    target = _vertex({"location": "global", "project_id": "p", "extra": None})
    assert rules.canonical_target(target)["vertex_config"] == {"location": "global", "project_id": "p"}


def test_canonical_targets_keep_order() -> None:
    targets = [minimal_target(TargetProvider.OPENAI), minimal_target(TargetProvider.BASETEN)]
    assert [t["provider"] for t in rules.canonical_targets(targets)] == ["OPENAI", "BASETEN"]


def test_canonical_form_equals_the_api_form() -> None:
    for provider in TargetProvider:
        target = minimal_target(provider)
        api_form = msgspec.convert(target, models.Target).to_api()
        assert rules.canonical_target(api_form) == rules.canonical_target(target) == target


# -- property tests ------------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
provider_values = st.sampled_from([p.value for p in TargetProvider])
field_values = (
    json_values
    | provider_values
    | st.sampled_from(["3kZ9xqd", "production", "https://example.com", "https://example.com:8443", " "])
    | st.fixed_dictionaries(
        {}, optional={"project_id": json_values, "location": json_values, "x": json_values}
    )
)
target_keys = st.sampled_from(TARGET_FIELDS) | st.text(max_size=8)
arbitrary_targets = st.one_of(
    st.dictionaries(target_keys, field_values, max_size=8),
    st.tuples(provider_values, st.dictionaries(target_keys, field_values, max_size=8)).map(
        lambda pair: {**pair[1], "provider": pair[0]}
    ),
)
anything = json_values | arbitrary_targets | st.lists(arbitrary_targets, max_size=3)
path_prefixes = st.sampled_from(["slug", "targets", "region", "spec.targets[2]"]) | st.text(
    min_size=1, max_size=6
)
name_sets = st.frozensets(st.text(max_size=6) | provider_values, max_size=3)


def _check_violations(violations: object, *prefixes: str) -> None:
    assert isinstance(violations, list)
    for violation in violations:
        assert isinstance(violation, Violation)
        assert violation.path.startswith(prefixes), (violation, prefixes)
        assert violation.rule in RULE_NAMES
        assert isinstance(violation.message, str)
        assert violation.message
        str(violation)


@SETTINGS
@given(value=anything, path=path_prefixes, names=name_sets)
def test_every_validator_accepts_anything(value: object, path: str, names: frozenset[str]) -> None:
    _check_violations(rules.validate_slug(value, path=path), path)
    _check_violations(rules.validate_region(value, path=path), path)
    _check_violations(rules.validate_target(value, path=path), path)
    _check_violations(rules.validate_targets(value, path=path), path)
    _check_violations(rules.validate_prefix_ownership(value, names, path=path), path)
    _check_violations(rules.validate_provider_allowed(value, names, path=path), path)
    assert isinstance(rules.slug_prefix(value), (str, type(None)))


@SETTINGS
@given(
    slug=json_values,
    targets=st.lists(arbitrary_targets, max_size=3) | json_values,
    region=json_values | st.sampled_from([r.value for r in Region]),
    owned=st.none() | name_sets,
)
def test_validate_endpoint_accepts_anything(
    slug: object, targets: object, region: object, owned: Any
) -> None:
    violations = rules.validate_endpoint(slug, targets, region, owned_prefixes=owned)
    _check_violations(violations, "slug", "targets", "region")


@SETTINGS
@given(target=arbitrary_targets)
def test_arbitrary_targets(target: dict[Any, Any]) -> None:
    violations = rules.validate_target(target)
    _check_violations(violations, "targets[0]")
    unknown_fields = {
        v.path
        for v in violations
        if v.rule == "unknown-field" and not v.path.startswith("targets[0].vertex_config.")
    }
    assert unknown_fields == {f"targets[0].{key}" for key in target if key not in TARGET_FIELDS}
    canonical = rules.canonical_target(target)
    assert set(canonical) <= set(TARGET_FIELDS)
    assert None not in canonical.values()
    assert canonical.get("environment_name") != rules.PRODUCTION_ENVIRONMENT


# -- valid endpoints -----------------------------------------------------------------------------------------

slug_segments = st.from_regex(r"[A-Za-z0-9._~-]{1,30}", fullmatch=True).filter(lambda s: s not in (".", ".."))
valid_slugs = st.tuples(slug_segments, slug_segments).map("/".join)
valid_text = st.text(min_size=1, max_size=30).filter(lambda t: t.strip() and t.isprintable())
valid_base_urls = st.builds(
    "https://{}{}".format, domains(max_length=80), st.sampled_from(["", "/", "/v1", "/openai/v1"])
)
VALID_FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "model_id": valid_text,
    "environment_name": valid_text | st.just(rules.PRODUCTION_ENVIRONMENT),
    "secret_id": valid_text,
    "target_model": valid_text,
    "base_url": valid_base_urls,
    "vertex_config": st.fixed_dictionaries({"project_id": valid_text, "location": valid_text}),
}


@st.composite
def valid_targets(draw: st.DrawFn) -> dict[str, Any]:
    provider = draw(st.sampled_from(list(TargetProvider)))
    target: dict[str, Any] = {"provider": draw(st.sampled_from([provider.value, provider]))}
    for field in sorted(REQUIRED[provider]):
        target[field] = draw(VALID_FIELD_VALUES[field])
    for field in sorted(OPTIONAL[provider]):
        choice = draw(st.sampled_from(["absent", "null", "set"]))
        if choice != "absent":
            target[field] = None if choice == "null" else draw(VALID_FIELD_VALUES[field])
    for field in sorted(FORBIDDEN[provider]):
        if draw(st.booleans()):
            target[field] = None
    return target


valid_regions = st.sampled_from([None, *(r.value for r in Region)])


@SETTINGS
@given(slug=valid_slugs, target=valid_targets(), region=valid_regions)
def test_valid_endpoints_pass_every_rule(slug: str, target: dict[str, Any], region: str | None) -> None:
    assert rules.validate_endpoint(slug, [target], region) == []
    assert rules.validate_endpoint(slug, [target], region, owned_prefixes={slug.split("/")[0]}) == []
    assert rules.validate_provider_allowed([target], {p.value for p in TargetProvider}) == []
    body: dict[str, Any] = {"slug": slug, "targets": [target]}
    if region is not None:
        body["region"] = region
    request = msgspec.convert(body, models.CreateEndpointRequest)
    assert request.region.value == (region or Region.UNRESTRICTED.value)
    # what the API would echo compares equal to what was declared
    assert rules.canonical_target(request.targets[0].to_api()) == rules.canonical_target(
        {**target, "provider": request.targets[0].provider.value}
    )


# -- near misses: every rule, broken alone ------------------------------------------------------------------


@st.composite
def _valid_target_of(draw: st.DrawFn, provider: str) -> dict[str, Any]:
    """A valid target of ``provider`` with every required field set (drawn values) and optional ones
    absent, null or set: a skeleton for the near misses."""
    target: dict[str, Any] = {"provider": provider}
    for field in sorted(REQUIRED[TargetProvider(provider)]):
        target[field] = draw(VALID_FIELD_VALUES[field])
    for field in sorted(OPTIONAL[TargetProvider(provider)]):
        choice = draw(st.sampled_from(["absent", "null", "set"]))
        if choice != "absent":
            target[field] = None if choice == "null" else draw(VALID_FIELD_VALUES[field])
    return target


@SETTINGS
@given(provider=st.sampled_from(oracle.PROVIDERS), data=st.data())
def test_each_rule_alone_breaks_a_valid_target_at_its_path(provider: str, data: st.DataObject) -> None:
    """A valid skeleton passes; each of its provider's near misses (drawn values) is reported at its path
    and only there. Every rule of the drawn provider is tried, so every rule is reached in a run."""
    skeleton = data.draw(_valid_target_of(provider), label="skeleton")
    assert rules.validate_target(skeleton) == []
    for miss in oracle.near_misses(provider):
        value: Any = None
        if miss.change == "add":
            value = data.draw(VALID_FIELD_VALUES[miss.target_field], label=miss.name)
        elif miss.change == "port":
            value = data.draw(oracle.PORTS, label=miss.name)
        elif miss.change == "scheme":
            value = data.draw(oracle.SCHEMES, label=miss.name)
        target = miss.apply(skeleton, value)
        paths = [v.path for v in rules.validate_target(target)]
        assert paths, f"{miss.name}: {target!r} passed, against {miss.rule.cite()}"
        assert all(p == miss.path or p.startswith(miss.path + ".") for p in paths), (miss.name, paths)
        event(miss.name)


def test_the_near_miss_property_reaches_every_rule() -> None:
    """Not vacuous: run the property again, counting the near misses it judged."""
    reached: Counter[str] = Counter()
    original = oracle.near_misses

    def counting(provider: str) -> list[oracle.NearMiss]:
        misses = original(provider)
        reached.update(m.name for m in misses)
        return misses

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(oracle, "near_misses", counting)
        test_each_rule_alone_breaks_a_valid_target_at_its_path()
    every = {m.name for p in oracle.PROVIDERS for m in original(p)}
    assert set(reached) == every


# -- unknown values (preview placeholders) -------------------------------------------------------------------


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


def is_unknown(value: object) -> bool:
    return value is UNKNOWN


Endpoint = dict[str, Any]


def _under(path: str, candidate: str) -> bool:
    return candidate == path or candidate.startswith((f"{path}.", f"{path}["))


def _replacements(endpoint: Endpoint) -> list[tuple[str, Endpoint]]:
    """Every field of an endpoint that can be unknown, each with a copy of the endpoint where it is."""
    choices: list[tuple[str, Endpoint]] = [
        (key, {**endpoint, key: UNKNOWN}) for key in ("slug", "targets", "region")
    ]
    targets = endpoint["targets"]
    if not isinstance(targets, list):
        return choices

    def with_target(index: int, target: object) -> Endpoint:
        copy = list(targets)
        copy[index] = target
        return {**endpoint, "targets": copy}

    for index, target in enumerate(targets):
        path = f"targets[{index}]"
        choices.append((path, with_target(index, UNKNOWN)))
        if not isinstance(target, Mapping):
            continue
        for field in TARGET_FIELDS:
            choices.append((f"{path}.{field}", with_target(index, {**target, field: UNKNOWN})))
        vertex = target.get("vertex_config")
        if isinstance(vertex, Mapping):
            for key in ("project_id", "location"):
                changed = {**target, "vertex_config": {**vertex, key: UNKNOWN}}
                choices.append((f"{path}.vertex_config.{key}", with_target(index, changed)))
    return choices


def _validate(endpoint: Endpoint, owned: frozenset[str] | None) -> set[Violation]:
    return set(
        rules.validate_endpoint(
            endpoint["slug"],
            endpoint["targets"],
            endpoint["region"],
            owned_prefixes=owned,
            is_unknown=is_unknown,
        )
    )


@SETTINGS
@given(
    endpoint=st.fixed_dictionaries(
        {
            "slug": valid_slugs | json_values,
            "targets": st.lists(arbitrary_targets | valid_targets(), max_size=2) | json_values,
            "region": valid_regions | json_values,
        }
    ),
    owned=st.none() | name_sets,
    data=st.data(),
)
def test_an_unknown_value_is_never_judged(
    endpoint: Endpoint, owned: frozenset[str] | None, data: st.DataObject
) -> None:
    path, changed = data.draw(st.sampled_from(_replacements(endpoint)), label="unknown field")
    before = _validate(endpoint, owned)
    after = _validate(changed, owned)
    assert not [v for v in after if _under(path, v.path)], path
    # an unknown value only ever hides problems, it never creates one elsewhere
    assert after <= before


@SETTINGS
@given(slug=valid_slugs, target=valid_targets(), region=valid_regions, data=st.data())
def test_a_valid_endpoint_with_an_unknown_value_is_valid(
    slug: str, target: dict[str, Any], region: str | None, data: st.DataObject
) -> None:
    endpoint = {"slug": slug, "targets": [target], "region": region}
    _, changed = data.draw(st.sampled_from(_replacements(endpoint)), label="unknown field")
    assert _validate(changed, frozenset({slug.split("/")[0]})) == set()


def test_unknown_values_are_skipped_at_every_level() -> None:
    assert rules.validate_slug(UNKNOWN, is_unknown=is_unknown) == []
    assert rules.validate_region(UNKNOWN, is_unknown=is_unknown) == []
    assert rules.validate_targets(UNKNOWN, is_unknown=is_unknown) == []
    assert rules.validate_target(UNKNOWN, is_unknown=is_unknown) == []
    assert rules.validate_prefix_ownership(UNKNOWN, set(), is_unknown=is_unknown) == []
    assert rules.validate_provider_allowed(UNKNOWN, set(), is_unknown=is_unknown) == []
    assert rules.validate_provider_allowed([{"provider": UNKNOWN}], set(), is_unknown=is_unknown) == []
    # an unknown provider hides the provider-specific checks, not the unknown-field ones
    assert found(rules.validate_target({"provider": UNKNOWN, "bogus": 1}, is_unknown=is_unknown)) == [
        ("targets[0].bogus", "unknown-field")
    ]
    # an unknown vertex_config member
    target = _vertex({"project_id": UNKNOWN, "location": "global"})
    assert rules.validate_target(target, is_unknown=is_unknown) == []
    # without is_unknown the placeholder is just a wrong value
    assert found(rules.validate_slug(UNKNOWN)) == [("slug", "slug-format")]


@pytest.mark.parametrize("value", ["m\ud800", "line\nbreak", "nul\x00", "tab\there", "bidi\u202e"])
def test_target_strings_must_be_printable_text(value: str) -> None:
    """Control characters and lone surrogates would be stored and break strict JSON readers."""
    target = {"provider": "OPENAI", "secret_id": "s", "target_model": value}
    violations = rules.validate_target(target)
    assert found(violations) == [("targets[0].target_model", "field-type")]
    assert "must be printable text" in violations[0].message


def test_non_ascii_printable_text_is_fine() -> None:
    assert rules.validate_target({"provider": "OPENAI", "secret_id": "sé", "target_model": "模型-1"}) == []
