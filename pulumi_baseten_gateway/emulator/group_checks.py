"""The emulator's server-side checks of groups, as pure functions over raw JSON: body shape, limits,
hierarchy, cascade; and what it derives from them (canonical models, effective limits, usage).

Not to be confused with the package's field rules (:mod:`pulumi_baseten_gateway.api.rules`, imported
here as ``rules``): of those, these checks use only the slug rule.

Each ``validate_*`` returns every problem it finds as ``"path: message"`` (the route answers 400 with
all of them) and never raises. Where the docs and the spec differ (gateway-api.md section 8), the spec,
the newer source, is followed: ``threshold >= 0`` (docs: ``>= 1``), and both ``hierarchy`` fields are
optional (docs: required). Things neither source settles are marked [I] (the emulator's choice):

- A model ``slug`` must have the documented ``your-org/your-model`` form; it need not name an existing
  endpoint, nor a prefix the workspace owns [I].
- Text fields (``external_entity_id``, names) must be printable [I]: no control characters.
- ``threshold`` is at most 2**63 - 1 [I].

Effective limits (:func:`effective_models`, "the per-model limits the runtime enforces after walking
the hierarchy"), for each slug in the group's own model set [I]:

- ``INDEPENDENT``: per limit (rate limits by ``type``, usage limits by ``type`` and ``unit``), the
  nearest group up the chain that sets one wins: the group's own, else its parent's, and so on; each
  carries the ``source_group`` that set it.
- ``CASCADING``: every limit set along the chain applies, each anchored to the group that set it (the
  group's traffic counts against its ancestors' limits too). The cascade check keeps a child's
  threshold at or below each ancestor's for the same limit; rate limits of different units are
  compared per minute [I]. A violation is the documented 400 "Child group exceeds parent group limit."
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..api.rules import endpoint as rules
from .bodies import json_type, unknown_fields
from .openapi_schemas import MAX_THRESHOLD

__all__ = [
    "CASCADE_MESSAGE",
    "CASCADING",
    "INDEPENDENT",
    "MAX_DEPTH",
    "ChainLink",
    "canonical_models",
    "cascade_violation",
    "effective_models",
    "usage_of",
    "validate_create",
    "validate_text",
    "validate_update",
]

#: The documented message of a cascading limit violation.
CASCADE_MESSAGE = "Child group exceeds parent group limit."
#: "Hierarchies are capped at five levels deep": a root is level 1.
MAX_DEPTH = 5
CASCADING = "CASCADING"
INDEPENDENT = "INDEPENDENT"
MAX_TEXT_LENGTH = 255

_RATE, _USAGE = "rate_limits", "usage_limits"
_TYPES = ("TOKEN", "REQUEST")
_UNITS = {_RATE: ("SECOND", "MINUTE"), _USAGE: ("DAY",)}
_PER_MINUTE = {"SECOND": 60, "MINUTE": 1, "DAY": 1}
_LIMIT_FIELDS = ("type", "unit", "threshold")
_MODEL_FIELDS = ("slug", _RATE, _USAGE)
_CREATE_FIELDS = ("metadata", "models", "hierarchy")
_METADATA_FIELDS = ("external_entity_id", "name")
_HIERARCHY_FIELDS = ("limit_enforcement", "parent_group_id")
_MODES = (INDEPENDENT, CASCADING)


def validate_text(
    value: object,
    path: str,
    *,
    min_length: int = 0,
    max_length: int = MAX_TEXT_LENGTH,
    nullable: bool = False,
) -> list[str]:
    """A string of bounded length without control characters (or null, when ``nullable``)."""
    if value is None and nullable:
        return []
    if not isinstance(value, str):
        return [f"{path}: must be a string, got {json_type(value)}"]
    if not min_length <= len(value) <= max_length:
        return [f"{path}: must be {min_length} to {max_length} characters, got {len(value)}"]
    if not value.isprintable():
        return [f"{path}: must be printable text, got {value!r}"]
    return []


def _limit_key(kind: str, limit: Mapping[str, Any]) -> tuple[str, ...]:
    """What "at most one entry" counts: the type for a rate limit, type and unit for a usage limit."""
    return (limit["type"],) if kind == _RATE else (limit["type"], limit["unit"])


def _validate_limits(limits: object, path: str, kind: str) -> list[str]:
    if not isinstance(limits, list):
        return [f"{path}: must be an array, got {json_type(limits)}"]
    problems: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for index, limit in enumerate(limits):
        at = f"{path}[{index}]"
        if not isinstance(limit, dict):
            problems.append(f"{at}: must be an object, got {json_type(limit)}")
            continue
        found = unknown_fields(limit, _LIMIT_FIELDS, f"{at}.")
        for field, allowed in (("type", _TYPES), ("unit", _UNITS[kind])):
            if limit.get(field) not in allowed:
                found.append(f"{at}.{field}: must be one of {', '.join(allowed)}, got {limit.get(field)!r}")
        threshold = limit.get("threshold")
        if isinstance(threshold, bool) or not isinstance(threshold, int):
            found.append(f"{at}.threshold: must be an integer, got {json_type(threshold)}")
        elif not 0 <= threshold <= MAX_THRESHOLD:
            found.append(f"{at}.threshold: must be from 0 to {MAX_THRESHOLD}, got {threshold}")
        if not found:
            key = _limit_key(kind, limit)
            if key in seen:
                what = "type" if kind == _RATE else "(type, unit)"
                found.append(f"{at}: at most one entry per {what} per slug; {'/'.join(key)} is repeated")
            seen.add(key)
        problems += found
    return problems


def _validate_models(models: object, path: str, *, allow_empty: bool) -> list[str]:
    if not isinstance(models, list):
        return [f"{path}: must be an array, got {json_type(models)}"]
    if not models and not allow_empty:
        return [f"{path}: must be non-empty"]
    problems: list[str] = []
    slugs: set[str] = set()
    for index, model in enumerate(models):
        at = f"{path}[{index}]"
        if not isinstance(model, dict):
            problems.append(f"{at}: must be an object, got {json_type(model)}")
            continue
        problems += unknown_fields(model, _MODEL_FIELDS, f"{at}.")
        slug = model.get("slug")
        slug_problems = [str(v) for v in rules.validate_slug(slug, path=f"{at}.slug")]
        if not slug_problems and slug in slugs:
            slug_problems.append(f"{at}.slug: {slug!r} is listed twice; the model set has set semantics")
        if isinstance(slug, str):
            slugs.add(slug)
        problems += slug_problems
        for kind in (_RATE, _USAGE):
            if model.get(kind) is not None:
                problems += _validate_limits(model[kind], f"{at}.{kind}", kind)
    return problems


def _object(
    body: Mapping[str, Any], field: str, *, required: bool
) -> tuple[dict[str, Any] | None, list[str]]:
    value = body.get(field)
    if value is None:
        return None, [f"{field}: is required"] if required else []
    if not isinstance(value, dict):
        return None, [f"{field}: must be an object, got {json_type(value)}"]
    return value, []


def validate_create(body: Mapping[str, Any]) -> list[str]:
    """Every problem of a "Create a group" body (not the hierarchy checks that need the parent)."""
    problems = unknown_fields(dict(body), _CREATE_FIELDS)
    metadata, found = _object(body, "metadata", required=True)
    problems += found
    if metadata is not None:
        problems += unknown_fields(metadata, _METADATA_FIELDS, "metadata.")
        problems += validate_text(
            metadata.get("external_entity_id"), "metadata.external_entity_id", min_length=1
        )
        problems += validate_text(metadata.get("name"), "metadata.name", nullable=True)
    if body.get("models") is None:
        problems.append("models: is required")
    else:
        problems += _validate_models(body["models"], "models", allow_empty=False)
    hierarchy, found = _object(body, "hierarchy", required=True)
    problems += found
    if hierarchy is not None:
        problems += unknown_fields(hierarchy, _HIERARCHY_FIELDS, "hierarchy.")
        mode = hierarchy.get("limit_enforcement")
        if mode is not None and mode not in _MODES:
            problems.append(f"hierarchy.limit_enforcement: must be one of {', '.join(_MODES)}, got {mode!r}")
        parent = hierarchy.get("parent_group_id")
        if parent is not None and not isinstance(parent, str):
            problems.append(f"hierarchy.parent_group_id: must be a string or null, got {json_type(parent)}")
    return problems


def validate_update(body: Mapping[str, Any]) -> list[str]:
    """Every problem of an "Update a group" body; ``{}`` (or both fields null) is the documented 400."""
    problems = []
    for key in body:
        if key == "hierarchy":
            problems.append("hierarchy: is immutable after creation")
        elif key not in ("metadata", "models"):
            problems.append(f"{key}: is not a known field (known: metadata, models)")
    metadata, found = _object(body, "metadata", required=False)
    problems += found
    if metadata is not None:
        for key in metadata:
            if key == "external_entity_id":
                problems.append(
                    "metadata.external_entity_id: cannot be changed; to re-key a group, delete it and "
                    "create a fresh one"
                )
            elif key != "name":
                problems.append(f"metadata.{key}: is not a known field (known: name)")
        problems += validate_text(metadata.get("name"), "metadata.name", nullable=True)
    if body.get("models") is not None:
        problems += _validate_models(body["models"], "models", allow_empty=True)
    if body.get("metadata") is None and body.get("models") is None and not problems:
        problems.append("body: at least one of metadata or models must be provided")
    return problems


def canonical_models(models: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validated models as stored and echoed: both limit arrays present (omitted ones as ``[]``)."""
    return [
        {
            "slug": model["slug"],
            _RATE: [{f: limit[f] for f in _LIMIT_FIELDS} for limit in model.get(_RATE) or []],
            _USAGE: [{f: limit[f] for f in _LIMIT_FIELDS} for limit in model.get(_USAGE) or []],
        }
        for model in models
    ]


@dataclass(frozen=True)
class ChainLink:
    """One group of a hierarchy as the limit checks see it: its id and its (canonical) models."""

    group_id: str
    models: Sequence[Mapping[str, Any]]

    def limits(self, slug: str, kind: str) -> list[Mapping[str, Any]]:
        for model in self.models:
            if model["slug"] == slug:
                return list(model[kind])
        return []


def effective_models(chain: Sequence[ChainLink], enforcement: str) -> list[dict[str, Any]]:
    """The group's (``chain[0]``) effective models, walking up ``chain`` (self, parent, ..., root)."""
    effective = []
    for model in chain[0].models:
        entry: dict[str, Any] = {"slug": model["slug"]}
        for kind in (_RATE, _USAGE):
            limits: list[dict[str, Any]] = []
            seen: set[tuple[str, ...]] = set()
            for link in chain:
                for limit in link.limits(model["slug"], kind):
                    key = _limit_key(kind, limit)
                    if enforcement == INDEPENDENT and key in seen:
                        continue
                    seen.add(key)
                    limits.append({**limit, "source_group": link.group_id})
            entry[kind] = limits
        effective.append(entry)
    return effective


def _pairs(
    child: Sequence[Mapping[str, Any]], ancestor: Sequence[Mapping[str, Any]]
) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(child limit, ancestor limit) pairs that the cascade compares: same slug, kind and type."""
    by_slug = {model["slug"]: model for model in ancestor}
    for model in child:
        above = by_slug.get(model["slug"])
        if above is None:
            continue
        for kind in (_RATE, _USAGE):
            for limit in model[kind]:
                for other in above[kind]:
                    if other["type"] == limit["type"] and (kind == _RATE or other["unit"] == limit["unit"]):
                        yield limit, other


def _exceeds(limit: Mapping[str, Any], ceiling: Mapping[str, Any]) -> bool:
    mine: int = limit["threshold"] * _PER_MINUTE[limit["unit"]]
    theirs: int = ceiling["threshold"] * _PER_MINUTE[ceiling["unit"]]
    return mine > theirs


def cascade_violation(
    models: Sequence[Mapping[str, Any]],
    ancestors: Iterable[Sequence[Mapping[str, Any]]],
    descendants: Iterable[Sequence[Mapping[str, Any]]] = (),
) -> bool:
    """Whether ``models`` would put a group above an ancestor, or below an existing descendant."""
    if any(_exceeds(mine, theirs) for above in ancestors for mine, theirs in _pairs(models, above)):
        return True
    return any(_exceeds(theirs, mine) for below in descendants for theirs, mine in _pairs(below, models))


def usage_of(models: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Get group usage's ``usage``: each slug with usage limits, one entry per (type, unit).

    The emulator serves no inference traffic, so ``current_usage`` and ``reset_at`` stay null, as the
    docs describe a window no request has landed in yet.
    """
    return {
        model["slug"]: [
            {
                "type": limit["type"],
                "unit": limit["unit"],
                "threshold": limit["threshold"],
                "current_usage": None,
                "reset_at": None,
            }
            for limit in model[_USAGE]
        ]
        for model in models
        if model[_USAGE]
    }
