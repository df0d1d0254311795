"""Reads served from one workspace listing: a refresh of 1,000 endpoints costs a listing, not 1,000 GETs.

:class:`ListingCache` sits between the reads of one client (so one API key, so one workspace: a cache
never holds another workspace's objects) and the API:

- **A lone Read is one GET**, as before: ``Endpoint.get``, a refresh of one resource, a Read while no
  other Read is in progress in this process.
- **Reads that arrive together share one listing.** A Read that arrives while another Read is in
  progress starts a listing of the whole workspace (every page, 1,000 per page), once: Reads arriving
  while it is in flight wait for it (single flight), and every Read then answers from it. The engine's
  refresh sends up to its parallelism of Reads at once, so a refresh costs one GET (the first Read, which
  was alone when it arrived) and one listing.
- **A listing serves for** :data:`FRESHNESS` **seconds** from the moment it began. A Read arriving
  later does not use it: it starts a new one (if other Reads are in progress) or sends a GET.
- **An id missing from a fresh listing is looked up with a GET**: it may be gone, or created after the
  listing began; only the API can tell.
- **This client's own writes update the cached entries** (:meth:`ListingCache.record`, called by the
  client after every create, update and delete), including the entries of a listing still in flight
  when the write completes, so a Read after our own Update never returns the old targets, and a Read
  after our own Delete reports the endpoint gone. Of a write's result and a listing's entry for the same
  id, the one with the later ``updated_at`` wins (a tie goes to the write).
- **A listing that fails** (after the client's own retries of each page) costs nothing but time: its
  Reads fall back to a GET each, and no new listing starts for :data:`FRESHNESS` seconds.

What a Read returns is therefore the endpoint's state as of some moment no earlier than
:data:`FRESHNESS` seconds before the Read arrived (the start of the listing that served it), with every
write of this client applied: an out-of-band change (another stack, the console, a script) made in the
last :data:`FRESHNESS` seconds before a Read may not be in its answer, a change of our own always is.

The cache knows nothing of HTTP or of endpoints: the client gives it a function that lists everything
and one that fetches one object by id (``None`` when it does not exist). It keeps one listing at a time;
a stale one is dropped by the next Read that needs one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

__all__ = ["FRESHNESS", "Listed", "ListingCache", "ListingCounts"]

#: How long (seconds) a listing may serve Reads, from the moment it began: the most an answer can lag
#: behind a change made by someone else. Long enough for the engine to send a refresh's Reads of
#: thousands of endpoints (it sends about a thousand a second through the plugin), short next to the
#: gateway's own 60 s sync of endpoint changes.
FRESHNESS = 10.0

_logger = logging.getLogger("pulumi_baseten_gateway.api")


class Listed(Protocol):
    """What the cache needs of an object: its id and when it last changed."""

    @property
    def id(self) -> str: ...

    @property
    def updated_at(self) -> datetime: ...


_T = TypeVar("_T", bound=Listed)


@dataclass
class ListingCounts:
    """What the cache did since it was made: listings begun (and failed), Reads answered by each way."""

    listings: int = 0
    failed_listings: int = 0
    from_listing: int = 0
    gets: int = 0


@dataclass(eq=False)
class _Listing(Generic[_T]):
    """One listing: in flight until ``done`` is set; then ``ok`` and its entries, or failed.

    ``entries`` maps an id to the object, or to None for an object this client deleted. ``writes`` holds
    this client's writes that completed while it was in flight; they are applied when it lands.
    """

    started: float
    entries: dict[str, _T | None] = field(default_factory=dict)
    writes: dict[str, _T | None] = field(default_factory=dict)
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False


def _apply(entries: dict[str, _T | None], item_id: str, item: _T | None) -> None:
    """A write of ours over a listing that began before it completed: the later ``updated_at`` wins."""
    if item is not None:
        listed = entries.get(item_id)
        if listed is not None and listed.updated_at > item.updated_at:
            return  # changed again, by someone else, after our write: the listing saw it
    entries[item_id] = item


class ListingCache(Generic[_T]):
    """Reads of one client's objects by id, from a shared listing when many arrive together. Thread-safe.

    ``list_all()`` returns every object of the workspace (all pages); ``get(id)`` fetches one, None when
    it does not exist. ``freshness`` is :data:`FRESHNESS`; ``clock`` is ``time.monotonic`` (tests set
    their own, here or on the attribute). ``counts`` says what it did.
    """

    def __init__(
        self,
        list_all: Callable[[], Iterable[_T]],
        get: Callable[[str], _T | None],
        *,
        freshness: float = FRESHNESS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._list_all = list_all
        self._get = get
        self.freshness = freshness
        self.clock = clock
        self._lock = threading.Lock()
        self._current: _Listing[_T] | None = None
        self._reading = 0  # Reads in progress
        self.counts = ListingCounts()

    def read(self, item_id: str) -> _T | None:
        """The object ``item_id`` (None: it does not exist): from a fresh listing, else by a GET."""
        with self._lock:
            arrived = self.clock()
            listing, lead = self._listing_for(arrived, together=self._reading > 0)
            self._reading += 1
        try:
            if listing is not None:
                if lead:
                    self._fill(listing)
                else:
                    listing.done.wait()
                if listing.ok:
                    with self._lock:  # a write may be applying to the entries
                        if item_id in listing.entries:
                            self.counts.from_listing += 1
                            return listing.entries[item_id]
            with self._lock:
                self.counts.gets += 1
            return self._get(item_id)
        finally:
            with self._lock:
                self._reading -= 1

    def record(self, item_id: str, item: _T | None) -> None:
        """A write of this client completed: ``item`` is the object as it returned, None once deleted.

        Applied to the listing in use, or to the one in flight when it lands; a listing begun later
        sees the write on the server.
        """
        with self._lock:
            listing = self._current
            if listing is None:
                return
            if listing.done.is_set():
                if listing.ok:
                    _apply(listing.entries, item_id, item)
            else:
                listing.writes[item_id] = item

    def clear(self) -> None:
        """Forget the listing (the next Reads GET, or list again)."""
        with self._lock:
            if self._current is not None and self._current.done.is_set():
                self._current = None

    # -- machinery -------------------------------------------------------------------------------------

    def _listing_for(self, arrived: float, *, together: bool) -> tuple[_Listing[_T] | None, bool]:
        """The listing a Read arriving now uses, and whether it is to fill it (under the lock).

        A fresh one (landed or in flight) if there is one; else a new one if other Reads are in progress;
        else none (a GET). A failed listing holds off new ones while it would have been fresh.
        """
        current = self._current
        if current is not None and arrived - current.started <= self.freshness:
            in_use = current.ok or not current.done.is_set()
            return (current, False) if in_use else (None, False)
        if current is not None and not current.done.is_set():
            return None, False  # one listing at a time: a slow one is waited for by its own Reads only
        if not together:
            self._current = None  # stale: let it go
            return None, False
        self._current = _Listing(started=arrived)
        self.counts.listings += 1
        return self._current, True

    def _fill(self, listing: _Listing[_T]) -> None:
        """List everything into ``listing``, apply the writes made meanwhile, and let its Reads go."""
        entries: dict[str, _T | None] = {}
        ok = False
        try:
            for item in self._list_all():
                entries[item.id] = item
            ok = True
        except Exception as exc:
            _logger.warning("listing failed, reading one at a time for %g s: %s", self.freshness, exc)
        finally:
            with self._lock:  # landing and ``record`` exclude each other: no write falls in between
                if ok:
                    for item_id, written in listing.writes.items():
                        _apply(entries, item_id, written)
                    listing.entries, listing.ok = entries, True
                else:
                    self.counts.failed_listings += 1
                listing.writes.clear()
                listing.done.set()
