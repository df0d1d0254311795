"""Every GatewayApiKey rule, as pure functions over untrusted input."""

from __future__ import annotations

from ..common import IsUnknown, Violation, never_unknown
from ..group.rules import validate_text

__all__ = ["split_key_id", "validate_api_key"]


def validate_api_key(
    group_id: object, name: object, *, is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """A group id, and an optional printable name of at most 255 characters."""
    return validate_text(group_id, "group_id", required=True, is_unknown=is_unknown) + validate_text(
        name, "name", required=False, is_unknown=is_unknown
    )


def split_key_id(id_: str) -> tuple[str, str] | None:
    """``<group_id>/<prefix>`` as its two parts (None when it is not of that form).

    Group ids hold no ``/``; a prefix may (a registered key's first 16 characters), so the first ``/``
    separates them.
    """
    group_id, slash, prefix = id_.partition("/")
    return (group_id, prefix) if slash and group_id and prefix else None
