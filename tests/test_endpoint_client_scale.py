"""List-backed Reads (``api/listing.py``): a refresh of many endpoints costs one listing, not a GET each,
and stays correct: never older than the listing, our own writes always seen, deletes reported as gone,
one workspace's data never served to another, faults on the listing survived.

Synchronisation is by events and barriers, and time by a controllable clock: nothing here sleeps to wait
for another thread.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from harness.emulator import (
    ACME_KEY,
    ENDPOINTS_PATH,
    GLOBEX_KEY,
    GLOBEX_PREFIX,
    EmulatorProcess,
    auth_headers,
    unique_slug,
)
from harness.hostile import Behaviour, HostileServer, Request, reply
from pulumi_baseten_gateway import EndpointOperationError, GatewayClient, RetryPolicy
from pulumi_baseten_gateway.api.listing import FRESHNESS, TOGETHER, ListingCache
from pulumi_baseten_gateway.api.models.endpoint import EndpointInfo
from pulumi_baseten_gateway.resources.endpoint.core import EndpointCore
from pulumi_baseten_gateway.settings import Settings
from tests.conftest import MakeEmulator

FAST_RETRY = RetryPolicy(max_attempts=10, initial_backoff=0.005, max_backoff=0.05, total_timeout=60)
T0 = datetime(2026, 11, 29, tzinfo=timezone.utc)
LIST_ROUTE = f"GET {ENDPOINTS_PATH}"
GET_ROUTE = f"GET {ENDPOINTS_PATH}/{{endpoint_id}}"


# -- the cache on its own: fake listing, fake GET, fake clock ----------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    updated_at: datetime
    value: str


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Backend:
    """A fake API: ``items`` by id, and what was asked of it."""

    def __init__(self, count: int = 5) -> None:
        self.items = {f"i{n}": Item(f"i{n}", T0, "v0") for n in range(count)}
        self.listings = 0
        self.gets: list[str] = []
        self.list_gate: threading.Event | None = None  # set: the listing may answer
        self.listing_started = threading.Event()
        self.get_gate: threading.Event | None = None  # the next GET waits for it
        self.get_started = threading.Event()
        self.fail_listing = False

    def list_all(self) -> Iterable[Item]:
        self.listings += 1
        snapshot = list(self.items.values())
        self.listing_started.set()
        if self.list_gate is not None:
            assert self.list_gate.wait(30)
        if self.fail_listing:
            raise RuntimeError("listing failed")
        return snapshot

    def get(self, item_id: str) -> Item | None:
        self.gets.append(item_id)
        gate, self.get_gate = self.get_gate, None  # holds the first GET after it is set only
        self.get_started.set()
        if gate is not None:
            assert gate.wait(30)
        return self.items.get(item_id)

    def cache(self, clock: Callable[[], float] | None = None) -> ListingCache[Item]:
        return ListingCache(self.list_all, self.get, clock=clock or Clock())


def read_in_thread(cache: ListingCache[Item], item_id: str) -> concurrent.futures.Future[Item | None]:
    future: concurrent.futures.Future[Item | None] = concurrent.futures.Future()

    def run() -> None:
        try:
            future.set_result(cache.read(item_id))
        except BaseException as exc:  # pragma: no cover - reported by the test
            future.set_exception(exc)

    threading.Thread(target=run, daemon=True).start()
    return future


def together(backend: Backend, cache: ListingCache[Item], first: str = "i0", second: str = "i1") -> None:
    """One Read in progress (its GET held), a second arriving meanwhile: the second starts a listing."""
    backend.get_started.clear()
    backend.get_gate = gate = threading.Event()
    lone = read_in_thread(cache, first)
    assert backend.get_started.wait(30)
    assert cache.read(second) == backend.items.get(second)
    gate.set()
    assert lone.result(30) == backend.items.get(first)


def test_a_lone_read_is_one_get_and_no_listing() -> None:
    clock = Clock()
    backend = Backend()
    cache = backend.cache(clock)
    assert cache.read("i1") == backend.items["i1"]
    clock.now += TOGETHER  # not within TOGETHER of the last Read's end: alone again
    assert cache.read("nope") is None
    assert (backend.listings, backend.gets) == (0, ["i1", "nope"])
    assert (cache.counts.gets, cache.counts.listings, cache.counts.from_listing) == (2, 0, 0)


def test_reads_in_quick_succession_share_one_listing_too() -> None:
    """The engine's Reads may trickle in one by one, each GET over before the next Read arrives."""
    clock = Clock()
    backend = Backend(count=20)
    cache = backend.cache(clock)
    for n in range(20):
        assert cache.read(f"i{n}") == backend.items[f"i{n}"]
        clock.now += TOGETHER * 0.4  # never two at once, but each close on the heels of the last
    assert (backend.listings, backend.gets) == (1, ["i0"])
    assert (cache.counts.from_listing, cache.counts.gets) == (19, 1)


def test_reads_arriving_together_share_one_listing() -> None:
    backend = Backend(count=50)
    cache = backend.cache()
    backend.get_gate = gate = threading.Event()
    lone = read_in_thread(cache, "i0")  # alone when it arrives: a GET (held until the others came)
    assert backend.get_started.wait(30)
    answers = [cache.read(f"i{n}") for n in range(1, 50)]  # each arrives while i0 is in progress
    gate.set()
    assert lone.result(30) == backend.items["i0"]
    assert answers == [backend.items[f"i{n}"] for n in range(1, 50)]
    assert backend.listings == 1
    assert backend.gets == ["i0"]
    assert (cache.counts.listings, cache.counts.from_listing, cache.counts.gets) == (1, 49, 1)


def test_reads_arriving_while_a_listing_is_in_flight_wait_for_it() -> None:
    backend = Backend(count=20)
    cache = backend.cache()
    backend.get_gate = gate = threading.Event()
    backend.list_gate = threading.Event()
    lone = read_in_thread(cache, "i0")
    assert backend.get_started.wait(30)
    leader = read_in_thread(cache, "i1")  # starts the listing, which is held
    assert backend.listing_started.wait(30)
    waiters = [read_in_thread(cache, f"i{n}") for n in range(2, 20)]
    backend.list_gate.set()
    gate.set()
    assert [f.result(30) for f in (lone, leader, *waiters)] == list(backend.items.values())
    assert backend.listings == 1
    assert backend.gets == ["i0"]


def test_a_listing_serves_for_the_freshness_bound_then_reads_get_or_list_again() -> None:
    clock = Clock()
    backend = Backend()
    cache = backend.cache(clock)
    together(backend, cache)
    assert cache.read("i2") == backend.items["i2"]  # from the listing: no request
    assert (backend.listings, len(backend.gets)) == (1, 1)
    clock.now += FRESHNESS  # still fresh at the bound itself
    assert cache.read("i3") == backend.items["i3"]
    assert (backend.listings, len(backend.gets)) == (1, 1)
    clock.now += TOGETHER  # past it (and not on the heels of the last Read): a lone Read GETs again
    backend.items["i4"] = Item("i4", T0 + timedelta(seconds=1), "v1")
    assert cache.read("i4") == Item("i4", T0 + timedelta(seconds=1), "v1")
    assert (backend.listings, backend.gets[-1]) == (1, "i4")
    clock.now += TOGETHER
    together(backend, cache, "i0", "i4")  # and Reads together list again
    assert backend.listings == 2


def test_an_id_missing_from_a_fresh_listing_is_looked_up() -> None:
    backend = Backend()
    cache = backend.cache()
    together(backend, cache)
    backend.items["new"] = Item("new", T0, "created after the listing")
    assert cache.read("new") == backend.items["new"]
    assert cache.read("gone") is None
    assert backend.gets[-2:] == ["new", "gone"]


def test_a_listing_answers_only_first_looks() -> None:
    """A re-read, or a Read after our own write, is a GET: never older than what this process saw."""
    backend = Backend()
    cache = backend.cache()
    together(backend, cache)  # i0 by a GET, i1 from the listing
    assert cache.read("i2") == backend.items["i2"]  # first look: from the listing
    gets = len(backend.gets)
    backend.items["i2"] = Item("i2", T0 + timedelta(seconds=1), "changed out of band")
    backend.items["i1"] = Item("i1", T0 + timedelta(seconds=1), "changed out of band")
    assert cache.read("i2") == backend.items["i2"]  # a re-read: the API as it is now
    assert cache.read("i1") == backend.items["i1"]
    assert backend.gets[gets:] == ["i2", "i1"]
    assert cache.read("i3") == backend.items["i3"]  # untouched: still from the listing
    assert len(backend.gets) == gets + 2


def test_a_listing_never_answers_for_what_we_wrote() -> None:
    backend = Backend()
    cache = backend.cache()
    together(backend, cache)
    backend.items["i3"] = updated = Item("i3", T0 + timedelta(seconds=1), "ours")
    cache.record("i3")
    del backend.items["i4"]
    cache.record("i4")
    backend.items["c"] = created = Item("c", T0 + timedelta(seconds=2), "created by us")
    cache.record("c")
    cache.record("i2")  # a write that failed on the way: what it did, only the API knows
    gets = len(backend.gets)
    assert (cache.read("i3"), cache.read("i4"), cache.read("c")) == (updated, None, created)
    assert cache.read("i2") == backend.items["i2"]
    assert backend.gets[gets:] == ["i3", "i4", "c", "i2"]


def test_our_writes_during_a_listing_in_flight_are_never_undone_when_it_lands() -> None:
    """The listing read i1 and i2 before our update and delete: it must not answer with them."""
    backend = Backend()
    cache = backend.cache()
    backend.get_gate = gate = threading.Event()
    backend.list_gate = threading.Event()
    lone = read_in_thread(cache, "i0")
    assert backend.get_started.wait(30)
    leader = read_in_thread(cache, "i1")
    assert backend.listing_started.wait(30)  # it holds the old i1 and i2 now
    updated = Item("i1", T0 + timedelta(seconds=1), "ours")
    backend.items["i1"] = updated
    cache.record("i1")
    del backend.items["i2"]
    cache.record("i2")
    backend.list_gate.set()
    gate.set()
    assert lone.result(30) == backend.items["i0"]
    assert leader.result(30) == updated
    assert cache.read("i2") is None
    assert cache.read("i3") == backend.items["i3"]
    assert backend.gets == ["i0", "i1", "i2"]


def test_a_failed_listing_falls_back_to_gets_and_is_not_retried_at_once() -> None:
    clock = Clock()
    backend = Backend()
    backend.fail_listing = True
    cache = backend.cache(clock)
    together(backend, cache)
    assert backend.listings == 1
    assert cache.counts.failed_listings == 1
    assert backend.gets == ["i0", "i1"]  # the leader got its answer by a GET
    together(backend, cache, "i2")
    assert backend.listings == 1  # held off while the failed one would have been fresh
    assert backend.gets[-2:] == ["i2", "i1"]
    clock.now += FRESHNESS + 1
    backend.fail_listing = False
    together(backend, cache, "i3")
    assert backend.listings == 2
    assert cache.read("i4") == backend.items["i4"]


def test_each_failed_listing_is_counted_and_logged_with_its_cause(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    backend = Backend()
    backend.fail_listing = True
    cache = backend.cache(clock)
    for _ in range(2):
        together(backend, cache)
        clock.now += FRESHNESS + TOGETHER
    assert (backend.listings, cache.counts.failed_listings, cache.counts.listings) == (2, 2, 2)
    warnings = [r.getMessage() for r in caplog.records if r.name == "pulumi_baseten_gateway.api"]
    assert warnings == ["listing failed, reading one at a time for 10 s: listing failed"] * 2


def test_a_read_still_in_progress_keeps_the_next_one_together_however_long_ago_others_ended() -> None:
    """Reads in progress are counted, not flagged: one ending does not make the others' company vanish."""
    clock = Clock()
    backend = Backend()
    cache = backend.cache(clock)
    backend.get_gate = held_get = threading.Event()
    backend.list_gate = threading.Event()
    lone = read_in_thread(cache, "i0")  # a GET, held: in progress throughout
    assert backend.get_started.wait(30)
    leader = read_in_thread(cache, "i1")  # together with it: a listing, held
    assert backend.listing_started.wait(30)
    backend.list_gate.set()
    assert leader.result(30) == backend.items["i1"]  # one of the two Reads ended
    clock.now += FRESHNESS + TOGETHER  # the listing is stale, and the end long ago
    backend.listing_started.clear()
    assert cache.read("i2") == backend.items["i2"]  # i0 is still in progress: together, a new listing
    assert backend.listings == 2
    held_get.set()
    assert lone.result(30) == backend.items["i0"]
    assert backend.gets == ["i0"]


def test_clear_forgets_a_landed_listing_but_not_one_in_flight() -> None:
    clock = Clock()
    backend = Backend()
    cache = backend.cache(clock)
    cache.clear()  # nothing to forget yet
    together(backend, cache)
    clock.now += TOGETHER  # a lone Read from now on, the listing still fresh
    assert cache.read("i2") == backend.items["i2"]
    gets = len(backend.gets)  # from the listing: no request
    clock.now += TOGETHER
    cache.clear()
    assert cache.read("i3") == backend.items["i3"]  # forgotten: a GET
    assert backend.gets[gets:] == ["i3"]
    assert backend.listings == 1
    clock.now += TOGETHER

    backend.get_gate = gate = threading.Event()
    backend.list_gate = threading.Event()
    backend.listing_started.clear()
    lone = read_in_thread(cache, "i3")
    assert backend.get_started.wait(30)
    leader = read_in_thread(cache, "i4")  # a second listing, held in flight
    assert backend.listing_started.wait(30)
    cache.clear()  # in flight: kept, its Reads still get their answers from it
    backend.list_gate.set()
    gate.set()
    assert (lone.result(30), leader.result(30)) == (backend.items["i3"], backend.items["i4"])
    assert backend.listings == 2
    assert cache.read("i0") == backend.items["i0"]  # first look at the landed listing: no request
    assert backend.gets[-1] == "i3"


# -- the client and the core against the emulator ------------------------------------------------------------


def seed(
    emulator: EmulatorProcess, count: int, key: str = ACME_KEY, prefix: str = "acme"
) -> list[dict[str, Any]]:
    made = []
    with httpx.Client(base_url=emulator.base_url, headers=auth_headers(key), timeout=30) as raw:
        for n in range(count):
            body = {
                "slug": unique_slug(prefix, f"s{n}"),
                "targets": [{"provider": "BASETEN", "model_id": "v0"}],
            }
            response = raw.post(ENDPOINTS_PATH, json=body)
            response.raise_for_status()
            made.append(response.json())
    return made


def version(outputs: dict[str, Any]) -> int:
    return int(outputs["targets"][0]["model_id"][1:])


@pytest.fixture
def scale_emulator(make_emulator: MakeEmulator) -> EmulatorProcess:
    """A private emulator: its request counters are this test's alone."""
    return make_emulator()


@pytest.fixture
def client(scale_emulator: EmulatorProcess) -> Iterator[GatewayClient]:
    with GatewayClient(ACME_KEY, base_url=scale_emulator.base_url, retry=FAST_RETRY) as gateway:
        yield gateway


@contextmanager
def arriving_together(client: GatewayClient) -> Iterator[None]:
    """The first GET of ``client`` waits until a second Read has arrived, as in the engine's refresh.

    Threads of a pool start one by one: without this, the first Read could, in theory, be over before
    the second arrives (it would then still count as together, within ``TOGETHER`` of its end; this keeps
    the overlap certain). Arrivals are counted on the cache's clock, which a Read reads as it arrives
    (and again as it ends, which cannot happen first here: the first GET is held).
    """
    listing = client.endpoints.listing
    clock, get = listing.clock, client.endpoints.get
    arrivals, second = itertools.count(), threading.Event()

    def counting_clock() -> float:
        if next(arrivals) >= 1:
            second.set()
        return clock()

    def held_get(endpoint_id: str) -> EndpointInfo:
        second.wait(30)
        return get(endpoint_id)

    listing.clock = counting_clock
    client.endpoints.get = held_get  # type: ignore[method-assign]
    try:
        yield
    finally:
        listing.clock = clock
        del client.endpoints.get


def refresh(
    core: EndpointCore, endpoints: list[dict[str, Any]], client: GatewayClient | None = None
) -> list[Any]:
    """A Read of each, 8 at a time, as the engine's refresh sends them (together, given ``client``)."""
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        if client is None:
            return list(pool.map(lambda e: core.read(e["id"], {"slug": e["slug"]}), endpoints))
        with arriving_together(client):
            return list(pool.map(lambda e: core.read(e["id"], {"slug": e["slug"]}), endpoints))


def routes(emulator: EmulatorProcess) -> dict[str, int]:
    by_route: dict[str, int] = emulator.stats()["by_route"]
    return by_route


def test_a_refresh_of_many_endpoints_costs_a_handful_of_requests(
    scale_emulator: EmulatorProcess, client: GatewayClient
) -> None:
    endpoints = seed(scale_emulator, 1200)  # two pages
    core = EndpointCore(lambda: client)
    scale_emulator.reset_stats()
    results = refresh(core, endpoints, client)
    assert [r.id for r in results] == [e["id"] for e in endpoints]
    assert [r.outputs["slug"] for r in results] == [e["slug"] for e in endpoints]
    assert routes(scale_emulator) == {LIST_ROUTE: 2, GET_ROUTE: 1}


def test_a_lone_read_costs_one_get(scale_emulator: EmulatorProcess, client: GatewayClient) -> None:
    (endpoint,) = seed(scale_emulator, 1)
    scale_emulator.reset_stats()
    outcome = EndpointCore(lambda: client).read(endpoint["id"], {})
    assert outcome is not None
    assert outcome.outputs["slug"] == endpoint["slug"]
    assert routes(scale_emulator) == {GET_ROUTE: 1}


class OutOfBand:
    """Another writer: bumps endpoints' ``model_id`` (v1, v2, ...) over raw HTTP, riding out faults.

    ``committed[id]`` is the newest version the server confirmed; a version whose answer was lost (a
    dropped connection) is sent again until confirmed, so the server is never behind ``committed``.
    Bumps run one at a time, the test's own and the thread's: once no bump is in progress, the server
    is at ``committed``.
    """

    def __init__(self, emulator: EmulatorProcess, endpoints: list[dict[str, Any]]) -> None:
        self.raw = httpx.Client(base_url=emulator.base_url, headers=auth_headers(), timeout=30)
        self.ids = [e["id"] for e in endpoints]
        self.committed = dict.fromkeys(self.ids, 0)
        self.lock = threading.Lock()  # guards ``committed``
        # Held for a whole bump. Without it, a bump by the test and one by the thread of the same
        # endpoint could both read version n, the thread's v(n+1) land first, the test's v(n+1), v(n+2),
        # ... after it, and the thread then record n+1 over them: ``committed`` behind the server (a
        # run's final refresh read v3 of an endpoint ``committed`` said was at v1).
        self.bumping = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def bump(self, endpoint_id: str) -> None:
        with self.bumping:
            with self.lock:
                next_version = self.committed[endpoint_id] + 1
            body = {"targets": [{"provider": "BASETEN", "model_id": f"v{next_version}"}]}
            while True:
                try:
                    response = self.raw.patch(f"{ENDPOINTS_PATH}/{endpoint_id}", json=body)
                except httpx.TransportError:
                    continue
                if response.status_code == 200:
                    break
                assert response.status_code in (429, 500, 502, 503, 504), response.text
            with self.lock:
                self.committed[endpoint_id] = next_version

    def delete(self, endpoint_id: str) -> None:
        while True:
            try:
                response = self.raw.delete(f"{ENDPOINTS_PATH}/{endpoint_id}")
            except httpx.TransportError:
                continue
            if response.status_code in (200, 404):
                return

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            self.bump(self.ids[n % len(self.ids)])
            n += 7

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.committed)

    def __enter__(self) -> OutOfBand:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(60)
        self.raw.close()


def checked_refresh(client: GatewayClient, endpoints: list[dict[str, Any]], writer: OutOfBand) -> None:
    """A refresh while ``writer`` changes endpoints: each Read at least as new as the listing that served
    it, or (the lone Read that came first) as what was confirmed when it arrived."""
    listing = client.endpoints.listing
    at_listing: list[dict[str, int]] = []
    list_all = listing._list_all

    def recording_list_all() -> Any:
        at_listing.append(writer.snapshot())  # what the server had confirmed before the first page
        return list_all()

    listing._list_all = recording_list_all  # type: ignore[method-assign]
    core = EndpointCore(lambda: client)

    def read(endpoint: dict[str, Any]) -> tuple[dict[str, int], Any]:
        arrived = writer.snapshot()
        return arrived, core.read(endpoint["id"], {"slug": endpoint["slug"]})

    with concurrent.futures.ThreadPoolExecutor(8) as pool, arriving_together(client):
        results = list(pool.map(read, endpoints))
    listing._list_all = list_all  # type: ignore[method-assign]
    assert len(at_listing) >= 1
    first_listing = at_listing[0]
    for endpoint, (arrived, outcome) in zip(endpoints, results, strict=False):
        assert outcome is not None, endpoint["id"]
        floor = min(arrived.get(endpoint["id"], 0), first_listing.get(endpoint["id"], 0))
        assert version(outcome.outputs) >= floor, (endpoint["id"], outcome.outputs, floor)


def test_a_refresh_during_out_of_band_changes_is_never_older_than_the_listing(
    scale_emulator: EmulatorProcess, client: GatewayClient
) -> None:
    endpoints = seed(scale_emulator, 300)
    with OutOfBand(scale_emulator, endpoints) as writer:
        for _ in range(3):
            writer.bump(endpoints[0]["id"])  # some history before the refresh
        checked_refresh(client, endpoints, writer)
    # A listing begun after the last change sees every one.
    client.endpoints.listing.clear()
    final = writer.snapshot()
    results = refresh(EndpointCore(lambda: client), endpoints, client)
    assert [version(r.outputs) for r in results] == [final[e["id"]] for e in endpoints]


def test_the_same_under_faults_on_the_list_calls(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    endpoints = seed(emulator, 1500)  # two pages: faults can hit either
    # Faults are drawn in request order, so which calls they hit (the writer's or the refresh's) is up to
    # the thread schedule; only the first requests after seeding are sure to happen. Seed 15 draws a 429
    # for the first request and a 5xx for the second (then faults about one request in three), so both
    # kinds are injected in every run. (Seed 13 drew none for the first 13 requests and the first 429
    # for the 28th: runs where the writer got fewer writes in, 21 requests in all, saw no 429.)
    emulator.set_faults(error_rate=0.25, rate_limit_rate=0.15, drop_rate=0.1, seed=15)
    for endpoints_read in (endpoints[:200], endpoints):
        with (
            GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=FAST_RETRY) as client,
            OutOfBand(emulator, endpoints_read[:200]) as writer,
        ):
            checked_refresh(client, endpoints_read, writer)
            assert client.endpoints.listing.counts.failed_listings == 0
    stats = emulator.stats()
    assert stats["faults"]["5xx"] > 0
    assert stats["faults"]["429"] > 0
    # No drop assertion: the emulator drops only writes (POST/PATCH/DELETE), and whether the out-of-band
    # writer's few writes draw one is up to the thread schedule; the listings are GETs.
    assert stats["by_route"][LIST_ROUTE] >= 4  # two listings of two pages, and the retries


def test_a_delete_between_listing_and_read_is_reported_as_gone(
    scale_emulator: EmulatorProcess, client: GatewayClient
) -> None:
    endpoints = seed(scale_emulator, 30)
    core = EndpointCore(lambda: client)
    clock = Clock()
    client.endpoints.listing.clock = clock
    writer = OutOfBand(scale_emulator, endpoints)
    # Deleted out of band before the listing: missing from it, so looked up, and gone.
    writer.delete(endpoints[0]["id"])
    results = refresh(core, endpoints[:-1], client)  # the last one is listed, not read
    assert results[0] is None
    assert all(r is not None for r in results[1:])
    # Deleted by us after the listing landed: gone, by a GET (the listing never answers for our writes).
    scale_emulator.reset_stats()
    core.delete(endpoints[1]["id"], {"slug": endpoints[1]["slug"]})
    assert core.read(endpoints[1]["id"], {}) is None
    assert routes(scale_emulator) == {f"DELETE {ENDPOINTS_PATH}/{{endpoint_id}}": 1, GET_ROUTE: 1}
    # Deleted out of band after the listing, and read before: a re-read is a GET, so gone at once.
    writer.delete(endpoints[2]["id"])
    assert core.read(endpoints[2]["id"], {}) is None
    # Deleted out of band after the listing, never read: its first look is the listing's answer while
    # the listing is fresh (the documented bound), gone once it is not.
    writer.delete(endpoints[-1]["id"])
    assert core.read(endpoints[-1]["id"], {}) is not None
    clock.now += FRESHNESS + 0.001
    assert core.read(endpoints[-1]["id"], {}) is None
    writer.raw.close()


def test_our_writes_while_a_listing_is_in_flight_are_never_undone(
    scale_emulator: EmulatorProcess, client: GatewayClient
) -> None:
    """The listing fetched its page before our update and delete; it lands after them."""
    endpoints = seed(scale_emulator, 20)
    core = EndpointCore(lambda: client)
    listing = client.endpoints.listing
    fetched, release = threading.Event(), threading.Event()
    list_all = listing._list_all

    def held_list_all() -> list[EndpointInfo]:
        page = list(list_all())
        fetched.set()
        assert release.wait(30)
        return page

    listing._list_all = held_list_all  # type: ignore[method-assign]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        held_get = threading.Event()
        get = client.endpoints.get

        def slow_get(endpoint_id: str) -> EndpointInfo:
            found = get(endpoint_id)
            assert held_get.wait(30)
            return found

        client.endpoints.get = slow_get  # type: ignore[method-assign]
        lone = pool.submit(core.read, endpoints[0]["id"], {})
        # The lone Read is in progress: this one starts the listing, which is then held.
        leader = pool.submit(core.read, endpoints[1]["id"], {})
        assert fetched.wait(30)
        client.endpoints.get = get  # type: ignore[method-assign]
        new_targets = [{"provider": "BASETEN", "model_id": "ours"}]
        outputs = core.update(endpoints[2]["id"], {}, {"slug": endpoints[2]["slug"], "targets": new_targets})
        core.delete(endpoints[3]["id"], {})
        release.set()
        held_get.set()
        assert lone.result(30) is not None
        assert leader.result(30) is not None
    scale_emulator.reset_stats()
    read = core.read(endpoints[2]["id"], {})
    assert read is not None
    assert read.outputs["targets"] == new_targets == outputs["targets"]
    assert core.read(endpoints[3]["id"], {}) is None
    assert routes(scale_emulator) == {GET_ROUTE: 2}  # the listing never answers for our writes
    assert core.read(endpoints[4]["id"], {}) is not None
    assert routes(scale_emulator) == {GET_ROUTE: 2}  # an untouched one still comes from it
    assert listing.counts.listings == 1


def test_a_read_after_our_update_never_returns_the_old_targets(
    scale_emulator: EmulatorProcess, client: GatewayClient
) -> None:
    endpoints = seed(scale_emulator, 50)
    core = EndpointCore(lambda: client)
    refresh(core, endpoints, client)  # a listing is in place
    for n, endpoint in enumerate(endpoints[:10]):
        targets = [{"provider": "BASETEN", "model_id": f"v{n + 100}"}]
        core.update(endpoint["id"], {}, {"slug": endpoint["slug"], "targets": targets})
    results = refresh(core, endpoints, client)
    assert [version(r.outputs) for r in results] == [n + 100 for n in range(10)] + [0] * 40


def test_no_read_returns_data_of_another_workspace(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    acme = seed(emulator, 60)
    globex = seed(emulator, 60, GLOBEX_KEY, GLOBEX_PREFIX)
    settings = {
        "acme": Settings(api_key=ACME_KEY, base_url=emulator.base_url, rate=None),
        "globex": Settings(api_key=GLOBEX_KEY, base_url=emulator.base_url, rate=None),
    }
    cores = {name: EndpointCore(s.client) for name, s in settings.items()}
    mine = {"acme": acme, "globex": globex}

    def read(job: tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any], Any]:
        workspace, endpoint = job
        try:
            return workspace, endpoint, cores[workspace].read(endpoint["id"], {})
        except EndpointOperationError as error:
            return workspace, endpoint, error

    # Each workspace reads its own endpoints and the other's, interleaved, 8 at a time.
    jobs = [
        (name, endpoint)
        for pair in zip(acme, globex, strict=False)
        for name in ("acme", "globex")
        for endpoint in pair
    ]
    # Each client's first Read held until a second arrives: each then lists, whatever the schedule.
    with (
        concurrent.futures.ThreadPoolExecutor(8) as pool,
        arriving_together(settings["acme"].client()),
        arriving_together(settings["globex"].client()),
    ):
        results = list(pool.map(read, jobs))
    for workspace, endpoint, outcome in results:
        if endpoint in mine[workspace]:
            assert outcome is not None
            assert not isinstance(outcome, Exception)
            assert outcome.outputs["slug"] == endpoint["slug"]
        else:  # the other workspace's: never its data
            assert outcome is None or isinstance(outcome, EndpointOperationError), outcome
    for _name, s in settings.items():
        cached = s.client().endpoints.listing
        assert cached.counts.listings >= 1
    assert emulator.stats()["by_route"][LIST_ROUTE] >= 2


# -- through the plugin and the engine -----------------------------------------------------------------------

#: Headers of one connection, or that the proxy's own client sets: not passed on.
_NOT_FORWARDED = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "content-length",
        "transfer-encoding",
        "accept-encoding",
        "content-encoding",
    }
)


class FirstReadHeld:
    """A pass-through proxy to ``emulator`` that, once armed, holds the next GET of an endpoint until a
    listing has been asked for: :func:`arriving_together` for Reads made in another process.

    A refresh through a plugin sends its Reads at once, but the first arrives alone and GETs; without a
    hold, on a loaded machine its GET can be over before the next Read reaches the plugin (which then
    counts as together only by ``TOGETHER``'s clock). Held, the first Read is still in progress when the
    second arrives, so the second starts the listing whatever the machine's speed: exactly one GET and one
    listing. A plugin that did not share one listing among its Reads never asks for one: the hold then
    ends at its timeout, and ``released_by_listing`` is False.
    """

    def __init__(self, emulator: EmulatorProcess) -> None:
        self._upstream = httpx.Client(base_url=emulator.base_url, timeout=60)
        self._lock = threading.Lock()
        self._armed = False
        self._listing_asked = threading.Event()
        self.released_by_listing: bool | None = None  # None: no GET held since arm()
        self.held: str | None = None  # the id whose GET was held
        self._server = HostileServer(self._handle, max_connections=100_000)  # one connection a request
        self.base_url = self._server.base_url

    def arm(self) -> None:
        with self._lock:
            self._armed, self.released_by_listing, self.held = True, None, None
            self._listing_asked.clear()

    def _handle(self, request: Request, index: int) -> Behaviour:
        path = urlsplit(request.path).path
        if request.method == "GET" and path == ENDPOINTS_PATH:
            self._listing_asked.set()
        elif request.method == "GET" and path.startswith(f"{ENDPOINTS_PATH}/"):
            with self._lock:
                hold, self._armed = self._armed, False
            if hold:
                self.held = path.rsplit("/", 1)[-1]
                self.released_by_listing = self._listing_asked.wait(30)
        headers = {k: v for k, v in request.headers.items() if k not in _NOT_FORWARDED}
        answer = self._upstream.request(request.method, request.path, headers=headers, content=request.body)
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in _NOT_FORWARDED}
        return reply(answer.status_code, answer.content, kept)

    def __enter__(self) -> FirstReadHeld:
        return self

    def __exit__(self, *exc: object) -> None:
        self._listing_asked.set()  # a held GET, if any, goes on
        self._server.stop()
        self._upstream.close()


@pytest.fixture
def proxy(scale_emulator: EmulatorProcess) -> Iterator[FirstReadHeld]:
    """The private emulator behind a :class:`FirstReadHeld` proxy, for a plugin or stack to use."""
    with FirstReadHeld(scale_emulator) as held:
        yield held


def test_a_refresh_through_the_plugin_costs_a_handful_of_requests(
    scale_emulator: EmulatorProcess, proxy: FirstReadHeld
) -> None:
    from harness.plugin import ProviderPlugin

    endpoints = seed(scale_emulator, 300)
    with ProviderPlugin() as plugin:
        plugin.configure({"baseten:apiKey": ACME_KEY, "baseten:apiUrl": proxy.base_url})
        scale_emulator.reset_stats()

        def read(endpoint: dict[str, Any]) -> str:
            found, outputs, _ = plugin.read(
                endpoint["id"], {"slug": endpoint["slug"], "endpoint_id": endpoint["id"]}
            )
            assert found == endpoint["id"]
            return str(outputs["slug"])

        proxy.arm()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            slugs = list(pool.map(read, endpoints))
        assert slugs == [e["slug"] for e in endpoints]
        assert proxy.released_by_listing, "the plugin's Reads did not share a listing"
        # The first Read's GET (held), and one listing for the rest; more only if the Reads outlasted
        # FRESHNESS (10 s) from the listing's start, which 300 Reads through the plugin do not come near.
        assert routes(scale_emulator) == {GET_ROUTE: 1, LIST_ROUTE: 1}
        # Endpoint.get (no state) of one the listing answered for: a re-read, so one GET.
        scale_emulator.reset_stats()
        lone = plugin.read(endpoints[7]["id"], {})
        assert lone[1]["slug"] == endpoints[7]["slug"]
        assert routes(scale_emulator) == {GET_ROUTE: 1}
        # Our own update, then a Read: the new targets, by a GET (the listing never answers for a write).
        new = {"slug": endpoints[5]["slug"], "targets": [{"provider": "BASETEN", "model_id": "ours"}]}
        checked, _ = plugin.check(new)
        plugin.update(endpoints[5]["id"], {**endpoints[5], "endpoint_id": endpoints[5]["id"]}, checked)
        scale_emulator.reset_stats()
        _, outputs, _ = plugin.read(endpoints[5]["id"], {"slug": endpoints[5]["slug"]})
        assert outputs["targets"] == [{"provider": "BASETEN", "model_id": "ours"}]
        assert routes(scale_emulator) == {GET_ROUTE: 1}


def test_pulumi_refresh_and_a_second_up_through_the_real_engine(
    scale_emulator: EmulatorProcess, proxy: FirstReadHeld, tmp_path: Any
) -> None:
    from harness.engine import EngineStack, declared_endpoints

    count = 40
    specs = {
        f"e{n:02d}": {
            "slug": unique_slug("acme", f"eng{n}"),
            "targets": [{"provider": "BASETEN", "model_id": "v0"}],
        }
        for n in range(count)
    }
    stack = EngineStack(
        tmp_path,
        declared_endpoints,
        api_url=proxy.base_url,
        api_key=ACME_KEY,
        config={"endpoints": specs},
    )
    run = stack.up()
    assert run.changes.get("create") == count + 1
    # Nothing changed: a second `pulumi up` sends no request at all.
    scale_emulator.reset_stats()
    again = stack.up()
    assert again.changes == {"same": count + 1}
    assert scale_emulator.stats()["total_requests"] == 0
    # Out of band: one endpoint updated, one deleted; a refresh sees both in a handful of requests.
    ids = {name: stack.resources()[name]["id"] for name in specs}
    writer = OutOfBand(scale_emulator, [{"id": ids["e03"]}])
    writer.bump(ids["e03"])
    writer.delete(ids["e07"])
    writer.raw.close()
    scale_emulator.reset_stats()
    proxy.arm()
    refreshed = stack.refresh()
    assert proxy.released_by_listing, "the engine's Reads did not share a listing"
    counted = routes(scale_emulator)
    # The first Read's GET (held), one listing, and a GET of e07 (missing from the listing, so looked
    # up: gone) unless e07's Read was the first.
    assert counted == {GET_ROUTE: 1 if proxy.held == ids["e07"] else 2, LIST_ROUTE: 1}, counted
    assert refreshed.changes.get("update") == 1, refreshed.changes
    assert refreshed.changes.get("delete") == 1, refreshed.changes
    state = stack.resources()
    assert "e07" not in state
    assert state["e03"]["outputs"]["targets"] == [{"provider": "BASETEN", "model_id": "v1"}]


def test_pulumi_refresh_through_the_native_plugin_shares_one_listing(
    scale_emulator: EmulatorProcess, proxy: FirstReadHeld, tmp_path: Any
) -> None:
    import json

    from harness.programs import ProjectStack

    count = 30
    resources = {
        f"e{n:02d}": {
            "type": "baseten-gateway:index:Endpoint",
            "properties": {
                "slug": unique_slug("acme", f"nat{n}"),
                "targets": [{"provider": "BASETEN", "modelId": "v0"}],
            },
        }
        for n in range(count)
    }
    program = json.dumps({"name": "scale-native", "runtime": "yaml", "resources": resources})
    stack = ProjectStack(tmp_path, program, api_url=proxy.base_url, api_key=ACME_KEY)
    stack.up()
    state = stack.resources()
    writer = OutOfBand(scale_emulator, [{"id": state["e04"]["id"]}])
    writer.bump(state["e04"]["id"])
    writer.raw.close()
    scale_emulator.reset_stats()
    proxy.arm()
    stack.pulumi("refresh", "--yes", "--skip-preview")
    assert proxy.released_by_listing, "the engine's Reads did not share a listing"
    assert routes(scale_emulator) == {GET_ROUTE: 1, LIST_ROUTE: 1}  # the first Read's GET (held)
    refreshed = stack.resources()
    assert len(refreshed) == count
    assert refreshed["e04"]["outputs"]["targets"] == [{"provider": "BASETEN", "modelId": "v1"}]
