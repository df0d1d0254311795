"""Scale: refreshing and creating 1,000 endpoints, ours against the reference provider, same run.

Three parts (``--only`` picks some), each against its own emulator (faults off unless said):

1. ``plugin``: a refresh through the plugin driver, as the scale issue measured it: one Read of each of N
   existing endpoints through the real plugin process (``python -u -m pulumi.dynamic``, driven over gRPC by
   ``harness.plugin.ProviderPlugin``), 8 at a time. Three arms, a fresh plugin per arm per round,
   order rotating: ours (default settings: pacing at 95 requests/s), ``reference_provider.py`` (one
   bare-httpx GET per Read, no pacing) and :class:`NoopEndpointProvider` (no HTTP: the plugin's own time).
   Each plugin is warmed up untimed with a Check and one lone Read. Reported: the HTTP requests of the
   refresh (``GET /_emulator/stats``), wall time, and the plugin's peak RSS (``VmHWM``, read just after the
   refresh). Once with the emulator answering at once, once with ``--latency-ms`` added to every request
   (a remote API is not on the same machine). Then ``--extra-refreshes`` more refreshes of ours alone, whose
   requests are counted too: the figure is the most any refresh of ours sent.
2. ``engine``: ``pulumi refresh`` of a stack of N endpoints through the real CLI (the pinned build of
   ``make pulumi``), the same three arms (ours and the reference each in a workspace of their own, so each
   refresh lists N), the stacks made once (untimed, with ``PULUMI_SKIP_CHECKPOINTS``) then refreshed in
   rotating rounds; the plugin's peak RSS is sampled from ``/proc`` while the CLI runs.
3. ``up``: ``pulumi up`` of N new endpoints through the real CLI against the emulator's real rate limit
   of 100 requests/s per key, with the engine's default parallelism and our default settings; then a second
   ``pulumi up`` with nothing changed, whose requests are counted. The engine's own time (the "floor") is
   ``pulumi up`` of N resources of :class:`NoopEndpointProvider` (the same outputs as ours, so a state of
   about the same size), in the same rounds, interleaved. Target: ours <= 1.10 x (N / 100 s + floor),
   0 errors, no 429 reaching the user. Run in two engine modes (``--checkpoints`` picks one): with
   ``PULUMI_SKIP_CHECKPOINTS=true``, where the floor is the engine's work proper and the pacing shows, and
   with the engine's default, where the file backend saves the whole state after every step (quadratic
   in N: most of the floor at N = 1,000). The second, no-change ``pulumi up`` is measured in the default
   mode.

Run from the repository root:

    .venv/bin/python benchmarks/bench_scale.py [--endpoints 1000] [--rounds 3] [--latency-ms 20] [--only up]
        [--extra-refreshes 20] [--checkpoints skip|default]

Every figure is printed against its target, then a summary; the script exits with status 1 when a target
is missed. A refresh wall-time ratio is judged only where a provider doing nothing would meet it (the
no-op arm's own ratio is within the target); elsewhere it is printed as FLOOR-BOUND, not judged, with
the floor's ratio and ours / reference counted above the floor.
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
from collections import Counter
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
        # The same outputs as ours (timestamps included): the engine saves the state after every step,
        # and the time of a save grows with the state's size, so the floor's state is the same size.
        endpoint_id = uuid.uuid4().hex[:10]
        now = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
        return CreateResult(
            endpoint_id, {**props, "endpoint_id": endpoint_id, "created_at": now, "updated_at": now}
        )

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


def verdict(met: bool | None) -> str:
    return "MET" if met else "FLOOR-BOUND" if met is None else "NOT MET"


#: Every figure measured: (what, result, target, met), for the summary. ``met`` is None for a wall-time
#: ratio out of any provider's reach where it was measured (see :func:`refresh_figures`): not judged.
FIGURES: list[tuple[str, str, str, bool | None]] = []


def figure(what: str, result: str, target: str, met: bool | None) -> None:
    FIGURES.append((what, result, target, met))
    print(f"   {what}: {result}; target {target}: {verdict(met)}")


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

ARMS = ("ours", "reference", "noop")


def plugin_refresh(
    emulator: Any, endpoints: list[dict[str, Any]], blob: str | None
) -> tuple[float, int, dict[str, int], int]:
    """One refresh through a fresh plugin: (wall s, requests, requests by route, plugin peak RSS kB)."""
    from _common import DEMO_KEY

    from harness.plugin import ProviderPlugin

    extra = {"__provider": blob} if blob is not None else {}
    with ProviderPlugin(env=plugin_env()) as plugin:
        plugin.configure({"baseten:apiKey": DEMO_KEY, "baseten:apiUrl": emulator.base_url})
        # Warm-up, untimed: a Check, then a lone Read (one GET for ours and the reference), so that both
        # have imported what a Read needs (ours loads its HTTP stack on its first request, not in Check).
        plugin.check({"slug": "demo/warm-up", "targets": [{"provider": "BASETEN", "model_id": "m"}], **extra})
        first = endpoints[0]
        plugin.read(first["id"], {"endpoint_id": first["id"], "slug": first["slug"], **extra})
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


def refresh_figures(where: str, figures: dict[str, dict[str, list[float]]], floor_name: str) -> None:
    """The three refresh figures (requests, wall ratio, RSS ratio), and the time above the floor.

    The wall-time ratio is judged only where a provider could reach the target: where the no-op
    provider's own ratio (floor / reference) is within it. Where it is not (the emulator answering at
    once on this machine, or the engine's own time for N resources dwarfing the reference's N GETs), the
    ratio is reported, not judged ("FLOOR-BOUND"), next to the floor's ratio and to ours / reference
    counted above the floor (the time each provider adds to what a provider doing nothing costs).
    """
    ours, reference, noop = (figures[arm] for arm in ARMS)
    most = int(max(ours["requests"]))
    figure(
        f"HTTP requests for a refresh of the endpoints, {where}",
        f"{most}",
        f"<= {REQUESTS_TARGET}",
        most <= REQUESTS_TARGET,
    )
    ours_s, reference_s, floor_s = median(ours["wall"]), median(reference["wall"]), median(noop["wall"])
    ratio, floor_ratio = ours_s / reference_s, floor_s / reference_s
    above = (ours_s - floor_s) / (reference_s - floor_s) if reference_s > floor_s else float("nan")
    reachable = floor_ratio <= REFRESH_RATIO_TARGET
    figure(
        f"refresh wall time, ours / reference, {where}",
        f"{ratio:.3f} (ours {ours_s:.2f} s, reference {reference_s:.2f} s; no-op / reference "
        f"{floor_ratio:.3f}{'' if reachable else ', above the target: floor-bound'})",
        f"<= {REFRESH_RATIO_TARGET}",
        ratio <= REFRESH_RATIO_TARGET if reachable else None,
    )
    print(
        f"   {floor_name} (a no-op provider): {floor_s:.2f} s; above it: ours {ours_s - floor_s:+.2f} s, "
        f"reference {reference_s - floor_s:+.2f} s, ours / reference above the floor {above:.3f}"
    )
    rss = median(ours["rss"]) / median(reference["rss"])
    figure(
        f"plugin peak RSS, ours / reference, {where}",
        f"{rss:.3f} (ours {median(ours['rss']):.1f} MB, reference {median(reference['rss']):.1f} MB, "
        f"no-op {median(noop['rss']):.1f} MB)",
        f"<= {RSS_TARGET}",
        rss <= RSS_TARGET,
    )


def bench_plugin(count: int, rounds: int, latency_ms: float, extra_refreshes: int) -> None:
    import bench_scale
    import reference_provider
    from _common import Emulator
    from pulumi.dynamic.dynamic import serialize_provider

    blobs = {
        "ours": None,
        "reference": serialize_provider(reference_provider.ReferenceEndpointProvider()),
        "noop": serialize_provider(bench_scale.NoopEndpointProvider()),
    }
    print(
        f"## 1. refresh through the plugin driver: {count} Reads, {READ_THREADS} at a time, {rounds} rounds"
    )
    with Emulator(rate_limit=0) as emulator:
        endpoints = seed_endpoints(emulator, count, "plugin")
        for latency in (0.0, latency_ms):
            emulator.set_faults(latency_ms=latency, error_rate=0, rate_limit_rate=0, drop_rate=0)
            print(f"   emulator latency {latency:g} ms per request")
            figures: dict[str, dict[str, list[float]]] = {
                arm: {"wall": [], "requests": [], "rss": []} for arm in ARMS
            }
            for index in range(rounds):
                for arm in ARMS[index % 3 :] + ARMS[: index % 3]:
                    wall, requests, by_route, peak = plugin_refresh(emulator, endpoints, blobs[arm])
                    figures[arm]["wall"].append(wall)
                    figures[arm]["requests"].append(requests)
                    figures[arm]["rss"].append(peak / 1024)
                    print(
                        f"   round {index + 1} {arm:>9}: {wall:6.2f} s, {requests:5d} requests "
                        f"{by_route if arm == 'ours' else ''}, plugin peak RSS {peak / 1024:6.1f} MB",
                        flush=True,
                    )
            # How many requests a refresh costs depends on how many Reads find no other Read in progress
            # (each of those is a GET): more refreshes of ours alone, for the spread.
            for _ in range(extra_refreshes):
                figures["ours"]["requests"].append(plugin_refresh(emulator, endpoints, None)[1])
            counted = figures["ours"]["requests"]
            spread = dict(sorted(Counter(int(requests) for requests in counted).items()))
            print(
                f"   ours, requests per refresh over {len(counted)} refreshes (the rounds' and "
                f"{extra_refreshes} more): {spread}"
            )
            refresh_figures(f"plugin driver, latency {latency:g} ms", figures, "the plugin's own time")
    print()


# -- the real CLI --------------------------------------------------------------------------------------------


def engine_stack(
    work: Path,
    emulator: Any,
    arm: str,
    count: int,
    tag: str,
    *,
    pacing: str | None = None,
    key: str | None = None,
    prefix: str | None = None,
) -> Any:
    """A stack of ``count`` endpoints of ``arm``: ours, the reference provider, or the no-op provider."""
    import bench_scale
    import reference_provider
    from _common import DEMO_KEY, DEMO_PREFIX

    from harness.engine import EngineStack
    from pulumi_baseten_gateway import Endpoint

    def declare() -> None:
        for i in range(count):
            slug = f"{prefix or DEMO_PREFIX}/{arm}-{tag}-{i:05d}"
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
        api_key=key or DEMO_KEY,
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


@contextmanager
def checkpoints_skipped(stack: Any, skip: bool = True) -> Iterator[None]:
    """The CLI of ``stack`` (an ``EngineStack``) runs with ``PULUMI_SKIP_CHECKPOINTS=true`` inside.

    The engine then saves the state once, at the end, instead of after every step: with the file
    backend each save writes the whole state (3.5 MB for 1,000 endpoints), so the saves of a
    1,000-resource ``pulumi up`` grow with the square of N and take most of its time.
    """
    workspace = stack.stack.workspace
    saved = workspace.env_vars
    if skip:
        workspace.env_vars = {**saved, "PULUMI_SKIP_CHECKPOINTS": "true"}
    try:
        yield
    finally:
        workspace.env_vars = saved


# -- 2. refresh through the real CLI -------------------------------------------------------------------------

#: Part 2's emulator: each provider's endpoints in a workspace of their own, so each refresh lists N.
WORKSPACES = {
    "workspaces": [
        {"name": "ours", "prefixes": ["ours"], "api_keys": [{"key": "ours-bench-key", "scopes": ["manage"]}]},
        {"name": "ref", "prefixes": ["ref"], "api_keys": [{"key": "ref-bench-key", "scopes": ["manage"]}]},
    ],
    "rate_limit_per_second": 0,
}


def bench_engine(count: int, rounds: int, work: Path) -> None:
    from _common import Emulator

    print(f"## 2. pulumi refresh of {count} endpoints through the real CLI, {rounds} interleaved rounds")
    with Emulator(rate_limit=0, config=WORKSPACES) as emulator:
        stacks = {}
        for arm in ARMS:
            where = {"ours": ("ours-bench-key", "ours"), "reference": ("ref-bench-key", "ref")}
            key, prefix = where.get(arm, ("ours-bench-key", "ours"))
            stacks[arm] = engine_stack(work, emulator, arm, count, "refresh", key=key, prefix=prefix)
            started = time.perf_counter()
            with checkpoints_skipped(stacks[arm]):  # untimed: no need to save the state 1,000 times
                run = stacks[arm].up()
            assert run.changes.get("create") == count + 1, run.changes
            print(
                f"   made the {arm} stack: pulumi up of {count} in "
                f"{time.perf_counter() - started:.1f} s (untimed)"
            )
        figures: dict[str, dict[str, list[float]]] = {
            arm: {"wall": [], "requests": [], "rss": []} for arm in ARMS
        }
        for index in range(rounds):
            for arm in ARMS[index % 3 :] + ARMS[: index % 3]:
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
    refresh_figures("real CLI", figures, "the engine's own time")
    print()


# -- 3. pulumi up at the API's limit -------------------------------------------------------------------------


def bench_up(count: int, rounds: int, work: Path, pacing: str | None, modes: list[str]) -> None:
    from _common import Emulator

    print(
        f"## 3. pulumi up of {count} new endpoints through the real CLI, emulator limit {API_LIMIT} "
        f"requests/s per key, engine default parallelism, our pacing "
        f"{pacing or 'default (95 requests/s)'}; {rounds} rounds per checkpoint mode"
    )
    with Emulator(rate_limit=API_LIMIT) as emulator:
        print(f"   emulator settings: {emulator.faults()}")
        for mode in modes:
            up_rounds(emulator, count, rounds, work, pacing, skip=mode == "skip")
    print()


def up_rounds(emulator: Any, count: int, rounds: int, work: Path, pacing: str | None, *, skip: bool) -> None:
    """Part 3 in one checkpoint mode: ``rounds`` of ours and the floor, interleaved; then the figure."""
    ideal = count / API_LIMIT
    mode = "PULUMI_SKIP_CHECKPOINTS=true" if skip else "engine default: the state saved after every step"
    print(f"   checkpoints: {mode}")
    problems = 0  # errors, and 429s that reached the user
    second = -1  # requests of the second, no-change `pulumi up` (measured in the default mode)
    walls: dict[str, list[float]] = {"ours": [], "floor": []}
    by_round: list[dict[str, float]] = []
    for index in range(rounds):
        by_round.append({})
        arms = ("ours", "floor") if index % 2 == 0 else ("floor", "ours")
        for arm in arms:
            tag = f"up{index}{'-skip' if skip else ''}"
            stack = engine_stack(
                work, emulator, "ours" if arm == "ours" else "noop", count, tag, pacing=pacing
            )
            emulator.reset_stats()
            started = time.perf_counter()
            try:
                with checkpoints_skipped(stack, skip):
                    run = stack.up()
            except Exception as exc:  # the CLI failed: an error reached the user
                print(f"   round {index + 1} {arm:>5}: FAILED: {str(exc)[-2000:]}")
                problems += 1
                continue
            wall = time.perf_counter() - started
            walls[arm].append(wall)
            by_round[-1][arm] = wall
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
                problems += errors + seen
                if index == 0 and not skip:
                    emulator.reset_stats()
                    again = stack.up()
                    second = emulator.stats()["total_requests"]
                    line += (
                        f"\n   round {index + 1}  ours: second pulumi up, nothing changed: "
                        f"{again.changes}, {second} requests to the API"
                    )
            print(line, flush=True)
    paired = [f"{pair['ours'] / (ideal + pair['floor']):.3f}" for pair in by_round if len(pair) == 2]
    print(f"   per round, ours / ({ideal:g} s + that round's floor): {', '.join(paired)}")
    where = f"real CLI, {'checkpoints skipped' if skip else 'default checkpoints'}"
    if walls["ours"] and walls["floor"]:
        ours, floor = median(walls["ours"]), median(walls["floor"])
        bound = UP_TARGET * (ideal + floor)
        figure(
            f"pulumi up of {count} at {API_LIMIT} requests/s, {where}",
            f"ours {ours:.2f} s, engine floor (no-op provider) {floor:.2f} s (medians); "
            f"ours / ({ideal:g} s + floor) = {ours / (ideal + floor):.3f}; errors and 429s: {problems}",
            f"<= {UP_TARGET} x ({ideal:g} s + floor) = {bound:.2f} s, 0 errors",
            ours <= bound and not problems,
        )
    else:
        figure(f"pulumi up of {count}, {where}", "a run failed", "0 errors", False)
    if not skip:
        figure("second pulumi up, nothing changed: requests to the API", f"{second}", "0", second == 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoints", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--latency-ms", type=float, default=20.0, help="added per request in part 1's second run"
    )
    parser.add_argument(
        "--extra-refreshes",
        type=int,
        default=20,
        help="part 1: refreshes of ours alone after the rounds, per latency, counting requests only",
    )
    parser.add_argument("--pacing", help="baseten:maxRequestsPerSecond for part 3 (default: ours, 95)")
    parser.add_argument("--only", choices=["plugin", "engine", "up"], action="append")
    parser.add_argument(
        "--checkpoints",
        choices=["skip", "default"],
        action="append",
        help="part 3's engine checkpoint modes (default: both, skip first)",
    )
    options = parser.parse_args()
    parts = options.only or ["plugin", "engine", "up"]
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from harness.engine import engine_bin_dir

    engine = engine_bin_dir() if {"engine", "up"} & set(parts) else None
    print(
        f"bench_scale.py  {datetime.datetime.now().isoformat(timespec='seconds')}  "
        f"python {platform.python_version()}  {os.cpu_count()} CPUs  {platform.platform()}  engine {engine}"
    )
    print()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        if "plugin" in parts:
            bench_plugin(options.endpoints, options.rounds, options.latency_ms, options.extra_refreshes)
        if "engine" in parts:
            bench_engine(options.endpoints, options.rounds, Path(tmp))
        if "up" in parts:
            modes = options.checkpoints or ["skip", "default"]
            bench_up(options.endpoints, options.rounds, Path(tmp), options.pacing, modes)
    print("summary:")
    for what, result, target, met in FIGURES:
        print(f"   {verdict(met):>11}  {what}: {result} (target {target})")
    return 0 if all(met is not False for *_, met in FIGURES) else 1


def _entry() -> Callable[[], int]:
    """``main`` of this module imported as ``bench_scale``, so the no-op provider pickles by reference."""
    sys.path.insert(0, str(BENCH_DIR))
    import bench_scale

    return bench_scale.main


if __name__ == "__main__":
    sys.exit(_entry()())
