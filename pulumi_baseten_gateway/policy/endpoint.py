"""The Endpoint policies: five resource policies and one stack policy, each declared once below.

They call the same rule functions as the provider's ``check`` (:mod:`..api.rules.endpoint`), so a
rule changes in one place. They catch at ``pulumi preview`` time what the management API would otherwise
reject at ``pulumi up`` time (bad slug, bad target fields), plus organisation rules the API cannot know
about (which slug prefixes and which upstream providers a team may use).

Every validator gets its properties through :func:`.values.declared_props` (plain data under the
declared names, unknowns marked) and its config through its own declaration's
:meth:`~.spec.PolicySpec.config_for` (schema defaults applied).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
)

from ..api.models.endpoint import TargetProvider
from ..api.rules import endpoint as rules
from ..api.rules.common import Violation, is_sequence
from ..resources.endpoint.resource import ENDPOINT, ENDPOINT_TYPE_TOKEN
from .spec import (
    PolicySpec,
    ResourcePolicySpec,
    StackPolicySpec,
    report_all,
    reporter,
    string_list,
    string_list_schema,
)
from .values import declared_props, is_unknown

__all__ = [
    "ALLOWED_PROVIDERS",
    "ALLOWED_PROVIDERS_POLICY",
    "ENDPOINT_POLICIES",
    "ENDPOINT_TYPES",
    "ORG_PREFIX",
    "ORG_PREFIX_POLICY",
    "SINGLE_TARGET",
    "SINGLE_TARGET_POLICY",
    "SLUG_FORMAT",
    "SLUG_FORMAT_POLICY",
    "TARGET_FIELDS",
    "TARGET_FIELDS_POLICY",
    "UNIQUE_SLUGS",
    "UNIQUE_SLUGS_POLICY",
    "validate_allowed_providers",
    "validate_org_prefix",
    "validate_single_target",
    "validate_slug_format",
    "validate_target_fields",
    "validate_unique_slugs",
]

ORG_PREFIX_POLICY: Final = "baseten-endpoint-org-prefix"
SINGLE_TARGET_POLICY: Final = "baseten-endpoint-single-target"
TARGET_FIELDS_POLICY: Final = "baseten-endpoint-target-fields"
SLUG_FORMAT_POLICY: Final = "baseten-endpoint-slug-format"
ALLOWED_PROVIDERS_POLICY: Final = "baseten-endpoint-allowed-providers"
UNIQUE_SLUGS_POLICY: Final = "baseten-endpoint-unique-slugs"

_ALLOWED_PREFIXES = "allowedPrefixes"
_ALLOWED_PROVIDERS = "allowedProviders"
_ALL_PROVIDERS = tuple(p.value for p in TargetProvider)


# -- resource policies -----------------------------------------------------------------------------------


#: An Endpoint of the Python dynamic provider, and of the native provider (any language).
ENDPOINT_TYPES: Final = frozenset({ENDPOINT_TYPE_TOKEN, ENDPOINT.token})


def _is_endpoint(args: ResourceValidationArgs) -> bool:
    return args.resource_type in ENDPOINT_TYPES


def _input(args: ResourceValidationArgs, name: str) -> object:
    """One input of the resource under review, by its declared name: None when absent."""
    return declared_props(ENDPOINT, args.resource_type, args.props).get(name)


def validate_org_prefix(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """The slug's ``org_prefix`` is one of the configured ``allowedPrefixes``.

    The API rejects a prefix the organization does not own, but only at ``up``; the list of prefixes is
    known only to the organization, hence config. No prefixes configured is itself reported: a policy
    that cannot check must not look like a pass. A malformed slug is left to the slug-format policy.
    """
    if not _is_endpoint(args):
        return
    report = reporter(report_violation)
    slug = _input(args, "slug")
    prefixes, error = string_list(ORG_PREFIX.config_for(args.get_config()), _ALLOWED_PREFIXES)
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
    report_all(report, rules.validate_prefix_ownership(slug, prefixes, is_unknown=is_unknown))


def _targets_violations(args: ResourceValidationArgs) -> list[Violation]:
    return rules.validate_targets(_input(args, "targets"), path="targets", is_unknown=is_unknown)


def _concerns_target_list(violation: Violation) -> bool:
    """True for findings about the ``targets`` list itself (missing, not a list, wrong count)."""
    return violation.path == "targets"


def validate_single_target(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Exactly one target (the API's current limit), and ``targets`` present and a list.

    Findings about the list itself belong here; findings about one target's fields belong to
    :func:`validate_target_fields`, so nothing is reported twice.
    """
    if not _is_endpoint(args):
        return
    report_all(reporter(report_violation), [v for v in _targets_violations(args) if _concerns_target_list(v)])


def validate_target_fields(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Each target's provider-specific required and forbidden fields (``targets[i].field``)."""
    if not _is_endpoint(args):
        return
    report_all(
        reporter(report_violation), [v for v in _targets_violations(args) if not _concerns_target_list(v)]
    )


def validate_slug_format(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """``{org_prefix}/{name}`` with URL-safe segments; a missing slug is reported too."""
    if not _is_endpoint(args):
        return
    report_all(
        reporter(report_violation),
        rules.validate_slug(_input(args, "slug"), is_unknown=is_unknown),
    )


def _has_known_provider(target: object) -> bool:
    return isinstance(target, Mapping) and target.get("provider") in _ALL_PROVIDERS


def validate_allowed_providers(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Every target's provider is in ``allowedProviders`` (default: all), so an org can forbid some.

    A provider that is not a provider at all is left to :func:`validate_target_fields`.
    """
    if not _is_endpoint(args):
        return
    report = reporter(report_violation)
    allowed, error = string_list(ALLOWED_PROVIDERS.config_for(args.get_config()), _ALLOWED_PROVIDERS)
    if error is not None:
        report(error)
        return
    assert allowed is not None
    targets = _input(args, "targets")
    if is_sequence(targets):
        assert isinstance(targets, Sequence)
        # Keep the indexes (paths name them) but hide targets whose provider is invalid or unknown.
        targets = [t if _has_known_provider(t) else None for t in targets]
    report_all(report, rules.validate_provider_allowed(targets, allowed, is_unknown=is_unknown))


# -- stack policy ----------------------------------------------------------------------------------------


def validate_unique_slugs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """No two Endpoints of the stack share a slug: the second create would fail with a 400.

    One violation per shared slug, attached to the second resource, naming every resource involved.
    """
    by_slug: dict[str, list[tuple[str, str]]] = {}
    for resource in args.resources:
        if resource.resource_type not in ENDPOINT_TYPES:
            continue
        slug = declared_props(ENDPOINT, resource.resource_type, resource.props).get("slug")
        if isinstance(slug, str) and not is_unknown(slug):
            by_slug.setdefault(slug, []).append((resource.name, resource.urn))
    for slug, owners in by_slug.items():
        if len(owners) < 2:
            continue
        named = ", ".join(f"'{name}' ({urn})" for name, urn in owners)
        report_violation(f"slug: {slug!r} is used by {len(owners)} Endpoints: {named}", owners[1][1])


# -- the declarations: one literal per policy, in the pack's order ------------------------------------------

ORG_PREFIX: Final = ResourcePolicySpec(
    name=ORG_PREFIX_POLICY,
    display_name="Owned slug prefix",
    description="Endpoint slugs must start with one of the organization's registered prefixes.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config={
        _ALLOWED_PREFIXES: string_list_schema(
            "The slug prefixes ({org_prefix} of '{org_prefix}/{name}') this organization owns. "
            "Empty means not configured: every Endpoint is then reported."
        ),
    },
    validate=validate_org_prefix,
)

SINGLE_TARGET: Final = ResourcePolicySpec(
    name=SINGLE_TARGET_POLICY,
    display_name="Single target",
    description="Endpoints must have exactly one target.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate_single_target,
)

TARGET_FIELDS: Final = ResourcePolicySpec(
    name=TARGET_FIELDS_POLICY,
    display_name="Provider-specific target fields",
    description="Endpoint targets must set the fields their provider requires, and no others.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate_target_fields,
)

SLUG_FORMAT: Final = ResourcePolicySpec(
    name=SLUG_FORMAT_POLICY,
    display_name="Slug format",
    description="Endpoint slugs must have the form '{org_prefix}/{name}' with URL-safe segments.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate_slug_format,
)

ALLOWED_PROVIDERS: Final = ResourcePolicySpec(
    name=ALLOWED_PROVIDERS_POLICY,
    display_name="Allowed providers",
    description="Endpoint targets must use an allowed upstream provider.",
    enforcement_level=EnforcementLevel.ADVISORY,
    config={
        _ALLOWED_PROVIDERS: string_list_schema(
            "The upstream providers a target may use; leave out external ones to forbid them.",
            enum=_ALL_PROVIDERS,
            default=_ALL_PROVIDERS,
        ),
    },
    validate=validate_allowed_providers,
)

UNIQUE_SLUGS: Final = StackPolicySpec(
    name=UNIQUE_SLUGS_POLICY,
    display_name="Unique slugs in the stack",
    description="No two Endpoints in a stack may share a slug.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=validate_unique_slugs,
)

#: Every Endpoint policy, in the order the pack lists them.
ENDPOINT_POLICIES: Final[tuple[PolicySpec, ...]] = (
    ORG_PREFIX,
    SINGLE_TARGET,
    TARGET_FIELDS,
    SLUG_FORMAT,
    ALLOWED_PROVIDERS,
    UNIQUE_SLUGS,
)
