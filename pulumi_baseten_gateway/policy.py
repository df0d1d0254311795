"""Policy as code for Baseten Frontier Gateway endpoints (a Pulumi CrossGuard policy pack).

The policies here call the same rule functions as the provider's ``check`` (:mod:`.rules`), so a rule
changes in one place. They catch at ``pulumi preview`` time what the management API would otherwise
reject at ``pulumi up`` time (bad slug, bad target fields), plus organisation rules the API cannot know
about (which slug prefixes and which upstream providers a team may use).

Building the pack is left to ``policy-pack/__main__.py``: constructing ``PolicyPack`` starts the gRPC
server and never returns, so this module only *describes* the policies (:func:`build_policies`).

Three things the SDK does not do for us, handled here:

* Property values arrive as the SDK's proxy objects, which are ``Sequence``/``Mapping`` but not
  ``list``/``dict``; they are copied into plain data first (:func:`plain_value`).
* Reading a value that is unknown during preview raises ``pulumi_policy.proxy.UnknownValueError``, and
  the SDK then skips the whole policy with an advisory "can't run policy ... during preview". The copy
  catches it per value and puts :data:`UNKNOWN` in its place, so the rules skip only what is unknown and
  still check the rest.
* The CLI fills a policy's config from its schema defaults before ``Configure``; a pack driven without the
  CLI gets no config at all. :func:`policy_config` applies the same defaults in the pack.

This module imports no client and makes no network call: policy review is offline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from .resources.endpoint import rules
from .resources.endpoint.model import ENDPOINT_TYPE_TOKEN, Provider

__all__ = [
    "ALLOWED_PROVIDERS_POLICY",
    "CONFIG_DEFAULTS",
    "DEFAULT_ENFORCEMENT_LEVELS",
    "ORG_PREFIX_POLICY",
    "POLICY_NAMES",
    "POLICY_PACK_NAME",
    "SINGLE_TARGET_POLICY",
    "SLUG_FORMAT_POLICY",
    "TARGET_FIELDS_POLICY",
    "UNIQUE_SLUGS_POLICY",
    "UNKNOWN",
    "build_policies",
    "is_unknown",
    "plain_value",
    "policy_config",
    "validate_allowed_providers",
    "validate_org_prefix",
    "validate_single_target",
    "validate_slug_format",
    "validate_target_fields",
    "validate_unique_slugs",
]

POLICY_PACK_NAME: Final = "baseten-gateway"

ORG_PREFIX_POLICY: Final = "baseten-endpoint-org-prefix"
SINGLE_TARGET_POLICY: Final = "baseten-endpoint-single-target"
TARGET_FIELDS_POLICY: Final = "baseten-endpoint-target-fields"
SLUG_FORMAT_POLICY: Final = "baseten-endpoint-slug-format"
ALLOWED_PROVIDERS_POLICY: Final = "baseten-endpoint-allowed-providers"
UNIQUE_SLUGS_POLICY: Final = "baseten-endpoint-unique-slugs"

POLICY_NAMES: Final = (
    ORG_PREFIX_POLICY,
    SINGLE_TARGET_POLICY,
    TARGET_FIELDS_POLICY,
    SLUG_FORMAT_POLICY,
    ALLOWED_PROVIDERS_POLICY,
    UNIQUE_SLUGS_POLICY,
)

#: Each policy's level when the config does not override it.
DEFAULT_ENFORCEMENT_LEVELS: Final[Mapping[str, EnforcementLevel]] = {
    ORG_PREFIX_POLICY: EnforcementLevel.MANDATORY,
    SINGLE_TARGET_POLICY: EnforcementLevel.MANDATORY,
    TARGET_FIELDS_POLICY: EnforcementLevel.MANDATORY,
    SLUG_FORMAT_POLICY: EnforcementLevel.MANDATORY,
    ALLOWED_PROVIDERS_POLICY: EnforcementLevel.ADVISORY,
    UNIQUE_SLUGS_POLICY: EnforcementLevel.MANDATORY,
}

_ALLOWED_PREFIXES = "allowedPrefixes"
_ALLOWED_PROVIDERS = "allowedProviders"
_ALL_PROVIDERS = tuple(p.value for p in Provider)

#: The JSON-schema properties of each configurable policy; ``default`` is what the CLI (and, without a
#: CLI, :func:`policy_config`) uses when the config file leaves a property out.
_CONFIG_PROPERTIES: Final[Mapping[str, Mapping[str, dict[str, Any]]]] = {
    ORG_PREFIX_POLICY: {
        _ALLOWED_PREFIXES: {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "uniqueItems": True,
            "default": [],
            "description": (
                "The slug prefixes ({org_prefix} of '{org_prefix}/{name}') this organization owns. "
                "Empty means not configured: every Endpoint is then reported."
            ),
        },
    },
    ALLOWED_PROVIDERS_POLICY: {
        _ALLOWED_PROVIDERS: {
            "type": "array",
            "items": {"type": "string", "enum": list(_ALL_PROVIDERS)},
            "uniqueItems": True,
            "default": list(_ALL_PROVIDERS),
            "description": "The upstream providers a target may use; leave out external ones to forbid them.",
        },
    },
}

#: The schema defaults per policy, as the CLI would send them.
CONFIG_DEFAULTS: Final[Mapping[str, Mapping[str, Any]]] = {
    name: {key: schema["default"] for key, schema in properties.items()}
    for name, properties in _CONFIG_PROPERTIES.items()
}


# -- unknown values and property proxies -----------------------------------------------------------------


class _Unknown:
    """Stands for a value Pulumi cannot know yet (preview); one instance, :data:`UNKNOWN`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unknown>"


#: Put in place of every value that was unknown when :func:`plain_value` copied the properties.
UNKNOWN: Final = _Unknown()

_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


def is_unknown(value: object) -> bool:
    """True for :data:`UNKNOWN` and for the raw protocol sentinels (props not wrapped in the SDK's proxy)."""
    return value is UNKNOWN or (isinstance(value, str) and value in _UNKNOWN_SENTINELS)


def _is_sequence(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))


def plain_value(value: object) -> object:
    """A plain ``dict``/``list`` copy of a property value, each unknown replaced by :data:`UNKNOWN`.

    Works on the SDK's proxies (reading an unknown item raises ``UnknownValueError``, caught per item)
    and on ordinary data, so the rules never see a proxy and never trip over an unknown.
    """
    if isinstance(value, Mapping):
        copied: dict[object, object] = {}
        for key in value:  # iterating a proxy's keys never raises; reading an unknown value does
            try:
                item = value[key]
            except UnknownValueError:
                copied[key] = UNKNOWN
            else:
                copied[key] = plain_value(item)
        return copied
    if _is_sequence(value):
        assert isinstance(value, Sequence)
        items: list[object] = []
        for index in range(len(value)):
            try:
                item = value[index]
            except UnknownValueError:
                items.append(UNKNOWN)
            else:
                items.append(plain_value(item))
        return items
    return UNKNOWN if is_unknown(value) else value


def _prop(props: Mapping[str, Any], key: str) -> object:
    """One input as plain data: None when absent, :data:`UNKNOWN` when unknown."""
    try:
        value = props[key]
    except KeyError:
        return None
    except UnknownValueError:
        return UNKNOWN
    return plain_value(value)


# -- configuration ---------------------------------------------------------------------------------------


def policy_config(policy_name: str, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The policy's schema defaults overlaid with the config it was given (the CLI's merge, done again).

    The CLI sends defaults for every property the user left out; a pack driven without the CLI gets an
    empty config, and must behave the same.
    """
    merged: dict[str, Any] = {
        key: plain_value(value) for key, value in CONFIG_DEFAULTS.get(policy_name, {}).items()
    }
    for key, value in (given or {}).items():
        merged[key] = plain_value(value)
    return merged


def _string_list(config: Mapping[str, Any], key: str) -> tuple[list[str] | None, str | None]:
    """``config[key]`` as a list of strings, or an error message (config not checked by a CLI)."""
    value = config.get(key)
    if _is_sequence(value):
        assert isinstance(value, Sequence)
        if all(isinstance(item, str) for item in value):
            return [str(item) for item in value], None
    return None, f"config.{key}: must be a list of strings, got {value!r}"


# -- resource policies -----------------------------------------------------------------------------------

_Report = Callable[[str], None]


def _reporter(report_violation: ReportViolation) -> _Report:
    def report(message: str) -> None:
        report_violation(message, None)

    return report


def _report_all(report: _Report, violations: Sequence[rules.Violation]) -> None:
    for violation in violations:
        report(str(violation))


def _is_endpoint(args: ResourceValidationArgs) -> bool:
    return args.resource_type == ENDPOINT_TYPE_TOKEN


def validate_org_prefix(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The slug's ``org_prefix`` is one of the configured ``allowedPrefixes``.

    The API rejects a prefix the organization does not own, but only at ``up``; the list of prefixes is
    known only to the organization, hence config. No prefixes configured is itself reported: a policy
    that cannot check must not look like a pass. A malformed slug is left to the slug-format policy.
    """
    if not _is_endpoint(args):
        return
    report = _reporter(report_violation)
    slug = _prop(args.props, "slug")
    prefixes, error = _string_list(policy_config(ORG_PREFIX_POLICY, args.get_config()), _ALLOWED_PREFIXES)
    if error is not None:
        report(f"{error}; cannot check the prefix of slug {slug!r}")
        return
    assert prefixes is not None
    if not prefixes:
        shown = "(unknown during preview)" if is_unknown(slug) else repr(slug)
        report(
            f"slug: cannot check the prefix of slug {shown}: no allowed prefixes are configured; set "
            f"'{_ALLOWED_PREFIXES}' for policy '{ORG_PREFIX_POLICY}' in the policy pack config"
        )
        return
    if rules.validate_slug(slug, is_unknown=is_unknown):
        return  # malformed: slug-format reports it (as in rules.validate_endpoint), no "prefix ''" noise
    _report_all(report, rules.validate_prefix_ownership(slug, prefixes, is_unknown=is_unknown))


def _targets_violations(args: ResourceValidationArgs) -> list[rules.Violation]:
    return rules.validate_targets(_prop(args.props, "targets"), path="targets", is_unknown=is_unknown)


def _concerns_target_list(violation: rules.Violation) -> bool:
    """True for findings about the ``targets`` list itself (missing, not a list, wrong count)."""
    return violation.path == "targets"


def validate_single_target(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Exactly one target (the API's current limit), and ``targets`` present and a list.

    Findings about the list itself belong here; findings about one target's fields belong to
    :func:`validate_target_fields`, so nothing is reported twice.
    """
    if not _is_endpoint(args):
        return
    _report_all(
        _reporter(report_violation), [v for v in _targets_violations(args) if _concerns_target_list(v)]
    )


def validate_target_fields(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Each target's provider-specific required and forbidden fields (``targets[i].field``)."""
    if not _is_endpoint(args):
        return
    _report_all(
        _reporter(report_violation), [v for v in _targets_violations(args) if not _concerns_target_list(v)]
    )


def validate_slug_format(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``{org_prefix}/{name}`` with URL-safe segments; a missing slug is reported too."""
    if not _is_endpoint(args):
        return
    _report_all(
        _reporter(report_violation), rules.validate_slug(_prop(args.props, "slug"), is_unknown=is_unknown)
    )


def _has_known_provider(target: object) -> bool:
    return isinstance(target, Mapping) and target.get("provider") in _ALL_PROVIDERS


def validate_allowed_providers(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Every target's provider is in ``allowedProviders`` (default: all), so an org can forbid some.

    A provider that is not a provider at all is left to :func:`validate_target_fields`.
    """
    if not _is_endpoint(args):
        return
    report = _reporter(report_violation)
    allowed, error = _string_list(
        policy_config(ALLOWED_PROVIDERS_POLICY, args.get_config()), _ALLOWED_PROVIDERS
    )
    if error is not None:
        report(error)
        return
    assert allowed is not None
    targets = _prop(args.props, "targets")
    if _is_sequence(targets):
        assert isinstance(targets, Sequence)
        # Keep the indexes (paths name them) but hide targets whose provider is invalid or unknown.
        targets = [t if _has_known_provider(t) else None for t in targets]
    _report_all(report, rules.validate_provider_allowed(targets, allowed, is_unknown=is_unknown))


# -- stack policy ----------------------------------------------------------------------------------------


def validate_unique_slugs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """No two Endpoints of the stack share a slug: the second create would fail with a 400.

    One violation per shared slug, attached to the second resource, naming every resource involved.
    """
    by_slug: dict[str, list[tuple[str, str]]] = {}
    for resource in args.resources:
        if resource.resource_type != ENDPOINT_TYPE_TOKEN:
            continue
        slug = _prop(resource.props, "slug")
        if isinstance(slug, str) and not is_unknown(slug):
            by_slug.setdefault(slug, []).append((resource.name, resource.urn))
    for slug, owners in by_slug.items():
        if len(owners) < 2:
            continue
        named = ", ".join(f"'{name}' ({urn})" for name, urn in owners)
        report_violation(f"slug: {slug!r} is used by {len(owners)} Endpoints: {named}", owners[1][1])


# -- the pack's policies ---------------------------------------------------------------------------------

_DESCRIPTIONS: Final[Mapping[str, str]] = {
    ORG_PREFIX_POLICY: "Endpoint slugs must start with one of the organization's registered prefixes.",
    SINGLE_TARGET_POLICY: "Endpoints must have exactly one target.",
    TARGET_FIELDS_POLICY: "Endpoint targets must set the fields their provider requires, and no others.",
    SLUG_FORMAT_POLICY: "Endpoint slugs must have the form '{org_prefix}/{name}' with URL-safe segments.",
    ALLOWED_PROVIDERS_POLICY: "Endpoint targets must use an allowed upstream provider.",
    UNIQUE_SLUGS_POLICY: "No two Endpoints in a stack may share a slug.",
}

_DISPLAY_NAMES: Final[Mapping[str, str]] = {
    ORG_PREFIX_POLICY: "Owned slug prefix",
    SINGLE_TARGET_POLICY: "Single target",
    TARGET_FIELDS_POLICY: "Provider-specific target fields",
    SLUG_FORMAT_POLICY: "Slug format",
    ALLOWED_PROVIDERS_POLICY: "Allowed providers",
    UNIQUE_SLUGS_POLICY: "Unique slugs in the stack",
}

_RESOURCE_VALIDATIONS: Final[Mapping[str, Callable[[ResourceValidationArgs, ReportViolation], None]]] = {
    ORG_PREFIX_POLICY: validate_org_prefix,
    SINGLE_TARGET_POLICY: validate_single_target,
    TARGET_FIELDS_POLICY: validate_target_fields,
    SLUG_FORMAT_POLICY: validate_slug_format,
    ALLOWED_PROVIDERS_POLICY: validate_allowed_providers,
}


def _config_schema(name: str) -> PolicyConfigSchema | None:
    properties = _CONFIG_PROPERTIES.get(name)
    if properties is None:
        return None
    return PolicyConfigSchema(properties={key: dict(schema) for key, schema in properties.items()})


def build_policies() -> list[Policy]:
    """Fresh policy objects for ``PolicyPack(name=POLICY_PACK_NAME, policies=build_policies())``."""
    policies: list[Policy] = [
        ResourceValidationPolicy(
            name=name,
            description=_DESCRIPTIONS[name],
            display_name=_DISPLAY_NAMES[name],
            enforcement_level=DEFAULT_ENFORCEMENT_LEVELS[name],
            config_schema=_config_schema(name),
            validate=validate,
        )
        for name, validate in _RESOURCE_VALIDATIONS.items()
    ]
    policies.append(
        StackValidationPolicy(
            name=UNIQUE_SLUGS_POLICY,
            description=_DESCRIPTIONS[UNIQUE_SLUGS_POLICY],
            display_name=_DISPLAY_NAMES[UNIQUE_SLUGS_POLICY],
            enforcement_level=DEFAULT_ENFORCEMENT_LEVELS[UNIQUE_SLUGS_POLICY],
            config_schema=_config_schema(UNIQUE_SLUGS_POLICY),
            validate=validate_unique_slugs,
        )
    )
    return policies


def serve() -> None:
    """Serve the pack's analyzer until killed (``baseten-gateway-policy-pack``, ``policy-pack/__main__.py``).

    The console script is a policy pack the CLI can run as an executable (``pulumi preview --policy-pack
    "$(command -v baseten-gateway-policy-pack)"``), with the interpreter it was installed into, no
    language host and no virtualenv of its own. The SDK writes the port line to the raw stdout buffer
    without flushing; the engine waits for that line, so stdout is made unbuffered first.
    """
    import io
    import sys

    from pulumi_policy import PolicyPack

    raw = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)  # noqa: SIM115 (lives until exit)
    sys.stdout = io.TextIOWrapper(raw, write_through=True)
    PolicyPack(name=POLICY_PACK_NAME, policies=build_policies())
