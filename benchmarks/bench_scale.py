"""Scale: refreshing and creating 1,000 endpoints, ours against the reference provider, same run.

Three parts (``--only`` picks some), each against its own emulator (faults off unless said):

1. ``plugin``: a refresh through the plugin driver, as the scale issue measured it: one Read of each of N
   existing endpoints through the real plugin process (``python -u -m pulumi.dynamic``, driven over gRPC by
   ``tests.harness.plugin.ProviderPlugin``), 8 at a time. Ours (default settings: pacing at 95 requests/s)
   against ``reference_provider.py`` (one bare-httpx GET per Read, no pacing), a fresh plugin per arm per
   round, arms interleaved. Reported: the HTTP requests each refresh sent (``GET /_emulator/stats``), wall
   time, and the plugin's peak RSS (``VmHWM``, read just after the refresh). Once with the emulator
   answering at once, once with ``--latency-ms`` added to every request (a remote API is not on the same
   machine).
2. ``engine``: ``pulumi refresh`` of a stack of N endpoints through the real CLI (the pinned build of
   ``make pulumi``), ours against the reference, the two stacks made once (untimed) then refreshed in
   interleaved rounds; the same figures, the plugin's peak RSS sampled from ``/proc`` while the CLI runs.
3. ``up``: ``pulumi up`` of N new endpoints through the real CLI against the emulator's real rate limit
   of 100 requests/s per key, with the engine's default parallelism and our default settings; then a second
   ``pulumi up`` with nothing changed, whose requests are counted. The engine's own time (the "floor") is
   ``pulumi up`` of N resources of a provider that does nothing (:class:`NoopEndpointProvider`, no HTTP),
   in the same rounds, interleaved. Target: ours <= 1.10 x (N / 100 s + floor), 0 errors, no 429 reaching
   the user.

Run from the repository root:

    .venv/bin/python benchmarks/bench_scale.py [--endpoints 1000] [--rounds 3] [--latency-ms 20] [--only up]

The script exits with status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import os
import platform
import re
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

REQUESTS_TARGET = 3
REFRESH_RATIO_TARGET = 0.2
UP_TARGET = 1.10
RSS_TARGET = 1.5
API_LIMIT = 100
READ_THREADS = 8
#: What a 429 looks like when it reaches the user: our error lines, the client's retry warnings.
SEEN_429 = re.compile(r"HTTP 429|RateLimitError|rate.limit", re.IGNORECASE)


class NoopEndpointProvider(ResourceProvider):
    """A provider that does nothing and sends nothing: what the engine costs on its own (the floor).

    The plugin unpickles it by reference, as ``bench_scale.NoopEndpointProvider``: this module must be
    importable there (``benchmarks/`` on its ``PYTHONPATH``) and cheap to import (the heavy imports of
    this script are inside its functions).
    """

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("targets") != news.get("targets"), replaces=[], stables=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        endpoint_id = uuid.uuid4().hex[:10]
        return CreateResult(endpoint_id, {**props, "endpoint_id": endpoint_id})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)


class ReferenceEndpoint(Resource, module="reference", name="Endpoint"):
    """An endpoint of ``reference_provider.py`` (the same props as ours)."""


class NoopEndpoint(Resource, module="noop", name="Endpoint"):
    """A resource of :class:`NoopEndpointProvider`, with the same props as ours."""


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def report(
    ours: dict[str, list[float]],
    reference: dict[str, list[float]],
    most: int,
    ratio: float,
    rss_ratio: float,
    routes: str,
) -> None:
    """The three refresh figures against their targets."""
    print(
        f"   ours' requests per refresh: at most {most}{routes}; "
        f"target <= {REQUESTS_TARGET}: {verdict(most <= REQUESTS_TARGET)}"
    )
    print(
        f"   refresh wall: ours {median(ours['wall']):.2f} s, reference {median(reference['wall']):.2f} s "
        f"(medians); ratio {ratio:.3f}, target <= {REFRESH_RATIO_TARGET}: "
        f"{verdict(ratio <= REFRESH_RATIO_TARGET)}"
    )
    print(
        f"   plugin peak RSS: ours {median(ours['rss']):.1f} MB, reference "
        f"{median(reference['rss']):.1f} MB (medians); ratio {rss_ratio:.3f}, "
        f"target <= {RSS_TARGET}: {verdict(rss_ratio <= RSS_TARGET)}"
    )


def plugin_env() -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(BENCH_DIR), *filter(None, [os.environ.get("PYTHONPATH")])])}


def seed_endpoints(emulator: Any, count: int, tag: str) -> list[dict[str, Any]]:
    """``count`` endpoints made with bare httpx (untimed): what a refresh reads."""
    import httpx
    from _common import DEMO_KEY, DEMO_PREFIX

    made = []
    headers = {"Authorization": f"Api-Key {DEMO_KEY}"}
    with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=30) as client:
        for i in range(count):
            body = {
                "slug": f"{DEMO_PREFIX}/{tag}-{i:05d}",
                "targets": [{"provider": "BASETEN", "model_id": f"m{i}"}],
            }
            response = client.post("/v1/gateway/endpoints", json=body)
            response.raise_for_status()
            made.append(response.json())
    return made


def peak_rss_kb(pid: int) -> int:
    """The process's peak resident set (``VmHWM``), in kB."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for {pid}")


class PeakRssSampler:
    """Samples the peak RSS of this process's descendants whose command line contains ``marker``.

    ``VmHWM`` is itself a peak, so sampling every ``interval`` seconds misses at most the growth of a
    process's last ``interval`` before it exits.
    """

    def __init__(self, marker: str = "pulumi.dynamic", interval: float = 0.02) -> None:
        self.marker = marker
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_kb(self) -> int:
        return max(self.peaks.values(), default=0)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            parents: dict[int, int] = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit():
                    try:
                        with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                            parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
                    except (OSError, IndexError, ValueError):
                        continue
            for pid in parents:
                ancestor, hops = parents.get(pid), 0
                while ancestor not in (None, 0, 1, me) and hops < 20:
                    ancestor, hops = parents.get(ancestor), hops + 1
                if ancestor != me:
                    continue
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                        if self.marker.encode() not in cmdline.read():
                            continue
                    self.peaks[pid] = max(self.peaks.get(pid, 0), peak_rss_kb(pid))
                except (OSError, RuntimeError):
                    continue
            self._stop.wait(self.interval)


# -- 1. refresh through the plugin driver --------------------------------------------------------------------


def plugin_refresh(
    emulator: Any, endpoints: list[dict[str, Any]], blob: str | None
) -> tuple[float, int, dict[str, int], int]:
    """One refresh through a fresh plugin: (wall s, requests, requests by route, plugin peak RSS kB)."""
    from _common import DEMO_KEY

    from tests.harness.plugin import ProviderPlugin

    extra = {"__provider": blob} if blob is not None else {}
    with ProviderPlugin(env=plugin_env()) as plugin:
        plugin.configure({"baseten:apiKey": DEMO_KEY, "baseten:apiUrl": emulator.base_url})
        plugin.check({"slug": "demo/warm-up", "targets": [{"provider": "BASETEN", "model_id": "m"}], **extra})
        emulator.reset_stats()

        def read(endpoint: dict[str, Any]) -> None:
            state = {
                "endpoint_id": endpoint["id"],
                "slug": endpoint["slug"],
                "targets": endpoint["targets"],
                **extra,
            }
            found, outputs, _ = plugin.read(endpoint["id"], state)
            if found != endpoint["id"] or outputs["slug"] != endpoint["slug"]:
                raise RuntimeError(f"read {endpoint['id']}: got {found!r}, {outputs}")

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(READ_THREADS) as pool:
            list(pool.map(read, endpoints))
        wall = time.perf_counter() - started
        stats = emulator.stats()
        peak = peak_rss_kb(plugin.process.pid)
    return wall, stats["total_requests"], stats["by_route"], peak


def bench_plugin(count: int, rounds: int, latency_ms: float) -> bool:
    import reference_provider
    from _common import Emulator
    from pulumi.dynamic.dynamic import serialize_provider

    reference_blob = serialize_provider(reference_provider.ReferenceEndpointProvider())
    met = True
    print(
        f"## 1. refresh through the plugin driver: {count} Reads, {READ_THREADS} at a time, {rounds} rounds"
    )
    with Emulator(rate_limit=0) as emulator:
        endpoints = seed_endpoints(emulator, count, "plugin")
        for latency in (0.0, latency_ms):
            emulator.set_faults(latency_ms=latency, error_rate=0, rate_limit_rate=0, drop_rate=0)
            print(f"   emulator latency {latency:g} ms per request")
            figures: dict[str, dict[str, list[float]]] = {
                arm: {"wall": [], "requests": [], "rss": []} for arm in ("ours", "reference")
            }
            routes: dict[str, int] = {}
            for index in range(rounds):
                arms = ("ours", "reference") if index % 2 == 0 else ("reference", "ours")
                for arm in arms:
                    wall, requests, by_route, peak = plugin_refresh(
                        emulator, endpoints, None if arm == "ours" else reference_blob
                    )
                    figures[arm]["wall"].append(wall)
                    figures[arm]["requests"].append(requests)
                    figures[arm]["rss"].append(peak / 1024)
                    if arm == "ours":
                        routes = by_route
                    print(
                        f"   round {index + 1} {arm:>9}: {wall:6.2f} s, {requests:5d} requests, "
                        f"plugin peak RSS {peak / 1024:6.1f} MB",
                        flush=True,
                    )
            ours, reference = figures["ours"], figures["reference"]
            ratio = median(ours["wall"]) / median(reference["wall"])
            rss_ratio = median(ours["rss"]) / median(reference["rss"])
            most = int(max(ours["requests"]))
            report(ours, reference, most, ratio, rss_ratio, f" (last: {routes})")
            met &= most <= REQUESTS_TARGET and ratio <= REFRESH_RATIO_TARGET and rss_ratio <= RSS_TARGET
    print()
    return met


# -- the real CLI --------------------------------------------------------------------------------------------


def engine_stack(
    work: Path, emulator: Any, arm: str, count: int, tag: str, *, pacing: str | None = None
) -> Any:
    """A stack of ``count`` endpoints of ``arm``: ours, the reference provider, or the no-op provider."""
    import bench_scale
    import reference_provider
    from _common import DEMO_KEY, DEMO_PREFIX

    from pulumi_baseten_gateway import Endpoint
    from tests.harness.engine import EngineStack

    def declare() -> None:
        for i in range(count):
            slug = f"{DEMO_PREFIX}/{arm}-{tag}-{i:05d}"
            targets = [{"provider": "BASETEN", "model_id": f"m{i}"}]
            if arm == "ours":
                Endpoint(f"e{i:05d}", slug=slug, targets=targets)
                continue
            props = {"slug": slug, "targets": targets, "region": "UNRESTRICTED", "endpoint_id": None}
            if arm == "reference":
                ReferenceEndpoint(reference_provider.ReferenceEndpointProvider(), f"e{i:05d}", props)
            else:
                NoopEndpoint(bench_scale.NoopEndpointProvider(), f"e{i:05d}", props)

    config = {} if pacing is None else {"baseten:maxRequestsPerSecond": pacing}
    return EngineStack(
        work / f"{arm}-{tag}",
        declare,
        api_url=emulator.base_url,
        api_key=DEMO_KEY,
        project=f"scale-{arm}",
        extra_env=plugin_env(),
        config=config,
    )


@contextmanager
def timed_with_rss() -> Iterator[dict[str, float]]:
    result: dict[str, float] = {}
    with PeakRssSampler() as sampler:
        started = time.perf_counter()
        yield result
        result["wall"] = time.perf_counter() - started
    result["rss_mb"] = sampler.peak_kb / 1024


# -- 2. refresh through the real CLI -------------------------------------------------------------------------


def bench_engine(count: int, rounds: int, work: Path) -> bool:
    from _common import Emulator

    print(f"## 2. pulumi refresh of {count} endpoints through the real CLI, {rounds} interleaved rounds")
    with Emulator(rate_limit=0) as emulator:
        stacks = {}
        for arm in ("ours", "reference"):
            stacks[arm] = engine_stack(work, emulator, arm, count, "refresh")
            started = time.perf_counter()
            run = stacks[arm].up()
            assert run.changes.get("create") == count + 1, run.changes
            print(
                f"   made the {arm} stack: pulumi up of {count} in "
                f"{time.perf_counter() - started:.1f} s (untimed)"
            )
        figures: dict[str, dict[str, list[float]]] = {
            arm: {"wall": [], "requests": [], "rss": []} for arm in ("ours", "reference")
        }
        for index in range(rounds):
            arms = ("ours", "reference") if index % 2 == 0 else ("reference", "ours")
            for arm in arms:
                emulator.reset_stats()
                with timed_with_rss() as result:
                    refreshed = stacks[arm].refresh()
                assert refreshed.changes.get("same") == count + 1, refreshed.changes
                stats = emulator.stats()
                figures[arm]["wall"].append(result["wall"])
                figures[arm]["requests"].append(stats["total_requests"])
                figures[arm]["rss"].append(result["rss_mb"])
                print(
                    f"   round {index + 1} {arm:>9}: {result['wall']:6.2f} s, "
                    f"{stats['total_requests']:5d} requests {stats['by_route'] if arm == 'ours' else ''}, "
                    f"plugin peak RSS {result['rss_mb']:6.1f} MB",
                    flush=True,
                )
    ours, reference = figures["ours"], figures["reference"]
    ratio = median(ours["wall"]) / median(reference["wall"])
    rss_ratio = median(ours["rss"]) / median(reference["rss"])
    most = int(max(ours["requests"]))
    report(ours, reference, most, ratio, rss_ratio, "")
    print()
    return most <= REQUESTS_TARGET and ratio <= REFRESH_RATIO_TARGET and rss_ratio <= RSS_TARGET


# -- 3. pulumi up at the API's limit -------------------------------------------------------------------------


def bench_up(count: int, rounds: int, work: Path, pacing: str | None) -> bool:
    from _common import Emulator

    ideal = count / API_LIMIT
    print(
        f"## 3. pulumi up of {count} new endpoints through the real CLI, emulator limit {API_LIMIT} "
        f"requests/s per key, engine default parallelism, our pacing "
        f"{pacing or 'default (95 requests/s)'}; {rounds} rounds"
    )
    met = True
    walls: dict[str, list[float]] = {"ours": [], "floor": []}
    with Emulator(rate_limit=API_LIMIT) as emulator:
        print(f"   emulator settings: {emulator.faults()}")
        for index in range(rounds):
            arms = ("ours", "floor") if index % 2 == 0 else ("floor", "ours")
            for arm in arms:
                stack = engine_stack(
                    work, emulator, "ours" if arm == "ours" else "noop", count, f"up{index}", pacing=pacing
                )
                emulator.reset_stats()
                started = time.perf_counter()
                try:
                    run = stack.up()
                except Exception as exc:  # the CLI failed: an error reached the user
                    print(f"   round {index + 1} {arm:>5}: FAILED: {str(exc)[-2000:]}")
                    met = False
                    continue
                wall = time.perf_counter() - started
                walls[arm].append(wall)
                stats = emulator.stats()
                created = run.changes.get("create", 0)
                errors = count + 1 - created
                line = (
                    f"   round {index + 1} {arm:>5}: pulumi up {wall:6.2f} s, {created - 1} created, "
                    f"{errors} errors"
                )
                if arm == "ours":
                    seen = len(SEEN_429.findall(run.stdout + run.stderr))
                    line += (
                        f", {stats['total_requests']} requests, 429s from the server {stats['rate_limited']}"
                        f" (by status {stats['by_status']}), 429s in the CLI's output {seen}"
                    )
                    met &= errors == 0 and seen == 0
                    if index == 0:
                        emulator.reset_stats()
                        again = stack.up()
                        after = emulator.stats()
                        line += (
                            f"\n   round {index + 1}  ours: second pulumi up, nothing changed: "
                            f"{again.changes}, {after['total_requests']} requests to the API"
                        )
                        met &= after["total_requests"] == 0
                print(line, flush=True)
    if walls["ours"] and walls["floor"]:
        ours, floor = median(walls["ours"]), median(walls["floor"])
        bound = UP_TARGET * (ideal + floor)
        print(
            f"   pulumi up of {count}: ours {ours:.2f} s, engine floor (no-op provider) {floor:.2f} s "
            f"(medians); "
            f"target <= {UP_TARGET} x ({ideal:g} s + floor) = {bound:.2f} s: {verdict(ours <= bound)}; "
            f"ours / (ideal + floor) = {ours / (ideal + floor):.3f}"
        )
        met &= ours <= bound
    else:
        met = False
    print()
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--latency-ms", type=float, default=20.0, help="added per request in part 1's second run"
    )
    parser.add_argument("--pacing", help="baseten:maxRequestsPerSecond for part 3 (default: ours, 95)")
    parser.add_argument("--only", choices=["plugin", "engine", "up"], action="append")
    options = parser.parse_args()
    parts = options.only or ["plugin", "engine", "up"]
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from tests.harness.engine import engine_bin_dir

    engine = engine_bin_dir() if {"engine", "up"} & set(parts) else None
    print(
        f"bench_scale.py  {datetime.datetime.now().isoformat(timespec='seconds')}  "
        f"python {platform.python_version()}  {os.cpu_count()} CPUs  {platform.platform()}  engine {engine}"
    )
    print()
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        if "plugin" in parts:
            results["plugin refresh"] = bench_plugin(options.endpoints, options.rounds, options.latency_ms)
        if "engine" in parts:
            results["engine refresh"] = bench_engine(options.endpoints, options.rounds, Path(tmp))
        if "up" in parts:
            results["pulumi up"] = bench_up(options.endpoints, options.rounds, Path(tmp), options.pacing)
    print("summary: " + ", ".join(f"{name} {verdict(met)}" for name, met in results.items()))
    return 0 if all(results.values()) else 1


def _entry() -> Callable[[], int]:
    """``main`` of this module imported as ``bench_scale``, so the no-op provider pickles by reference."""
    sys.path.insert(0, str(BENCH_DIR))
    import bench_scale

    return bench_scale.main


if __name__ == "__main__":
    sys.exit(_entry()())
