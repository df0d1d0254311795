"""The one SQLite database every store shares: connection, lock, transactions, ids and timestamps.

Each resource has its own store module (:mod:`.endpoint_store`, :mod:`.group_store`,
:mod:`.key_store`, :mod:`.secret_store`) with its own tables, all in this one file, so an emulator
restarted on the same database has lost nothing. One connection and one re-entrant lock: every
operation is a few microseconds, so serialising them costs nothing and keeps check-then-write atomic;
:meth:`Database.transaction` groups several statements (a group's cascading delete) into one commit.

Lookups that fail raise :class:`RowNotFoundError` (404) or :class:`ForbiddenError` (403: it exists, in
another workspace); each store subclasses them to name its resource, and :mod:`.errors` turns them
into the documented answers.
"""

from __future__ import annotations

import secrets
import sqlite3
import string
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

__all__ = [
    "TIMESTAMP_FORMAT",
    "Database",
    "ForbiddenError",
    "RowNotFoundError",
    "new_id",
]

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_ID_ALPHABET = string.ascii_letters + string.digits
_ID_LENGTH = 10
_SCHEMA_VERSION = 2  # 1: endpoints only; 2: + groups, api_keys, secrets (new tables only)

Row = TypeVar("Row")


def new_id(length: int = _ID_LENGTH) -> str:
    """A random opaque id of letters and digits (``3kZ9xqdAb1``)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


class RowNotFoundError(LookupError):
    """No live row has this identifier (never created, or deleted). Subclasses name the resource."""

    field = "id"
    noun = "resource"
    key = "id"

    def __init__(self, identifier: str) -> None:
        super().__init__(identifier)
        self.identifier = identifier

    @property
    def message(self) -> str:
        return f"{self.field}: no {self.noun} with {self.key} {self.identifier!r}"


class ForbiddenError(PermissionError):
    """The row exists but belongs to another workspace. Subclasses name the resource."""

    field = "id"
    noun = "resource"

    def __init__(self, identifier: str) -> None:
        super().__init__(identifier)
        self.identifier = identifier

    @property
    def message(self) -> str:
        return f"{self.field}: {self.noun} {self.identifier!r} belongs to another workspace"


def _is_memory(path: str) -> bool:
    return path in ("", ":memory:") or path.startswith("file::memory:")


class Database:
    """One SQLite database (a file, or ``:memory:`` for throwaway runs) shared by every store."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, uri=path.startswith("file:")
        )
        self.conn.execute("PRAGMA busy_timeout = 5000")
        if not _is_memory(path):
            # WAL + NORMAL: a commit survives the process being killed, and writes skip the fsync.
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        self._depth = 0
        self._last_time = datetime.min.replace(tzinfo=timezone.utc)

    def install(self, schema: str, latest_timestamp_sql: str) -> None:
        """Create a store's tables (if missing) and take its latest timestamp into the clock."""
        with self.lock:
            self.conn.executescript(schema)
            latest = self.conn.execute(latest_timestamp_sql).fetchone()[0]
            if latest:
                seen = datetime.strptime(latest, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
                self._last_time = max(self._last_time, seen)

    def close(self) -> None:
        """Close the connection (checkpointing the WAL into the main file)."""
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock, and make everything inside one commit (nested uses join the outer one)."""
        with self.lock:
            outermost = self._depth == 0
            if outermost:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self.conn
            except BaseException:
                self._depth -= 1
                if outermost:
                    self.conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self.conn.execute("COMMIT")

    def insert_with_new_id(
        self,
        sql: str,
        params: Callable[[str], Sequence[object]],
        taken: Mapping[str, Exception] | None = None,
    ) -> tuple[str, int]:
        """Insert one row under a fresh :func:`new_id`; its ``(id, seq)``.

        ``params(id)`` are the statement's parameters. A unique value already live raises the error
        ``taken`` gives for the column SQLite names (``{"endpoints.slug": SlugTakenError(slug)}``); any
        other integrity error is an id collision (1 in 62**10 per live row), and another id is drawn.
        The caller holds :attr:`lock` (or a :meth:`transaction`) and took the row's timestamps under it.
        """
        with self.lock:
            while True:
                row_id = new_id()
                try:
                    cursor = self.conn.execute(sql, params(row_id))
                except sqlite3.IntegrityError as exc:
                    for column, error in (taken or {}).items():
                        if column in str(exc):
                            raise error from None
                    continue  # an id collision: draw another
                assert cursor.lastrowid is not None
                return row_id, cursor.lastrowid

    def page(
        self, sql: str, params: Sequence[object], limit: int, row: Callable[[Any], Row]
    ) -> tuple[list[Row], bool]:
        """Up to ``limit`` rows of a keyset-page query, each made with ``row``, and whether more follow.

        ``sql`` ends in ``LIMIT ?``: it is run with ``params`` and ``limit + 1``, the extra row telling
        whether there is a next page.
        """
        with self.lock:
            rows = self.conn.execute(sql, (*params, limit + 1)).fetchall()
        return [row(values) for values in rows[:limit]], len(rows) > limit

    def counts(self, table: str, gone: str = "deleted_at") -> tuple[int, int]:
        """``table``'s (live, gone) row counts: rows whose ``gone`` timestamp is unset, and set."""
        sums = f"COALESCE(SUM({gone} IS NULL), 0), COALESCE(SUM({gone} IS NOT NULL), 0)"
        with self.lock:
            live, removed = self.conn.execute(f"SELECT {sums} FROM {table}").fetchone()  # noqa: S608 (constants)
        return int(live), int(removed)

    def timestamp(self) -> str:
        """RFC 3339 UTC with microseconds, strictly increasing across calls, tables and restarts.

        Successive writes then always get distinct, sortable timestamps even within one clock tick
        (or after the wall clock steps back).
        """
        with self.lock:
            now = datetime.now(timezone.utc)
            if now <= self._last_time:
                now = self._last_time + timedelta(microseconds=1)
            self._last_time = now
            return now.strftime(TIMESTAMP_FORMAT)
