"""The one copy of every endpoint rule, as pure functions.

The provider's ``check``, the policy pack and the emulator all call these, so a rule changes in one place.
Each function takes untrusted input (JSON or Pulumi property values: any type at all), never raises,
and returns *every* violation it finds, each with the property path it concerns (``targets[0].secret_id``)
and a stable rule name. Values for which ``is_unknown`` answers true (Pulumi's placeholders during
preview) are skipped: they are checked again once known.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..models.endpoint import PROVIDER_FIELDS, EndpointInfo, Region, Target, TargetProvider, VertexConfig
from .common import (
    MAX_FIELD_LENGTH,
    IsUnknown,
    Violation,
    is_sequence,
    never_unknown,
    not_a,
    unknown_fields,
    validate_string,
)

__all__ = [
    "MAX_FIELD_LENGTH",
    "MAX_SLUG_LENGTH",
    "PRODUCTION_ENVIRONMENT",
    "TARGET_FIELDS",
    "Violation",
    "canonical_target",
    "canonical_targets",
    "endpoint_targets",
    "slug_prefix",
    "validate_endpoint",
    "validate_prefix_ownership",
    "validate_provider_allowed",
    "validate_region",
    "validate_slug",
    "validate_target",
    "validate_targets",
]

MAX_SLUG_LENGTH = 255
PRODUCTION_ENVIRONMENT = "production"

#: Every target field, ``provider`` first, as declared on :class:`~.model.Target`.
TARGET_FIELDS: tuple[str, ...] = Target.__struct_fields__
_VERTEX_FIELDS: tuple[str, ...] = VertexConfig.__struct_fields__

_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


def slug_prefix(slug: object) -> str | None:
    """The ``org_prefix`` part of a slug, or None when the slug has no ``/``."""
    if not isinstance(slug, str) or "/" not in slug:
        return None
    return slug.split("/", 1)[0]


def validate_slug(
    slug: object, *, path: str = "slug", is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """``{org_prefix}/{name}``: one ``/``, two non-empty URL-safe segments, bounded length."""
    if is_unknown(slug):
        return []
    rule = "slug-format"
    if slug is None:
        return [Violation(path, "required", "is required")]
    if not isinstance(slug, str):
        return [Violation(path, rule, f"must be a string, got {type(slug).__name__}")]
    if len(slug) > MAX_SLUG_LENGTH:
        return [Violation(path, rule, f"must be at most {MAX_SLUG_LENGTH} characters, got {len(slug)}")]
    segments = slug.split("/")
    if len(segments) != 2:
        return [
            Violation(
                path,
                rule,
                f"must have the form '{{org_prefix}}/{{name}}' with exactly one '/', got {slug!r}",
            )
        ]
    violations = []
    for label, segment in zip(("org_prefix", "name"), segments, strict=True):
        if not segment:
            violations.append(Violation(path, rule, f"{label} segment must not be empty in {slug!r}"))
        elif not _SEGMENT.fullmatch(segment):
            violations.append(
                Violation(
                    path,
                    rule,
                    f"{label} segment {segment!r} must be URL-safe: letters, digits, '-', '_', '.', '~'",
                )
            )
        elif segment in (".", ".."):
            violations.append(Violation(path, rule, f"{label} segment must not be {segment!r}"))
    return violations


def validate_region(
    region: object, *, path: str = "region", is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """Optional; when set, one of the ``Region`` values."""
    if region is None or is_unknown(region):
        return []
    if isinstance(region, str) and region in Region._value2member_map_:
        return []
    allowed = ", ".join(r.value for r in Region)
    return [Violation(path, "region", f"must be one of {allowed}, got {region!r}")]


def _validate_base_url(value: object, path: str) -> list[Violation]:
    rule = "target-fields"
    # urlsplit silently strips or drops whitespace and control characters, so it cannot judge them.
    if isinstance(value, str) and value.strip() and any(c.isspace() or not c.isprintable() for c in value):
        return [Violation(path, rule, f"must be a valid https URL, got {value!r}")]
    problems = validate_string(value, path)
    if problems or not isinstance(value, str):
        return problems
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return [Violation(path, rule, f"must be a valid https URL, got {value!r}")]
    if parts.scheme != "https" or not parts.hostname:
        return [Violation(path, rule, f"must be an https URL with a host, got {value!r}")]
    if port is not None or parts.netloc.endswith(":"):
        return [Violation(path, rule, f"must not include a port, got {value!r}")]
    if "@" in parts.netloc:
        # Credentials belong in the Baseten secret named by secret_id, never in state or the URL.
        return [Violation(path, rule, "must not include credentials (user:password@); use secret_id")]
    return []


def _validate_vertex_config(value: object, path: str, is_unknown: IsUnknown) -> list[Violation]:
    if not isinstance(value, Mapping):
        return [not_a("an object", value, path)]
    violations = []
    for key in _VERTEX_FIELDS:
        field = value.get(key)
        if is_unknown(field):
            continue
        if field is None:
            violations.append(Violation(f"{path}.{key}", "target-fields", "is required for VERTEX targets"))
        else:
            violations.extend(validate_string(field, f"{path}.{key}"))
    violations += unknown_fields(value, _VERTEX_FIELDS, path, "a vertex_config field")
    return violations


def validate_target(
    target: object, *, path: str = "targets[0]", is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """Provider-specific required and forbidden fields of one target."""
    if is_unknown(target):
        return []
    if not isinstance(target, Mapping):
        return [not_a("an object", target, path)]
    violations: list[Violation] = []
    for key in target:
        if key not in TARGET_FIELDS:
            shown = key if isinstance(key, str) else repr(key)
            violations.append(
                Violation(
                    f"{path}.{shown}",
                    "unknown-field",
                    f"is not a target field (known: {', '.join(TARGET_FIELDS)})",
                )
            )
    raw_provider = target.get("provider")
    if is_unknown(raw_provider):
        return violations
    if raw_provider is None:
        violations.append(Violation(f"{path}.provider", "required", "is required"))
        return violations
    if not isinstance(raw_provider, str) or raw_provider not in TargetProvider._value2member_map_:
        allowed = ", ".join(p.value for p in TargetProvider)
        violations.append(
            Violation(f"{path}.provider", "provider", f"must be one of {allowed}, got {raw_provider!r}")
        )
        return violations
    provider = TargetProvider(raw_provider)
    required, optional = PROVIDER_FIELDS[provider].required, PROVIDER_FIELDS[provider].optional
    for field in TARGET_FIELDS[1:]:
        value = target.get(field)
        field_path = f"{path}.{field}"
        if is_unknown(value):
            continue
        if value is None:
            if field in required:
                violations.append(
                    Violation(field_path, "target-fields", f"is required for {provider.value} targets")
                )
            continue
        if field not in required and field not in optional:
            violations.append(
                Violation(field_path, "target-fields", f"is not allowed for {provider.value} targets")
            )
            continue
        if field == "base_url":
            violations.extend(_validate_base_url(value, field_path))
        elif field == "vertex_config":
            violations.extend(_validate_vertex_config(value, field_path, is_unknown))
        else:
            violations.extend(validate_string(value, field_path))
    return violations


def validate_targets(
    targets: object, *, path: str = "targets", is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """Exactly one target today, and each target's provider fields."""
    if is_unknown(targets):
        return []
    if targets is None:
        return [Violation(path, "required", "is required")]
    if not is_sequence(targets):
        return [not_a("a list", targets, path)]
    assert isinstance(targets, Sequence)
    violations = []
    if len(targets) != 1:
        violations.append(
            Violation(path, "single-target", f"must hold exactly one target, got {len(targets)}")
        )
    for index, target in enumerate(targets):
        violations.extend(validate_target(target, path=f"{path}[{index}]", is_unknown=is_unknown))
    return violations


def validate_prefix_ownership(
    slug: object,
    owned_prefixes: Collection[str],
    *,
    path: str = "slug",
    is_unknown: IsUnknown = never_unknown,
) -> list[Violation]:
    """The slug's ``org_prefix`` is in ``owned_prefixes``; a malformed slug is left to ``validate_slug``."""
    if is_unknown(slug):
        return []
    prefix = slug_prefix(slug)
    if prefix is None or prefix in owned_prefixes:
        return []
    allowed = ", ".join(sorted(owned_prefixes)) or "(none)"
    return [
        Violation(
            path,
            "org-prefix",
            f"prefix {prefix!r} of slug {slug!r} is not one of the organization's prefixes: {allowed}",
        )
    ]


def validate_provider_allowed(
    targets: object,
    allowed_providers: Collection[str],
    *,
    path: str = "targets",
    is_unknown: IsUnknown = never_unknown,
) -> list[Violation]:
    """Every target's provider is in ``allowed_providers`` (an org may forbid external providers)."""
    if is_unknown(targets) or not is_sequence(targets):
        return []
    assert isinstance(targets, Sequence)
    violations = []
    for index, target in enumerate(targets):
        if not isinstance(target, Mapping):
            continue
        provider = target.get("provider")
        if is_unknown(provider) or not isinstance(provider, str) or provider in allowed_providers:
            continue
        allowed = ", ".join(sorted(allowed_providers)) or "(none)"
        violations.append(
            Violation(
                f"{path}[{index}].provider",
                "allowed-providers",
                f"provider {provider!r} is not allowed here; allowed: {allowed}",
            )
        )
    return violations


def validate_endpoint(
    slug: object,
    targets: object,
    region: object = None,
    *,
    owned_prefixes: Collection[str] | None = None,
    is_unknown: IsUnknown = never_unknown,
) -> list[Violation]:
    """Every rule for a whole endpoint; prefix ownership only when ``owned_prefixes`` is given."""
    violations = validate_slug(slug, is_unknown=is_unknown)
    if owned_prefixes is not None and not violations:
        violations += validate_prefix_ownership(slug, owned_prefixes, is_unknown=is_unknown)
    violations += validate_targets(targets, is_unknown=is_unknown)
    violations += validate_region(region, is_unknown=is_unknown)
    return violations


def canonical_target(target: Mapping[str, Any]) -> dict[str, Any]:
    """The comparable form of a (valid) target: unset and null fields dropped, production env omitted.

    ``environment_name: "production"`` means the same as no environment, and the API omits it for
    production; comparing canonical forms keeps diffs free of such noise.
    """
    canonical: dict[str, Any] = {}
    for key in TARGET_FIELDS:
        value = target.get(key)
        if value is None:
            continue
        if key == "environment_name" and value == PRODUCTION_ENVIRONMENT:
            continue
        if key == "vertex_config" and isinstance(value, Mapping):
            value = {k: value[k] for k in sorted(value) if value[k] is not None}
        canonical[key] = value
    return canonical


def canonical_targets(targets: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``canonical_target`` over a list, order kept (targets are priority-ordered)."""
    return [canonical_target(t) for t in targets]


def endpoint_targets(endpoint: EndpointInfo) -> list[dict[str, Any]]:
    """An API endpoint's targets in canonical form, comparable with canonical requested targets."""
    return canonical_targets(t.to_api() for t in endpoint.targets)
