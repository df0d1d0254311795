"""SQLite persistence of groups, in the shared :class:`~.database.Database`.

Deletes are soft, as for endpoints: a deleted group keeps its id (404 forever) and a partial unique
index frees its ``external_entity_id`` for reuse. A group row holds its parent's id, its depth (a root
is 1) and its enforcement mode, all immutable; its models are JSON, already canonical. The hierarchy
checks themselves are :mod:`.group_checks`; this module only reads and writes rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from .database import Database, ForbiddenError, RowNotFoundError

__all__ = [
    "EntityTakenError",
    "GroupForbiddenError",
    "GroupNotFoundError",
    "GroupStore",
    "ParentNotFoundError",
    "StoredGroup",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workspace TEXT NOT NULL,
    external_entity_id TEXT NOT NULL,
    name TEXT,
    parent_id TEXT,
    enforcement TEXT NOT NULL,
    depth INTEGER NOT NULL,
    models TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS groups_live_entity
    ON groups (workspace, external_entity_id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS groups_live_workspace ON groups (workspace, seq) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS groups_live_parent ON groups (parent_id) WHERE deleted_at IS NULL;
"""
_SELECT_BY_ID = (
    "SELECT seq, id, workspace, external_entity_id, name, parent_id, enforcement, depth, models, created_at, "
    "deleted_at FROM groups WHERE id = ?"
)
_SELECT_DESCENDANTS = (
    "WITH RECURSIVE subtree(id) AS ("
    " SELECT id FROM groups WHERE parent_id = ? AND deleted_at IS NULL"
    " UNION ALL"
    " SELECT g.id FROM groups g JOIN subtree s ON g.parent_id = s.id WHERE g.deleted_at IS NULL"
    ") SELECT seq, id, workspace, external_entity_id, name, parent_id, enforcement, depth, models, "
    "created_at, deleted_at FROM groups WHERE id IN (SELECT id FROM subtree) ORDER BY seq"
)
_SELECT_PAGE = (
    "SELECT seq, id, workspace, external_entity_id, name, parent_id, enforcement, depth, models, created_at, "
    "deleted_at FROM groups WHERE workspace = ? AND deleted_at IS NULL AND seq > ? ORDER BY seq LIMIT ?"
)
_SELECT_PAGE_OF_ENTITY = (
    "SELECT seq, id, workspace, external_entity_id, name, parent_id, enforcement, depth, models, created_at, "
    "deleted_at FROM groups WHERE workspace = ? AND deleted_at IS NULL AND seq > ? "
    "AND external_entity_id = ? ORDER BY seq LIMIT ?"
)
_INSERT = (
    "INSERT INTO groups (id, workspace, external_entity_id, name, parent_id, enforcement, depth, models, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class GroupNotFoundError(RowNotFoundError):
    """No live group has this id (never created, or deleted)."""

    field = "group_id"
    noun = "group"


class GroupForbiddenError(ForbiddenError):
    """The group exists but belongs to another workspace."""

    field = "group_id"
    noun = "group"


class ParentNotFoundError(RowNotFoundError):
    """``hierarchy.parent_group_id`` names no live group visible to the workspace (documented 404)."""

    field = "hierarchy.parent_group_id"
    noun = "group"


class EntityTakenError(ValueError):
    """A live group of the workspace already has this ``external_entity_id``."""


@dataclass(frozen=True)
class StoredGroup:
    """One group row; ``models`` are canonical (both limit arrays present)."""

    seq: int
    id: str
    workspace: str
    external_entity_id: str
    name: str | None
    parent_id: str | None
    enforcement: str
    depth: int
    models: list[dict[str, Any]]
    created_at: str
    deleted_at: str | None

    def metadata(self) -> dict[str, Any]:
        return {"name": self.name, "external_entity_id": self.external_entity_id}

    def to_api(self, effective_models: list[dict[str, Any]]) -> dict[str, Any]:
        """The ``GroupV1`` JSON object, given its effective models (they depend on the ancestors)."""
        return {
            "id": self.id,
            "metadata": self.metadata(),
            "models": self.models,
            "effective_models": effective_models,
            "hierarchy": {"limit_enforcement": self.enforcement, "parent_group_id": self.parent_id},
            "created_at": self.created_at,
        }


def _row(values: tuple[Any, ...]) -> StoredGroup:
    seq, id_, workspace, entity, name, parent, enforcement, depth, models, created, deleted = values
    return StoredGroup(
        seq, id_, workspace, entity, name, parent, enforcement, depth, json.loads(models), created, deleted
    )


def _encode(models: list[dict[str, Any]]) -> str:
    return json.dumps(models, separators=(",", ":"))


class GroupStore:
    """Group rows in the shared database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.install(_SCHEMA, "SELECT MAX(MAX(created_at), COALESCE(MAX(deleted_at), '')) FROM groups")

    def _by_id(self, group_id: str) -> StoredGroup | None:
        values = self.db.conn.execute(_SELECT_BY_ID, (group_id,)).fetchone()
        return None if values is None else _row(values)

    def get(self, group_id: str, workspace: str) -> StoredGroup:
        """The live group ``group_id`` of ``workspace``: 404 if none, 403 if another workspace's."""
        with self.db.lock:
            group = self._by_id(group_id)
        if group is None or group.deleted_at is not None:
            raise GroupNotFoundError(group_id)
        if group.workspace != workspace:
            raise GroupForbiddenError(group_id)
        return group

    def parent(self, group_id: str, workspace: str) -> StoredGroup:
        """A would-be parent: 404 (never 403) unless it is live and in ``workspace``, as documented."""
        with self.db.lock:
            group = self._by_id(group_id)
        if group is None or group.deleted_at is not None or group.workspace != workspace:
            raise ParentNotFoundError(group_id)
        return group

    def ancestors(self, group: StoredGroup) -> list[StoredGroup]:
        """Parent, grandparent, ..., root (live: deleting a group deletes its descendants)."""
        chain: list[StoredGroup] = []
        with self.db.lock:
            parent_id = group.parent_id
            while parent_id is not None:
                parent = self._by_id(parent_id)
                if parent is None:
                    break
                chain.append(parent)
                parent_id = parent.parent_id
        return chain

    def descendants(self, group: StoredGroup) -> list[StoredGroup]:
        """Every live descendant, in creation order."""
        with self.db.lock:
            rows = self.db.conn.execute(_SELECT_DESCENDANTS, (group.id,)).fetchall()
        return [_row(r) for r in rows]

    def create(
        self,
        workspace: str,
        external_entity_id: str,
        name: str | None,
        parent: StoredGroup | None,
        enforcement: str,
        models: list[dict[str, Any]],
    ) -> StoredGroup:
        """Insert a live group under ``parent``; ``EntityTakenError`` if the external id is live."""
        parent_id = None if parent is None else parent.id
        depth = 1 if parent is None else parent.depth + 1
        encoded = _encode(models)
        columns = (workspace, external_entity_id, name, parent_id, enforcement, depth)
        with self.db.transaction():
            now = self.db.timestamp()
            group_id, seq = self.db.insert_with_new_id(
                _INSERT,
                lambda new_id: (new_id, *columns, encoded, now),
                {"external_entity_id": EntityTakenError(external_entity_id)},
            )
        return StoredGroup(seq, group_id, *columns, models, now, None)

    def update(
        self, group: StoredGroup, *, name: str | None, set_name: bool, models: list[dict[str, Any]] | None
    ) -> StoredGroup:
        """Change the name (when ``set_name``) and/or replace the model set (when not None)."""
        updated = replace(
            group,
            name=name if set_name else group.name,
            models=group.models if models is None else models,
        )
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE groups SET name = ?, models = ? WHERE seq = ?",
                (updated.name, _encode(updated.models), group.seq),
            )
        return updated

    def delete(self, group: StoredGroup) -> tuple[str, list[str]]:
        """Soft-delete the group and every descendant; (``deleted_at``, every deleted id, the group first).

        Run it inside the caller's :meth:`Database.transaction` to revoke their keys in the same commit.
        """
        with self.db.transaction() as conn:
            ids = [group.id, *(child.id for child in self.descendants(group))]
            now = self.db.timestamp()
            conn.executemany("UPDATE groups SET deleted_at = ? WHERE id = ?", [(now, i) for i in ids])
        return now, ids

    def page(
        self, workspace: str, after_seq: int, limit: int, external_entity_id: str | None = None
    ) -> tuple[list[StoredGroup], bool]:
        """Up to ``limit`` live groups after ``after_seq`` (of one external id, if given); more after?"""
        if external_entity_id is None:
            return self.db.page(_SELECT_PAGE, (workspace, after_seq), limit, _row)
        return self.db.page(_SELECT_PAGE_OF_ENTITY, (workspace, after_seq, external_entity_id), limit, _row)

    def iter_chain(self, group: StoredGroup) -> Iterator[StoredGroup]:
        """The group itself, then its ancestors up to the root."""
        yield group
        yield from self.ancestors(group)

    def counts(self) -> tuple[int, int]:
        """(live, deleted) group counts over all workspaces."""
        return self.db.counts("groups")
