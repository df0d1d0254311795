"""Baseten secrets (``/v1/secrets``): the name rule, and SQLite rows in the shared database.

Secrets are upserted by name, per team of a workspace: the caller's primary team (the spec: "Scoped to
the caller's primary team"), or the team a ``/v1/teams/{team_id}/secrets`` route names. A secret's ``id``
and ``created_at`` are set by the first upsert and kept across rotation ("Stable identifier for the
secret. Unchanged across rotation."). Values are never returned, so only a hash of each is kept. A delete
is soft: the name is free again, and upserting it afterwards makes a new secret with a new id [I].
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .database import Database, RowNotFoundError

__all__ = [
    "MAX_SECRET_NAME_LENGTH",
    "SecretNotFoundError",
    "SecretStore",
    "StoredSecret",
    "TeamNotFoundError",
    "validate_secret",
]

MAX_SECRET_NAME_LENGTH = 255
#: [I] Letters, digits, ``_``, ``-`` and ``.``: names travel in URL paths (``DELETE /v1/secrets/{name}``).
_NAME = re.compile(r"[A-Za-z0-9_.-]+")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS secrets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace TEXT NOT NULL,
    team TEXT NOT NULL,
    name TEXT NOT NULL,
    value_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
DROP INDEX IF EXISTS secrets_live_name;
CREATE UNIQUE INDEX IF NOT EXISTS secrets_live_team_name
    ON secrets (workspace, team, name) WHERE deleted_at IS NULL;
"""
_SELECT_LIVE = (
    "SELECT seq, id, team, name, created_at FROM secrets "
    "WHERE workspace = ? AND team = ? AND name = ? AND deleted_at IS NULL"
)
_SELECT_ALL = (
    "SELECT seq, id, team, name, created_at FROM secrets "
    "WHERE workspace = ? AND deleted_at IS NULL ORDER BY seq"
)
_SELECT_TEAM = (
    "SELECT seq, id, team, name, created_at FROM secrets "
    "WHERE workspace = ? AND team = ? AND deleted_at IS NULL ORDER BY seq"
)
_INSERT = (
    "INSERT INTO secrets (id, workspace, team, name, value_hash, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


class TeamNotFoundError(RowNotFoundError):
    """No team of the caller's workspace has this id."""

    field = "team_id"
    noun = "team"


class SecretNotFoundError(RowNotFoundError):
    """No live secret with this name in the workspace."""

    field = "secret_name"
    noun = "secret"
    key = "name"


@dataclass(frozen=True)
class StoredSecret:
    """A secret's metadata (its value is never kept, only hashed)."""

    seq: int
    id: str
    team: str
    name: str
    created_at: str

    def to_api(self) -> dict[str, str]:
        """The ``SecretV1`` JSON object."""
        return {"id": self.id, "created_at": self.created_at, "name": self.name, "team_name": self.team}


def validate_secret(name: object, value: object) -> list[str]:
    """The problems of an upsert body's ``name`` and ``value``."""
    problems = []
    if not isinstance(name, str):
        problems.append(f"name: must be a string, got {type(name).__name__}")
    elif not _NAME.fullmatch(name) or len(name) > MAX_SECRET_NAME_LENGTH:
        problems.append(
            f"name: must be 1 to {MAX_SECRET_NAME_LENGTH} letters, digits, '_', '-' or '.', got {name!r}"
        )
    if not isinstance(value, str):
        problems.append(f"value: must be a string, got {type(value).__name__}")
    elif not value:
        problems.append("value: must not be empty")
    else:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problems.append("value: must be valid Unicode text (it holds a lone surrogate)")
    return problems


class SecretStore:
    """Secret rows in the shared database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.install(
            _SCHEMA,
            "SELECT MAX(MAX(created_at), MAX(updated_at), COALESCE(MAX(deleted_at), '')) FROM secrets",
        )

    def _live(self, workspace: str, team: str, name: str) -> StoredSecret | None:
        values = self.db.conn.execute(_SELECT_LIVE, (workspace, team, name)).fetchone()
        return None if values is None else StoredSecret(*values)

    def upsert(self, workspace: str, team: str, name: str, value: str) -> StoredSecret:
        """Create the secret, or rotate its value keeping its id and ``created_at``."""
        value_hash = hashlib.sha256(value.encode("utf-8")).hexdigest()
        with self.db.transaction() as conn:
            now = self.db.timestamp()
            current = self._live(workspace, team, name)
            if current is not None:
                conn.execute(
                    "UPDATE secrets SET value_hash = ?, updated_at = ? WHERE seq = ?",
                    (value_hash, now, current.seq),
                )
                return current
            secret_id, seq = self.db.insert_with_new_id(  # the name was checked under the lock
                _INSERT, lambda new_id: (new_id, workspace, team, name, value_hash, now, now)
            )
            return StoredSecret(seq, secret_id, team, name, now)

    def list_live(self, workspace: str, team: str | None = None) -> list[StoredSecret]:
        """Every live secret of the workspace (of one ``team``, when given), oldest first."""
        with self.db.lock:
            if team is None:
                rows = self.db.conn.execute(_SELECT_ALL, (workspace,)).fetchall()
            else:
                rows = self.db.conn.execute(_SELECT_TEAM, (workspace, team)).fetchall()
        return [StoredSecret(*values) for values in rows]

    def delete(self, workspace: str, team: str, name: str) -> StoredSecret:
        """Soft-delete the team's live secret ``name``; ``SecretNotFoundError`` if there is none."""
        with self.db.transaction() as conn:
            current = self._live(workspace, team, name)
            if current is None:
                raise SecretNotFoundError(name)
            conn.execute(
                "UPDATE secrets SET deleted_at = ? WHERE seq = ?", (self.db.timestamp(), current.seq)
            )
        return current

    def counts(self) -> tuple[int, int]:
        """(live, deleted) secret counts over all workspaces."""
        return self.db.counts("secrets")
