"""Federated API keys: generation, the documented rules of registered keys, and their SQLite rows.

A key is ``prefix.secret``; its 16-character prefix names it in every per-key URL. Only a SHA-256 hash
of the whole key is stored ("Baseten stores only the hashed key"). Revocation is soft and irreversible:
a revoked key reads as gone (404), and its prefix is free again [I]. Prefixes are unique among the live
keys of a workspace, as documented for registered keys; generated ones are random and never collide.

Rules of a registered key (documented): 32 to 128 characters, a Shannon entropy of at least 3.0 bits
per character, and a first 16 characters not already registered in the workspace. [I] It must also be
printable ASCII without whitespace, since it travels in an ``Authorization: Api-Key <key>`` header.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import sqlite3
import string
from collections import Counter
from dataclasses import dataclass

from .database import Database, RowNotFoundError

__all__ = [
    "KEY_PREFIX_LENGTH",
    "MAX_KEY_LENGTH",
    "MIN_ENTROPY_BITS",
    "MIN_KEY_LENGTH",
    "ApiKeyNotFoundError",
    "KeyStore",
    "PrefixTakenError",
    "StoredKey",
    "shannon_entropy",
    "validate_registered_key",
]

KEY_PREFIX_LENGTH = 16
MIN_KEY_LENGTH = 32
MAX_KEY_LENGTH = 128
MIN_ENTROPY_BITS = 3.0
_GENERATED_TAG = "sky_"  # as in the docs' example prefix, sky_sCqhBwEy4kPd
_ALPHANUMERIC = string.ascii_letters + string.digits
_SECRET_LENGTH = 40

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace TEXT NOT NULL,
    group_id TEXT NOT NULL,
    prefix TEXT NOT NULL,
    name TEXT,
    key_hash TEXT NOT NULL,
    registered INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_live_prefix
    ON api_keys (workspace, prefix) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS api_keys_live_group ON api_keys (group_id, seq) WHERE revoked_at IS NULL;
"""
_SELECT_LIVE = (
    "SELECT seq, group_id, prefix, name, created_at FROM api_keys "
    "WHERE workspace = ? AND group_id = ? AND prefix = ? AND revoked_at IS NULL"
)
_SELECT_PAGE = (
    "SELECT seq, group_id, prefix, name, created_at FROM api_keys "
    "WHERE group_id = ? AND revoked_at IS NULL AND seq > ? ORDER BY seq LIMIT ?"
)
_INSERT = (
    "INSERT INTO api_keys (workspace, group_id, prefix, name, key_hash, registered, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


class ApiKeyNotFoundError(RowNotFoundError):
    """No live key with this prefix in the group (never created, or revoked)."""

    field = "api_key_prefix"
    noun = "API key in this group"
    key = "prefix"


class PrefixTakenError(ValueError):
    """A live key of the workspace already has this prefix."""


@dataclass(frozen=True)
class StoredKey:
    """A key's metadata; the key itself is never kept."""

    seq: int
    group_id: str
    prefix: str
    name: str | None
    created_at: str

    def to_api(self) -> dict[str, str | None]:
        """The ``GatewayKeyInfoV1`` JSON object."""
        return {"prefix": self.prefix, "name": self.name}


def shannon_entropy(text: str) -> float:
    """Bits per character of ``text``'s own character distribution (0 for the empty string)."""
    if not text:
        return 0.0
    counts = Counter(text).values()
    return sum(n / len(text) * math.log2(len(text) / n) for n in counts)


def validate_registered_key(key: object) -> list[str]:
    """The length and complexity rules of a caller-supplied key (uniqueness is the store's)."""
    if not isinstance(key, str):
        return [f"key: must be a string, got {type(key).__name__}"]
    if not MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH:
        return [
            f"key: must be between {MIN_KEY_LENGTH} and {MAX_KEY_LENGTH} characters, inclusive; "
            f"got {len(key)}"
        ]
    if not (key.isascii() and key.isprintable()) or any(c.isspace() for c in key):
        return ["key: must be printable ASCII without whitespace (it is sent in an Authorization header)"]
    entropy = shannon_entropy(key)
    if entropy < MIN_ENTROPY_BITS:
        return [
            f"key: Shannon entropy of {entropy:.2f} bits per character is below the minimum "
            f"{MIN_ENTROPY_BITS}; use a securely generated key"
        ]
    return []


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def _row(values: tuple[int, str, str, str | None, str]) -> StoredKey:
    return StoredKey(*values)


class KeyStore:
    """API key rows in the shared database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.install(_SCHEMA, "SELECT MAX(MAX(created_at), COALESCE(MAX(revoked_at), '')) FROM api_keys")

    def _insert(
        self, workspace: str, group_id: str, prefix: str, name: str | None, key: str, registered: bool
    ) -> StoredKey:
        with self.db.transaction() as conn:
            now = self.db.timestamp()
            try:
                cursor = conn.execute(
                    _INSERT, (workspace, group_id, prefix, name, _hash(key), int(registered), now)
                )
            except sqlite3.IntegrityError:
                raise PrefixTakenError(prefix) from None
            assert cursor.lastrowid is not None
            return StoredKey(cursor.lastrowid, group_id, prefix, name, now)

    def create(self, workspace: str, group_id: str, name: str | None) -> tuple[StoredKey, str]:
        """A new generated key for the group: (its metadata, the plaintext ``prefix.secret``)."""
        while True:
            prefix = _GENERATED_TAG + "".join(
                secrets.choice(_ALPHANUMERIC) for _ in range(KEY_PREFIX_LENGTH - len(_GENERATED_TAG))
            )
            plaintext = f"{prefix}.{''.join(secrets.choice(_ALPHANUMERIC) for _ in range(_SECRET_LENGTH))}"
            try:
                return self._insert(workspace, group_id, prefix, name, plaintext, registered=False), plaintext
            except PrefixTakenError:
                continue  # 1 in 62**12 per live key: draw another

    def register(self, workspace: str, group_id: str, key: str, name: str | None) -> StoredKey:
        """Store a caller-supplied (already validated) key; ``PrefixTakenError`` if its prefix is live."""
        return self._insert(workspace, group_id, key[:KEY_PREFIX_LENGTH], name, key, registered=True)

    def get(self, workspace: str, group_id: str, prefix: str) -> StoredKey:
        """The live key ``prefix`` of the group; ``ApiKeyNotFoundError`` otherwise."""
        with self.db.lock:
            values = self.db.conn.execute(_SELECT_LIVE, (workspace, group_id, prefix)).fetchone()
        if values is None:
            raise ApiKeyNotFoundError(prefix)
        return _row(values)

    def revoke(self, workspace: str, group_id: str, prefix: str) -> StoredKey:
        """Revoke one live key of the group (irreversible)."""
        with self.db.transaction() as conn:
            key = self.get(workspace, group_id, prefix)
            conn.execute("UPDATE api_keys SET revoked_at = ? WHERE seq = ?", (self.db.timestamp(), key.seq))
        return key

    def revoke_groups(self, group_ids: list[str], revoked_at: str) -> int:
        """Revoke every live key of these groups (a group delete); returns how many."""
        with self.db.transaction() as conn:
            cursor = conn.executemany(
                "UPDATE api_keys SET revoked_at = ? WHERE group_id = ? AND revoked_at IS NULL",
                [(revoked_at, group_id) for group_id in group_ids],
            )
            return int(cursor.rowcount)

    def page(self, group_id: str, after_seq: int, limit: int) -> tuple[list[StoredKey], bool]:
        """Up to ``limit`` live keys of the group after ``after_seq``, and whether more follow."""
        return self.db.page(_SELECT_PAGE, (group_id, after_seq), limit, _row)

    def counts(self) -> tuple[int, int]:
        """(live, revoked) key counts over all workspaces."""
        return self.db.counts("api_keys", gone="revoked_at")
