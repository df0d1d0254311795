"""Every GatewayApiKey and RegisteredGatewayApiKey rule, as pure functions over untrusted input."""

from __future__ import annotations

import math
from collections import Counter

from .common import IsUnknown, Violation, never_unknown, not_a
from .group import validate_text

__all__ = [
    "MAX_REGISTERED_KEY_LENGTH",
    "MIN_KEY_ENTROPY_BITS",
    "MIN_REGISTERED_KEY_LENGTH",
    "REGISTERED_PREFIX_LENGTH",
    "registered_prefix",
    "shannon_entropy",
    "split_key_id",
    "validate_api_key",
    "validate_registered_key",
]

#: The documented rules of a caller-supplied key (K2): "Between 32 and 128 characters, inclusive",
#: "Shannon entropy of at least 3.0 bits per character", and "The first 16 characters become the key's
#: stored prefix and must not already be registered in your workspace".
MIN_REGISTERED_KEY_LENGTH = 32
MAX_REGISTERED_KEY_LENGTH = 128
MIN_KEY_ENTROPY_BITS = 3.0
REGISTERED_PREFIX_LENGTH = 16


def validate_api_key(
    group_id: object, name: object, *, is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """A group id, and an optional printable name of at most 255 characters."""
    return validate_text(group_id, "group_id", required=True, is_unknown=is_unknown) + validate_text(
        name, "name", required=False, is_unknown=is_unknown
    )


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``'s own character distribution (0 for the empty string)."""
    if not text:
        return 0.0
    counts = Counter(text).values()
    return sum(n / len(text) * math.log2(len(text) / n) for n in counts)


def validate_registered_key(
    key: object, path: str = "key", *, is_unknown: IsUnknown = never_unknown
) -> list[Violation]:
    """A caller-supplied key the API will accept: its length, characters and entropy.

    No message ever quotes the key (it is a credential): they give its length or entropy instead. The
    uniqueness of its prefix in the workspace is the API's to check.
    """
    if is_unknown(key):
        return []
    if key is None:
        return [Violation(path, "required", "is required")]
    if not isinstance(key, str):
        return [not_a("a string", key, path)]
    if not MIN_REGISTERED_KEY_LENGTH <= len(key) <= MAX_REGISTERED_KEY_LENGTH:
        return [
            Violation(
                path,
                "key-length",
                f"must be {MIN_REGISTERED_KEY_LENGTH} to {MAX_REGISTERED_KEY_LENGTH} characters, "
                f"inclusive; this key has {len(key)}",
            )
        ]
    if not (key.isascii() and key.isprintable()) or any(c.isspace() for c in key):
        # Callers send it in an Authorization header: no spaces, no control or non-ASCII characters.
        return [Violation(path, "key-characters", "must be printable ASCII without whitespace")]
    entropy = shannon_entropy(key)
    if entropy < MIN_KEY_ENTROPY_BITS:
        return [
            Violation(
                path,
                "key-entropy",
                f"must have a Shannon entropy of at least {MIN_KEY_ENTROPY_BITS} bits per character; this "
                f"key has {entropy:.2f} (use a securely generated key, e.g. `openssl rand -base64 48`)",
            )
        ]
    return []


def registered_prefix(key: str) -> str:
    """The prefix the API stores for a registered key: its first 16 characters."""
    return key[:REGISTERED_PREFIX_LENGTH]


def split_key_id(id_: str) -> tuple[str, str] | None:
    """``<group_id>/<prefix>`` as its two parts (None when it is not of that form).

    Group ids hold no ``/``; a prefix may (a registered key's first 16 characters), so the first ``/``
    separates them.
    """
    group_id, slash, prefix = id_.partition("/")
    return (group_id, prefix) if slash and group_id and prefix else None
