"""Every Secret rule, as pure functions over untrusted input; none ever echoes a value.

The name rule is inferred [I]: the public sources give none. Names travel in a URL path segment
(``DELETE /v1/secrets/{name}``), and Baseten mounts secrets by name, so letters, digits, ``_``, ``-``
and ``.`` (as the emulator also accepts), up to 255 characters. A team id (``/v1/teams/{team_id}/...``)
has no documented form either: it must be a path segment of its own, so non-empty text without ``/``,
whitespace or control characters, and not ``.`` or ``..``.
"""

from __future__ import annotations

import re

from .common import IsUnknown, Violation, never_unknown, not_a

__all__ = [
    "MAX_SECRET_NAME_LENGTH",
    "validate_secret",
    "validate_secret_name",
    "validate_secret_value",
    "validate_team_id",
]

MAX_SECRET_NAME_LENGTH = 255
_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def validate_secret_name(
    name: object, *, path: str = "name", is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """1 to 255 letters, digits, ``_``, ``-`` or ``.``."""
    if is_unknown(name):
        return []
    if name is None:
        return [Violation(path, "required", "is required")]
    if not isinstance(name, str):
        return [not_a("a string", name, path)]
    if not _NAME.fullmatch(name) or len(name) > MAX_SECRET_NAME_LENGTH or name in (".", ".."):
        return [
            Violation(
                path,
                "secret-name",
                f"must be 1 to {MAX_SECRET_NAME_LENGTH} letters, digits, '_', '-' or '.', got {name!r}",
            )
        ]
    return []


def validate_secret_value(
    value: object, *, path: str = "value", is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """A non-empty string of valid Unicode. The messages never quote it."""
    if is_unknown(value):
        return []
    if value is None:
        return [Violation(path, "required", "is required")]
    if not isinstance(value, str):
        return [not_a("a string", value, path)]
    if not value:
        return [Violation(path, "secret-value", "must not be empty")]
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return [Violation(path, "secret-value", "must be valid Unicode text (it holds a lone surrogate)")]
    return []


def validate_secret(name: object, value: object, *, is_unknown: IsUnknown = never_unknown) -> list[Violation]:
    """Every rule of a whole secret."""
    return validate_secret_name(name, is_unknown=is_unknown) + validate_secret_value(
        value, is_unknown=is_unknown
    )


def validate_team_id(
    team_id: object, *, path: str = "team_id", is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """Absent (the caller's primary team), or a team id that is a path segment of its own."""
    if team_id is None or is_unknown(team_id):
        return []
    if not isinstance(team_id, str):
        return [not_a("a string", team_id, path)]
    if team_id in ("", ".", "..") or any(c == "/" or c.isspace() or not c.isprintable() for c in team_id):
        return [
            Violation(
                path, "team-id", f"must be a team id (no '/', space or control character), got {team_id!r}"
            )
        ]
    return []
