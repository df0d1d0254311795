"""Reads served from one workspace listing: a refresh of 1,000 endpoints costs a listing, not 1,000 GETs.

:class:`ListingCache` sits between the reads of one client (so one API key, so one workspace: a cache
never holds another workspace's objects) and the API:

- **A lone Read is one GET**, as before: ``Endpoint.get``, a refresh of one resource, a Read while no
  other Read is in progress in this process and none ended in the last :data:`TOGETHER` seconds.
- **Reads that arrive together share one listing.** A Read that arrives while another Read is in
  progress, or within :data:`TOGETHER` seconds of the last one's end, starts a listing of the whole
  workspace (every page, 1,000 per page), once: Reads arriving while it is in flight wait for it (single
  flight), and every Read then answers from it. The engine's refresh sends its Reads back to back (up to
  its parallelism at once), so a refresh costs one GET (the first Read, alone when it arrived) and one
  listing, whether or not the first GET ends before the next Read comes.
- **A listing answers each id once: its first look.** A Read of an id that this process has read or
  written since the listing began is a GET: a re-read, or a Read after any write of this client (a
  create, an update or a delete, even one that failed on the way), sees the API as it is then. Only ids
  that nothing in this process has touched since the listing began are answered from it (an id read by
  a GET before it began gets the listing's newer answer).
- **A listing serves for** :data:`FRESHNESS` **seconds** from the moment it began. A Read arriving
  later does not use it: it starts a new one (if it arrives together with others) or sends a GET.
- **An id missing from a fresh listing is looked up with a GET**: it may be gone, or created after the
  listing began; only the API can tell.
- **A listing that fails** (after the client's own retries of each page) costs nothing but time: its
  Reads fall back to a GET each, and no new listing starts for :data:`FRESHNESS` seconds.

What a Read returns is therefore the object's state as of some moment no earlier than :data:`FRESHNESS`
seconds before the Read arrived (the start of the listing that served it), and never older than what an
earlier Read or write of this process saw: an out-of-band change (another stack, the console, a script)
made in the last :data:`FRESHNESS` seconds before a first look may not be in its answer.

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
from typing import Generic, Protocol, TypeVar

__all__ = ["FRESHNESS", "TOGETHER", "Listed", "ListingCache", "ListingCounts"]

#: How long (seconds) a listing may serve Reads, from the moment it began: the most an answer can lag
#: behind a change made by someone else. Long enough for the engine to send a refresh's Reads of
#: thousands of endpoints (it sends about a thousand a second through the plugin), short next to the
#: gateway's own 60 s sync of endpoint changes.
FRESHNESS = 10.0

#: A Read that arrives less than this many seconds after the last Read ended counts as arriving together
#: with it. The engine sends a refresh's Reads milliseconds apart; a person or a script reading one
#: object at a time is rarely that quick, and when it is, costs one listing instead of a GET.
TOGETHER = 1.0

_logger = logging.getLogger("pulumi_baseten_gateway.api")


class Listed(Protocol):
    """What the cache needs of an object: its id."""

    @property
    def id(self) -> str: ...


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

    ``touched`` holds the ids read or written by this process since it began: it never answers those.
    """

    started: float
    entries: dict[str, _T] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    done: threading.Event = field(default_factory=threading.Event)
    ok: bool = False


class ListingCache(Generic[_T]):
    """Reads of one client's objects by id, from a shared listing when many arrive together. Thread-safe.

    ``list_all()`` returns every object of the workspace (all pages); ``get(id)`` fetches one, None when
    it does not exist. ``freshness`` is :data:`FRESHNESS`, ``together`` :data:`TOGETHER`; ``clock`` is
    ``time.monotonic`` (tests set their own, here or on the attribute). ``counts`` says what it did.
    """

    def __init__(
        self,
        list_all: Callable[[], Iterable[_T]],
        get: Callable[[str], _T | None],
        *,
        freshness: float = FRESHNESS,
        together: float = TOGETHER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._list_all = list_all
        self._get = get
        self.freshness = freshness
        self.together = together
        self.clock = clock
        self._lock = threading.Lock()
        self._current: _Listing[_T] | None = None
        self._reading = 0  # Reads in progress
        self._last_end: float | None = None  # when the last Read ended
        self.counts = ListingCounts()

    def read(self, item_id: str) -> _T | None:
        """The object ``item_id`` (None: it does not exist): from a fresh listing, else by a GET."""
        with self._lock:
            arrived = self.clock()
            together = self._reading > 0 or (
                self._last_end is not None and arrived - self._last_end < self.together
            )
            listing, lead = self._listing_for(arrived, together=together)
            self._reading += 1
        try:
            if listing is not None:
                if lead:
                    self._fill(listing)
                else:
                    listing.done.wait()
                with self._lock:
                    first_look = item_id not in listing.touched
                    listing.touched.add(item_id)
                    if listing.ok and first_look and item_id in listing.entries:
                        self.counts.from_listing += 1
                        return listing.entries[item_id]
            with self._lock:
                self.counts.gets += 1
            return self._get(item_id)
        finally:
            with self._lock:
                self._reading -= 1
                self._last_end = self.clock()

    def record(self, item_id: str) -> None:
        """A write of this client to ``item_id`` ended (whether it succeeded or not).

        The listing in use (or in flight) never answers for it again: later Reads of it are GETs. A
        listing begun later sees the write on the server.
        """
        with self._lock:
            if self._current is not None:
                self._current.touched.add(item_id)

    def clear(self) -> None:
        """Forget the listing (the next Reads GET, or list again)."""
        with self._lock:
            if self._current is not None and self._current.done.is_set():
                self._current = None

    # -- machinery -------------------------------------------------------------------------------------

    def _listing_for(self, arrived: float, *, together: bool) -> tuple[_Listing[_T] | None, bool]:
        """The listing a Read arriving now uses, and whether it is to fill it (under the lock).

        A fresh one (landed or in flight) if there is one; else a new one if the Read arrived together
        with others; else none (a GET). A failed listing holds off new ones while it would have been fresh.
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
        """List everything into ``listing`` and let its Reads go."""
        entries: dict[str, _T] = {}
        ok = False
        try:
            for item in self._list_all():
                entries[item.id] = item
            ok = True
        except Exception as exc:
            _logger.warning("listing failed, reading one at a time for %g s: %s", self.freshness, exc)
        finally:
            with self._lock:
                if ok:
                    listing.entries, listing.ok = entries, True
                else:
                    self.counts.failed_listings += 1
                listing.done.set()
