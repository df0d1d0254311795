"""Every Group rule, as pure functions over untrusted input (JSON or Pulumi values), and the canonical
(set-semantics) form of a model set.

Like the endpoint rules: each ``validate_*`` never raises, returns every violation with its property path
(``models[0].rate_limits[1].threshold``) and a stable rule name, and skips values not known yet
(``is_unknown``). Where the docs and the spec differ the spec, the newer source, wins: a ``threshold``
may be 0. Pulumi carries numbers as floats, so an integral float is an integer here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from ..models.group import (
    EffectiveGroupModel,
    GroupInfo,
    GroupModel,
    LimitEnforcement,
    LimitType,
    RateLimitUnit,
    UsageLimitUnit,
)
from .common import (
    IsUnknown,
    Violation,
    contains_unknown,
    each_object,
    is_sequence,
    never_unknown,
    not_a,
    unknown_fields,
)
from .endpoint import validate_slug

__all__ = [
    "MAX_TEXT_LENGTH",
    "canonical_effective_models",
    "canonical_models",
    "group_models",
    "validate_group",
    "validate_models",
    "validate_text",
]

MAX_TEXT_LENGTH = 255
_RATE, _USAGE = "rate_limits", "usage_limits"
_UNITS: Mapping[str, tuple[str, ...]] = {
    _RATE: tuple(u.value for u in RateLimitUnit),
    _USAGE: tuple(u.value for u in UsageLimitUnit),
}
_TYPES = tuple(t.value for t in LimitType)
_LIMIT_FIELDS = ("type", "unit", "threshold")
_MODEL_FIELDS = GroupModel.__struct_fields__
_MAX_THRESHOLD = 2**63 - 1


def validate_text(
    value: object,
    path: str,
    *,
    required: bool,
    is_unknown: IsUnknown = never_unknown,
) -> list[Violation]:
    """A printable string of 1 to 255 characters (or absent, when not ``required``)."""
    if is_unknown(value):
        return []
    if value is None:
        return [Violation(path, "required", "is required")] if required else []
    if not isinstance(value, str):
        return [not_a("a string", value, path)]
    if not 1 <= len(value) <= MAX_TEXT_LENGTH:
        return [Violation(path, "field-type", f"must be 1 to {MAX_TEXT_LENGTH} characters, got {len(value)}")]
    if not value.isprintable():
        return [Violation(path, "field-type", f"must be printable text, got {value!r}")]
    return []


def _integer(value: object) -> int | None:
    """``value`` as an int when it is one (an integral float included), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _validate_limits(limits: object, path: str, kind: str, is_unknown: IsUnknown) -> list[Violation]:
    if is_unknown(limits) or limits is None:
        return []
    if not is_sequence(limits):
        return [not_a("a list", limits, path)]
    assert isinstance(limits, Sequence)
    violations: list[Violation] = []
    seen: set[tuple[object, ...]] = set()
    for at, limit in each_object(limits, path, is_unknown, violations):
        found = unknown_fields(limit, _LIMIT_FIELDS, at, f"a limit field (known: {', '.join(_LIMIT_FIELDS)})")
        for field, allowed in (("type", _TYPES), ("unit", _UNITS[kind])):
            value = limit.get(field)
            if is_unknown(value):
                continue
            if value is None:
                found.append(Violation(f"{at}.{field}", "required", "is required"))
            elif value not in allowed:
                found.append(
                    Violation(f"{at}.{field}", "limit", f"must be one of {', '.join(allowed)}, got {value!r}")
                )
        threshold = limit.get("threshold")
        if not is_unknown(threshold):
            number = _integer(threshold)
            if threshold is None:
                found.append(Violation(f"{at}.threshold", "required", "is required"))
            elif number is None:
                found.append(Violation(f"{at}.threshold", "limit", f"must be an integer, got {threshold!r}"))
            elif not 0 <= number <= _MAX_THRESHOLD:
                found.append(Violation(f"{at}.threshold", "limit", f"must be at least 0, got {number}"))
        if not found and not contains_unknown(limit, is_unknown):
            key = (limit["type"],) if kind == _RATE else (limit["type"], limit["unit"])
            if key in seen:
                what = "type" if kind == _RATE else "type and unit"
                found.append(
                    Violation(at, "limit", f"at most one limit per {what}: {'/'.join(map(str, key))} repeats")
                )
            seen.add(key)
        violations += found
    return violations


def validate_models(
    models: object, *, path: str = "models", is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """A non-empty set of models: each slug once, well-formed limits."""
    if is_unknown(models):
        return []
    if models is None:
        return [Violation(path, "required", "is required")]
    if not is_sequence(models):
        return [not_a("a list", models, path)]
    assert isinstance(models, Sequence)
    if not models:
        return [Violation(path, "models", "must hold at least one model")]
    violations: list[Violation] = []
    slugs: set[str] = set()
    for at, model in each_object(models, path, is_unknown, violations):
        violations += unknown_fields(
            model, _MODEL_FIELDS, at, f"a model field (known: {', '.join(_MODEL_FIELDS)})"
        )
        slug = model.get("slug")
        found = validate_slug(slug, path=f"{at}.slug", is_unknown=is_unknown)
        if not found and isinstance(slug, str):
            if slug in slugs:
                found.append(Violation(f"{at}.slug", "models", f"{slug!r} is listed twice: models are a set"))
            slugs.add(slug)
        violations += found
        for kind in (_RATE, _USAGE):
            violations += _validate_limits(model.get(kind), f"{at}.{kind}", kind, is_unknown)
    return violations


def validate_group(
    external_entity_id: object,
    name: object,
    models: object,
    limit_enforcement: object = None,
    parent_group_id: object = None,
    *,
    is_unknown: IsUnknown = never_unknown,
) -> list[Violation]:
    """Every rule of a whole group (the hierarchy's own checks are the server's: they need the parent)."""
    violations = validate_text(external_entity_id, "external_entity_id", required=True, is_unknown=is_unknown)
    violations += validate_text(name, "name", required=False, is_unknown=is_unknown)
    violations += validate_models(models, is_unknown=is_unknown)
    if limit_enforcement is not None and not is_unknown(limit_enforcement):
        allowed = tuple(mode.value for mode in LimitEnforcement)
        if limit_enforcement not in allowed:
            violations.append(
                Violation(
                    "limit_enforcement",
                    "limit-enforcement",
                    f"must be one of {', '.join(allowed)}, got {limit_enforcement!r}",
                )
            )
    violations += validate_text(parent_group_id, "parent_group_id", required=False, is_unknown=is_unknown)
    return violations


def _as_integer(value: Any) -> Any:
    number = _integer(value)
    return value if number is None else number


def _canonical_limits(limits: Any) -> list[dict[str, Any]]:
    canonical = [
        {
            "type": limit.get("type"),
            "unit": limit.get("unit"),
            "threshold": _as_integer(limit.get("threshold")),
            **({"source_group": limit["source_group"]} if "source_group" in limit else {}),
        }
        for limit in limits or []
    ]
    return sorted(canonical, key=lambda limit: (str(limit["type"]), str(limit["unit"])))


def canonical_models(models: Any, is_unknown: IsUnknown = never_unknown) -> Any:
    """The comparable form of a (valid) model set: sorted by slug, both limit lists present, each sorted
    by type and unit, thresholds as integers. Anything else, or anything not known yet, passes through."""
    if not isinstance(models, (list, tuple)) or contains_unknown(models, is_unknown):
        return models
    if not all(isinstance(model, Mapping) for model in models):
        return models
    try:
        canonical = [
            {
                "slug": model.get("slug"),
                _RATE: _canonical_limits(model.get(_RATE)),
                _USAGE: _canonical_limits(model.get(_USAGE)),
            }
            for model in models
        ]
        return sorted(canonical, key=lambda model: str(model["slug"]))
    except (AttributeError, TypeError):  # limits of the wrong shape: left for the rules to report
        return models


def _dumped(models: Iterable[GroupModel | EffectiveGroupModel]) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(model) for model in models]


def group_models(group: GroupInfo) -> list[dict[str, Any]]:
    """An API group's models in canonical form, comparable with canonical requested models."""
    result: list[dict[str, Any]] = canonical_models(_dumped(group.models))
    return result


def canonical_effective_models(group: GroupInfo) -> list[dict[str, Any]]:
    """An API group's effective models, sorted like its models."""
    result: list[dict[str, Any]] = canonical_models(_dumped(group.effective_models))
    return result
