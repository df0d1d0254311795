"""SQLite persistence of endpoints, in the shared :class:`~.database.Database`.

Deletes are soft: the row keeps its id with ``deleted_at`` set, so a deleted id answers 404 forever
and can never be handed out again, while a partial unique index frees the slug for reuse. ``seq``
(AUTOINCREMENT, never reused) gives list pages a stable keyset order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .database import Database, ForbiddenError, RowNotFoundError

__all__ = [
    "EndpointForbiddenError",
    "EndpointNotFoundError",
    "EndpointStore",
    "SlugTakenError",
    "StoredEndpoint",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS endpoints (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace TEXT NOT NULL,
    slug TEXT NOT NULL,
    region TEXT NOT NULL,
    targets TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS endpoints_live_slug ON endpoints (slug) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS endpoints_live_workspace ON endpoints (workspace, seq) WHERE deleted_at IS NULL;
"""

_SELECT_BY_ID = (
    "SELECT seq, id, workspace, slug, region, targets, created_at, updated_at, deleted_at "
    "FROM endpoints WHERE id = ?"
)
_SELECT_PAGE = (
    "SELECT seq, id, workspace, slug, region, targets, created_at, updated_at, deleted_at "
    "FROM endpoints WHERE workspace = ? AND deleted_at IS NULL AND seq > ? ORDER BY seq LIMIT ?"
)
_INSERT = (
    "INSERT INTO endpoints (id, workspace, slug, region, targets, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


class EndpointNotFoundError(RowNotFoundError):
    """No live endpoint has this id (never created, or deleted)."""

    field = "endpoint_id"
    noun = "endpoint"


class EndpointForbiddenError(ForbiddenError):
    """The endpoint exists but belongs to another workspace."""

    field = "endpoint_id"
    noun = "endpoint"


class SlugTakenError(ValueError):
    """A live endpoint already uses the slug (slugs are unique across all workspaces)."""


@dataclass(frozen=True)
class StoredEndpoint:
    """One row; ``targets`` are already in the canonical echo form."""

    seq: int
    id: str
    workspace: str
    slug: str
    region: str
    targets: list[dict[str, Any]]
    created_at: str
    updated_at: str
    deleted_at: str | None

    def to_api(self) -> dict[str, Any]:
        """The ``EndpointV1`` JSON object."""
        return {
            "id": self.id,
            "slug": self.slug,
            "region": self.region,
            "targets": self.targets,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


def _row(values: tuple[Any, ...]) -> StoredEndpoint:
    seq, id_, workspace, slug, region, targets, created_at, updated_at, deleted_at = values
    return StoredEndpoint(
        seq, id_, workspace, slug, region, json.loads(targets), created_at, updated_at, deleted_at
    )


class EndpointStore:
    """Endpoint rows in the shared database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = db.lock
        self._conn = db.conn
        db.install(
            _SCHEMA,
            "SELECT MAX(MAX(created_at), MAX(updated_at), COALESCE(MAX(deleted_at), '')) FROM endpoints",
        )

    def _fetch(self, endpoint_id: str, workspace: str) -> StoredEndpoint:
        values = self._conn.execute(_SELECT_BY_ID, (endpoint_id,)).fetchone()
        if values is None or values[8] is not None:
            raise EndpointNotFoundError(endpoint_id)
        if values[2] != workspace:
            raise EndpointForbiddenError(endpoint_id)
        return _row(values)

    def create(self, workspace: str, slug: str, region: str, targets: list[dict[str, Any]]) -> StoredEndpoint:
        """Insert a live endpoint with a fresh random id; ``SlugTakenError`` if the slug is live."""
        encoded = json.dumps(targets, separators=(",", ":"))
        with self._lock:
            now = self.db.timestamp()
            endpoint_id, seq = self.db.insert_with_new_id(
                _INSERT,
                lambda new_id: (new_id, workspace, slug, region, encoded, now, now),
                {"endpoints.slug": SlugTakenError(slug)},
            )
        return StoredEndpoint(seq, endpoint_id, workspace, slug, region, targets, now, now, None)

    def get(self, endpoint_id: str, workspace: str) -> StoredEndpoint:
        """The live endpoint ``endpoint_id`` of ``workspace``."""
        with self._lock:
            return self._fetch(endpoint_id, workspace)

    def update_targets(
        self, endpoint_id: str, workspace: str, targets: list[dict[str, Any]]
    ) -> StoredEndpoint:
        """Replace the whole target list and bump ``updated_at``."""
        encoded = json.dumps(targets, separators=(",", ":"))
        with self._lock:
            current = self._fetch(endpoint_id, workspace)
            now = self.db.timestamp()
            self._conn.execute(
                "UPDATE endpoints SET targets = ?, updated_at = ? WHERE seq = ?", (encoded, now, current.seq)
            )
        return StoredEndpoint(
            current.seq,
            current.id,
            current.workspace,
            current.slug,
            current.region,
            targets,
            current.created_at,
            now,
            None,
        )

    def delete(self, endpoint_id: str, workspace: str) -> StoredEndpoint:
        """Soft-delete: the id stays taken (and 404) forever, the slug becomes free."""
        with self._lock:
            current = self._fetch(endpoint_id, workspace)
            now = self.db.timestamp()
            self._conn.execute("UPDATE endpoints SET deleted_at = ? WHERE seq = ?", (now, current.seq))
        return current

    def page(self, workspace: str, after_seq: int, limit: int) -> tuple[list[StoredEndpoint], bool]:
        """Up to ``limit`` live endpoints of ``workspace`` after ``after_seq``, and whether more follow."""
        return self.db.page(_SELECT_PAGE, (workspace, after_seq), limit, _row)

    def counts(self) -> tuple[int, int]:
        """(live, deleted) endpoint counts over all workspaces."""
        return self.db.counts("endpoints")
