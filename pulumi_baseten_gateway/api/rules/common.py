"""What every resource's declaration and rules share: violations, unknowns, and the text-field rule.

Imports nothing else of ours: the rules, the cores, the policies and the emulator all build on it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "MAX_FIELD_LENGTH",
    "IsUnknown",
    "Violation",
    "contains_unknown",
    "each_object",
    "is_sequence",
    "never_unknown",
    "not_a",
    "unknown_fields",
    "validate_string",
]

MAX_FIELD_LENGTH = 1024

#: Answers whether a value is a placeholder not known until apply (Pulumi's unknowns during preview).
IsUnknown = Callable[[object], bool]


def never_unknown(_: object) -> bool:
    return False


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (``path``), which rule (``rule``), and a sentence for humans."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def is_sequence(value: object) -> bool:
    """A list-like value (a JSON array or a Pulumi property proxy), but not text."""
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))


def validate_string(value: object, path: str) -> list[Violation]:
    """A non-empty, printable string of bounded length (ids, names, model names)."""
    if not isinstance(value, str):
        return [not_a("a string", value, path)]
    if not value.strip():
        return [Violation(path, "field-type", "must not be empty")]
    if len(value) > MAX_FIELD_LENGTH:
        return [Violation(path, "field-type", f"must be at most {MAX_FIELD_LENGTH} characters")]
    if not value.isprintable():
        # Ids and model names are text: control characters or lone surrogates (not even valid UTF-8)
        # would be stored, echoed back, and break strict JSON readers downstream.
        return [Violation(path, "field-type", f"must be printable text, got {value!r}")]
    return []


def contains_unknown(value: object, is_unknown: IsUnknown) -> bool:
    """Whether ``value`` or anything inside it is not known yet (a preview's placeholder)."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v, is_unknown) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v, is_unknown) for v in value)
    return False


def not_a(what: str, value: object, path: str) -> Violation:
    """``path`` holds something of the wrong type: ``must be <what>, got <its type>``."""
    return Violation(path, "field-type", f"must be {what}, got {type(value).__name__}")


def each_object(
    items: Sequence[object], path: str, is_unknown: IsUnknown, violations: list[Violation]
) -> Iterator[tuple[str, Mapping[str, object]]]:
    """The items of a list that are objects, each with its path (``path[i]``); an item that is not an
    object is a violation in ``violations``, and one not known yet is skipped."""
    for index, item in enumerate(items):
        at = f"{path}[{index}]"
        if is_unknown(item):
            continue
        if not isinstance(item, Mapping):
            violations.append(not_a("an object", item, at))
            continue
        yield at, item


def unknown_fields(
    value: Mapping[str, object], known: Collection[str], path: str, what: str
) -> list[Violation]:
    """A violation for each key of ``value`` that is not a ``known`` field (``what``: "a model field (known:
    slug, ...)")."""
    return [
        Violation(f"{path}.{key}", "unknown-field", f"is not {what}") for key in value if key not in known
    ]
