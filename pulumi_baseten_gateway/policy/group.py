"""The Group policies: one stack policy and one resource policy, each declared once below.

* model slugs (stack): every ``models[].slug`` of a Group is an Endpoint of the same stack, or matches
  one of the configured ``allowedPrefixes`` (endpoints managed elsewhere). The API does not say whether it
  checks that a group's slug exists; a slug nobody serves only shows up as failing calls.
* rate limits (resource): every model of a Group carries at least one rate limit (optionally one of each
  configured type), so no customer key can call a model without a bound.

Both read Groups of the Python dynamic provider and of the native provider (camelCase names converted
by :func:`.values.declared_props`). A value unknown during preview is skipped, never reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
)

from ..api.models.group import LimitType
from ..api.rules.common import is_sequence
from ..resources.endpoint.resource import ENDPOINT
from ..resources.group.resource import GROUP, GROUP_TYPE_TOKEN
from .endpoint import ENDPOINT_TYPES
from .spec import PolicySpec, ResourcePolicySpec, StackPolicySpec, reporter, string_list, string_list_schema
from .values import declared_props, is_unknown

__all__ = [
    "GROUP_MODEL_SLUGS",
    "GROUP_MODEL_SLUGS_POLICY",
    "GROUP_POLICIES",
    "GROUP_RATE_LIMITS",
    "GROUP_RATE_LIMITS_POLICY",
    "GROUP_TYPES",
    "slug_matches_prefix",
    "validate_group_model_slugs",
    "validate_group_rate_limits",
]

GROUP_MODEL_SLUGS_POLICY: Final = "baseten-group-model-slugs"
GROUP_RATE_LIMITS_POLICY: Final = "baseten-group-rate-limits"

_ALLOWED_PREFIXES = "allowedPrefixes"
_REQUIRED_TYPES = "requiredTypes"
_LIMIT_TYPES = tuple(t.value for t in LimitType)

#: A Group of the Python dynamic provider, and of the native provider (any language).
GROUP_TYPES: Final = frozenset({GROUP_TYPE_TOKEN, GROUP.token})


def _models(resource_type: str, props: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """The group's models that are objects, with their index; none when ``models`` is not a known list.

    A missing, unknown or malformed ``models`` (or model) is the provider's check to report, not ours.
    """
    models = declared_props(GROUP, resource_type, props).get("models")
    if not is_sequence(models):
        return []
    assert isinstance(models, Sequence)
    return [(index, model) for index, model in enumerate(models) if isinstance(model, Mapping)]


# -- model slugs (stack policy) ---------------------------------------------------------------------------


def slug_matches_prefix(slug: str, prefix: str) -> bool:
    """An entry without ``/`` is an org prefix (``acme`` allows ``acme/x``, not ``acme-dev/x``); an entry
    with ``/`` is a plain start of the slug (``acme/shared-`` allows ``acme/shared-glm``)."""
    if "/" in prefix:
        return slug.startswith(prefix)
    return slug.split("/", 1)[0] == prefix


def validate_group_model_slugs(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Each Group model's slug is an Endpoint of this stack or matches one of ``allowedPrefixes``.

    One violation per unresolved slug, attached to the Group. A slug unknown during preview is skipped;
    so is every slug while some Endpoint of the stack has a slug that is not known yet (it might be that
    one). Endpoints read with ``Endpoint.get`` count: they are in the stack.
    """
    groups = [r for r in args.resources if r.resource_type in GROUP_TYPES]
    if not groups:
        return
    prefixes, error = string_list(GROUP_MODEL_SLUGS.config_for(args.get_config()), _ALLOWED_PREFIXES)
    if error is not None:
        for group in groups:
            report_violation(f"{error}; cannot check the model slugs of Group '{group.name}'", group.urn)
        return
    assert prefixes is not None
    declared: set[str] = set()
    pending = False  # some Endpoint's slug is not known yet
    for resource in args.resources:
        if resource.resource_type not in ENDPOINT_TYPES:
            continue
        slug = declared_props(ENDPOINT, resource.resource_type, resource.props).get("slug")
        if is_unknown(slug):
            pending = True
        elif isinstance(slug, str):
            declared.add(slug)
    allowed = ", ".join(prefixes) if prefixes else "none configured"
    for group in groups:
        for index, model in _models(group.resource_type, group.props):
            slug = model.get("slug")
            if is_unknown(slug) or not isinstance(slug, str):
                continue
            if slug in declared or any(slug_matches_prefix(slug, p) for p in prefixes) or pending:
                continue
            report_violation(
                f"models[{index}].slug: Group '{group.name}' gives access to {slug!r}, which is no Endpoint "
                f"of this stack and matches none of the allowed prefixes ({allowed}); declare that "
                f"Endpoint in this stack, correct the slug, or add its prefix to '{_ALLOWED_PREFIXES}' "
                f"of policy '{GROUP_MODEL_SLUGS_POLICY}'",
                group.urn,
            )


# -- rate limits (resource policy) ------------------------------------------------------------------------


def validate_group_rate_limits(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    """Each model of a Group has at least one rate limit, and one of each of ``requiredTypes``.

    Only the group's own ``rate_limits`` count: a limit inherited from a parent group is not visible
    here. Usage limits (per day) are not rate limits. A model whose limits are not known yet is skipped.
    """
    if args.resource_type not in GROUP_TYPES:
        return
    report = reporter(report_violation)
    required, error = string_list(GROUP_RATE_LIMITS.config_for(args.get_config()), _REQUIRED_TYPES)
    if error is not None:
        report(f"{error}; cannot check the rate limits of Group '{args.name}'")
        return
    assert required is not None
    for index, model in _models(args.resource_type, args.props):
        slug = model.get("slug")
        shown = "(slug unknown during preview)" if is_unknown(slug) else repr(slug)
        limits = model.get("rate_limits")
        if is_unknown(limits) or (limits is not None and not is_sequence(limits)):
            continue  # not known yet, or malformed (the provider's check reports that)
        entries: Sequence[object] = limits if isinstance(limits, Sequence) else ()
        if not entries:
            report(
                f"models[{index}].rate_limits: Group '{args.name}' lets its keys call {shown} without a "
                f"rate limit; add one (type {' or '.join(_LIMIT_TYPES)}, per SECOND or MINUTE)"
            )
            continue
        types = [entry.get("type") if isinstance(entry, Mapping) else entry for entry in entries]
        if any(is_unknown(t) for t in types):
            continue
        missing = [t for t in required if t not in types]
        if missing:
            report(
                f"models[{index}].rate_limits: Group '{args.name}' has no {' or '.join(missing)} rate "
                f"limit for {shown}; policy '{GROUP_RATE_LIMITS_POLICY}' requires one of each type in "
                f"'{_REQUIRED_TYPES}' ({', '.join(required)})"
            )


# -- the declarations -----------------------------------------------------------------------------------

GROUP_MODEL_SLUGS: Final = StackPolicySpec(
    name=GROUP_MODEL_SLUGS_POLICY,
    display_name="Group models are known endpoints",
    description=(
        "Every models[].slug of a Group must be the slug of an Endpoint in the same stack, or match one "
        "of the allowed prefixes (endpoints managed elsewhere)."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    config={
        _ALLOWED_PREFIXES: string_list_schema(
            "Slugs a Group may name without an Endpoint in the stack. An entry without '/' is an org "
            "prefix ('acme' allows 'acme/x'); an entry with '/' is the start of a slug "
            "('acme/shared-' allows 'acme/shared-glm'). Empty: only the stack's own Endpoints."
        ),
    },
    validate=validate_group_model_slugs,
)

GROUP_RATE_LIMITS: Final = ResourcePolicySpec(
    name=GROUP_RATE_LIMITS_POLICY,
    display_name="Rate-limited group models",
    description=(
        "Every model of a Group must carry at least one rate limit (and one of each type in "
        "requiredTypes); limits inherited from a parent group do not count."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    config={
        _REQUIRED_TYPES: string_list_schema(
            "Limit types each model must have a rate limit of ('TOKEN', 'REQUEST'). Empty: any one "
            "rate limit will do.",
            enum=_LIMIT_TYPES,
        ),
    },
    validate=validate_group_rate_limits,
)

#: Every Group policy, in the order the pack lists them.
GROUP_POLICIES: Final[tuple[PolicySpec, ...]] = (GROUP_MODEL_SLUGS, GROUP_RATE_LIMITS)
