"""Our Endpoint provider inside the real plugin process, against a bare-httpx reference provider.

Three parts, one emulator (faults off), everything through ``python -u -m pulumi.dynamic`` over gRPC
exactly as ``pulumi up`` drives it:

1. overhead: full lifecycles (Check, Create, Read, Diff, Update, Delete), ours vs the reference
   provider (``benchmarks/reference_provider.py``: same HTTP calls, no validation, no retries), in
   interleaved rounds, with a breakdown of where a lifecycle's time goes (protocol, HTTP, our code).
2. cold start: plugin process start to the first Create response (Configure and Check included).
3. bulk: many creates with 4 concurrent calls against the emulator rate-limited at 100 requests/s.

Run from the repository root:

    .venv/bin/python benchmarks/bench_provider.py [--lifecycles 200] [--bulk 1000] [--rounds 5] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import functools
import os
import platform
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from _common import BENCH_DIR, DEMO_KEY, DEMO_PREFIX, REPO_ROOT, Emulator, byte_compile, median

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# Imported as module `reference_provider` (BENCH_DIR is on sys.path), so dill pickles the class by
# reference and the plugin process imports it from its PYTHONPATH.
import reference_provider
from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from harness.plugin import ProviderPlugin
from pulumi_baseten_gateway.provider import EndpointProvider

REFERENCE_BLOB = serialize_provider(reference_provider.ReferenceEndpointProvider())

ENDPOINTS_PATH = "/v1/gateway/endpoints"
TARGET_A: dict[str, Any] = {"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": "production"}
TARGET_B: dict[str, Any] = {"provider": "BASETEN", "model_id": "7pQ2wer", "environment_name": "production"}
REGION = "UNRESTRICTED"
STEPS = ("check", "create", "read", "diff", "update", "delete")
#: Calls per lifecycle: all six go through gRPC; four of them make one HTTP request each.
RPCS_PER_LIFECYCLE = len(STEPS)
#: Lifecycles an arm runs before the next arm takes its turn (see bench_overhead).
BLOCK = 10
BULK_RATE_LIMIT = 100
BULK_THREADS = 4

OVERHEAD_TARGET = 1.15
BULK_TARGET = 1.15
#: The scale issue's target (it was 1.3 before).
COLD_TARGET = 1.2


def plugin_env() -> dict[str, str]:
    """Both plugins get the same environment: this directory first on PYTHONPATH (for the reference)."""
    paths = [str(BENCH_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {"PYTHONPATH": os.pathsep.join(paths)}


@dataclass
class Arm:
    """One provider under test: its name and the ``__provider`` blob (None = ours, the harness's default)."""

    name: str
    blob: str | None

    def props(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {**props, "__provider": self.blob} if self.blob is not None else dict(props)


OURS = Arm("ours", None)
REFERENCE = Arm("reference", REFERENCE_BLOB)


def config(emulator: Emulator, *, pacing: bool) -> dict[str, str]:
    settings = {"baseten:apiKey": DEMO_KEY, "baseten:apiUrl": emulator.base_url}
    if not pacing:
        settings["baseten:maxRequestsPerSecond"] = "0"
    return settings


@contextmanager
def started_plugin(settings: Mapping[str, str]) -> Iterator[ProviderPlugin]:
    plugin = ProviderPlugin(env=plugin_env())
    try:
        plugin.configure(settings)
        yield plugin
    finally:
        plugin.stop()


def new_slug(tag: str) -> str:
    return f"{DEMO_PREFIX}/bench-{tag}-{uuid.uuid4().hex[:10]}"


# -- 1. overhead -----------------------------------------------------------------------------------------


@dataclass
class ArmTimes:
    """Per-round wall times of a batch of lifecycles, and every step's duration."""

    rounds: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})


def lifecycle(plugin: ProviderPlugin, arm: Arm, steps: dict[str, list[float]] | None = None) -> None:
    """Check, Create, Read (refresh), Diff and Update (new target), Delete; each step timed."""
    clock = time.perf_counter
    news = arm.props({"slug": new_slug(arm.name), "targets": [TARGET_A], "region": REGION})
    t0 = clock()
    checked, failures = plugin.check(news)
    t1 = clock()
    id_, outputs = plugin.create(arm.props(checked))
    t2 = clock()
    _, outputs, _ = plugin.read(id_, arm.props(outputs))
    t3 = clock()
    changed = arm.props({**checked, "targets": [TARGET_B]})
    diff = plugin.diff(id_, arm.props(outputs), changed)
    t4 = clock()
    outputs = plugin.update(id_, arm.props(outputs), changed)
    t5 = clock()
    plugin.delete(id_, arm.props(outputs))
    t6 = clock()
    if failures or not id_ or diff.changes != provider_pb2.DiffResponse.DIFF_SOME:
        raise RuntimeError(f"{arm.name}: unexpected lifecycle result: {failures}, {id_!r}, {diff}")
    if outputs.get("targets", [{}])[0].get("model_id") != TARGET_B["model_id"]:
        raise RuntimeError(f"{arm.name}: update did not apply: {outputs}")
    if steps is not None:
        marks = (t0, t1, t2, t3, t4, t5, t6)
        for name, start, end in zip(STEPS, marks, marks[1:], strict=False):
            steps[name].append(end - start)


def http_lifecycle(client: httpx.Client) -> None:
    """The same four requests as a lifecycle's Create, Read, Update and Delete, straight from here."""
    body = {"slug": new_slug("http"), "targets": [TARGET_A], "region": REGION}
    created = client.post(ENDPOINTS_PATH, json=body)
    created.raise_for_status()
    path = f"{ENDPOINTS_PATH}/{created.json()['id']}"
    client.get(path).raise_for_status()
    client.patch(path, json={"targets": [TARGET_B]}).raise_for_status()
    client.delete(path).raise_for_status()


def direct_lifecycle(provider: ResourceProvider, tag: str) -> None:
    """The same lifecycle with the provider's methods called in this process: no gRPC, same HTTP."""
    news = {"slug": new_slug(tag), "targets": [TARGET_A], "region": REGION}
    checked = provider.check({}, news).inputs
    created = provider.create(checked)
    outputs = provider.read(created.id, created.outs or {}).outs or {}
    changed = {**checked, "targets": [TARGET_B]}
    provider.diff(created.id, outputs, changed)
    outputs = provider.update(created.id, outputs, changed).outs or {}
    provider.delete(created.id, outputs)


def configured(provider: ResourceProvider, settings: Mapping[str, str]) -> ResourceProvider:
    provider.configure(ConfigureRequest(Config(raw_config=dict(settings), project_name="baseten")))
    return provider


def timed(fn: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        fn()
    return time.perf_counter() - started


def bench_overhead(emulator: Emulator, lifecycles: int, rounds: int) -> bool:
    print(
        f"## 1. overhead: {lifecycles} lifecycles per provider per round, {rounds} rounds "
        f"(arms interleaved in blocks of {BLOCK})"
    )
    print(f"   lifecycle = {' + '.join(STEPS)} (6 gRPC calls, 4 HTTP requests); pacing off, limit off")
    settings = config(emulator, pacing=False)
    names = ("ours", "reference", "http", "ours in-process", "reference in-process")
    times = {name: ArmTimes() for name in names}
    with (
        started_plugin(settings) as ours,
        started_plugin(settings) as ref,
        httpx.Client(
            base_url=emulator.base_url, headers={"Authorization": f"Api-Key {DEMO_KEY}"}, timeout=30.0
        ) as client,
    ):
        direct_ours = configured(EndpointProvider(), settings)
        direct_ref = configured(reference_provider.ReferenceEndpointProvider(), settings)
        runners: dict[str, Callable[[dict[str, list[float]] | None], None]] = {
            "ours": lambda steps: lifecycle(ours, OURS, steps),
            "reference": lambda steps: lifecycle(ref, REFERENCE, steps),
            "http": lambda steps: http_lifecycle(client),
            "ours in-process": lambda steps: direct_lifecycle(direct_ours, "direct-ours"),
            "reference in-process": lambda steps: direct_lifecycle(direct_ref, "direct-ref"),
        }
        for run in runners.values():  # warm-up: imports, unpickling, connection pools
            for _ in range(max(5, lifecycles // 20)):
                run(None)
        # Each round runs `lifecycles` per arm in blocks of BLOCK, the arms taking turns block by block
        # (the order rotating), so a slow spell on this shared machine hits every arm alike.
        order = list(runners)
        blocks = [min(BLOCK, lifecycles - start) for start in range(0, lifecycles, BLOCK)]
        turn = 0
        for _ in range(rounds):
            spent = dict.fromkeys(order, 0.0)
            for size in blocks:
                shift = turn % len(order)
                turn += 1
                for name in order[shift:] + order[:shift]:
                    spent[name] += timed(functools.partial(runners[name], times[name].steps), size)
            for name in order:
                times[name].rounds.append(spent[name])

    ours_t, ref_t, http_t, ours_d, ref_d = (times[n].rounds for n in names)
    ratios = [o / r for o, r in zip(ours_t, ref_t, strict=True)]
    print()
    print("   seconds per round of lifecycles")
    print("   round |   ours  reference  ratio | bare HTTP | in-process: ours  reference")
    for i, row in enumerate(zip(ours_t, ref_t, ratios, http_t, ours_d, ref_d, strict=True), 1):
        o, r, q, h, od, rd = row
        print(f"   {i:5d} | {o:6.3f}  {r:9.3f}  {q:5.3f} | {h:9.3f} |       {od:10.3f}  {rd:9.3f}")
    median_ratio = median(ratios)
    pooled = sum(ours_t) / sum(ref_t)
    ok = median_ratio <= OVERHEAD_TARGET
    print(
        f"   ratio ours/reference through the plugin: median over rounds {median_ratio:.3f} "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f}; all rounds pooled {pooled:.3f}); "
        f"target <= {OVERHEAD_TARGET}: {'MET' if ok else 'MISSED'}"
    )

    per = {n: median(times[n].rounds) / lifecycles for n in times}
    print()
    print("   per step through the plugin, median (ms)   ours   reference   difference")
    for step in STEPS:
        o, r = median(times["ours"].steps[step]), median(times["reference"].steps[step])
        print(f"   {step:40s} {o * 1e3:6.3f}   {r * 1e3:9.3f}   {(o - r) * 1e3:+10.3f}")

    # Where the time goes, per lifecycle (medians over rounds):
    #  protocol       = 6 x a no-op call (the reference's Check and Diff only hand their input back),
    #  HTTP           = the same four requests made with bare httpx from this process,
    #  provider code  = the reference's methods called in this process, minus that bare HTTP,
    #  plugin data    = what is left of the reference: the plugin's extra cost for calls that carry
    #                   an endpoint both ways (bigger structs, per-call event loop, thread hand-offs),
    #  our code       = ours minus reference, through the plugin and (less noisy) in this process.
    noop = median(times["reference"].steps["check"] + times["reference"].steps["diff"])
    protocol = RPCS_PER_LIFECYCLE * noop
    http = per["http"]
    ref_code = per["reference in-process"] - http
    plugin_data = per["reference"] - protocol - http - ref_code
    our_code = per["ours"] - per["reference"]
    our_direct = per["ours in-process"] - per["reference in-process"]
    rows = [
        ("ours, through the plugin", per["ours"], ""),
        ("reference, through the plugin", per["reference"], "= the next four lines"),
        ("  protocol", protocol, f"6 x a no-op Check/Diff ({noop * 1e3:.3f} ms)"),
        ("  HTTP", http, "the same 4 requests with bare httpx, from here"),
        ("  reference's provider code", ref_code, "its methods called here, minus HTTP"),
        ("  plugin data handling", plugin_data, "the rest: payloads of Create/Read/Update/Delete"),
        ("our code, through the plugin", our_code, "ours - reference"),
        (
            "our code, in-process",
            our_direct,
            f"ours {per['ours in-process'] * 1e3:.3f} - reference {per['reference in-process'] * 1e3:.3f}",
        ),
    ]
    print()
    print("   where a lifecycle's time goes (median per lifecycle):")
    for label, seconds, note in rows:
        sign = "+" if label.startswith("our code") else ""
        share = f"{seconds / per['ours'] * 100:5.1f}% of ours"
        print(f"     {label:32s} {seconds * 1e3:{sign}8.3f} ms  {share}  {note}")
    print()
    return ok


# -- 2. cold start ----------------------------------------------------------------------------------------


def cold_start(emulator: Emulator, arm: Arm) -> tuple[float, float, float]:
    """Seconds from Popen to: the plugin's port line, the first Check's answer, the first Create's."""
    settings = config(emulator, pacing=False)
    started = time.perf_counter()
    plugin = ProviderPlugin(env=plugin_env())
    try:
        port_ready = time.perf_counter()
        plugin.configure(settings)
        checked, failures = plugin.check(
            arm.props({"slug": new_slug(f"cold-{arm.name}"), "targets": [TARGET_A], "region": REGION})
        )
        check_done = time.perf_counter()
        id_, outputs = plugin.create(arm.props(checked))
        create_done = time.perf_counter()
        if failures or not id_:
            raise RuntimeError(f"{arm.name}: cold start failed: {failures}")
        plugin.delete(id_, arm.props(outputs))
    finally:
        plugin.stop()
    return port_ready - started, check_done - started, create_done - started


def bench_cold_start(emulator: Emulator, rounds: int) -> bool:
    print(f"## 2. cold start: plugin Popen to first Create response, {rounds} interleaved rounds")
    results: dict[str, list[tuple[float, float, float]]] = {"ours": [], "reference": []}
    arms = [OURS, REFERENCE]
    byte_compile()  # both sides start from bytecode, as installed packages do
    cold_start(emulator, REFERENCE)  # warm the OS file cache for both
    cold_start(emulator, OURS)
    for round_no in range(rounds):
        for arm in arms if round_no % 2 == 0 else arms[::-1]:
            results[arm.name].append(cold_start(emulator, arm))
    print()
    print("   round   ours (s)   reference (s)   ratio")
    ratios = []
    for i, (o, r) in enumerate(zip(results["ours"], results["reference"], strict=True), 1):
        ratios.append(o[2] / r[2])
        print(f"   {i:5d}   {o[2]:8.3f}   {r[2]:13.3f}   {ratios[-1]:5.3f}")
    print()
    print(f"   {'median, seconds from Popen to':34s}   ours   reference")
    labels = ("port printed (python + pulumi)", "first Check answered (+ Configure)", "first Create answered")
    for index, label in enumerate(labels):
        ours_s = median([times[index] for times in results["ours"]])
        ref_s = median([times[index] for times in results["reference"]])
        print(f"   {label:34s} {ours_s:6.3f}   {ref_s:9.3f}")
    ours_total = median([r[2] for r in results["ours"]])
    ref_total = median([r[2] for r in results["reference"]])
    ratio = ours_total / ref_total
    ok = ratio <= COLD_TARGET
    ours_check = median([r[1] for r in results["ours"]])
    ref_check = median([r[1] for r in results["reference"]])
    print(
        f"   to the first Check: ours {ours_check:.3f} s, reference {ref_check:.3f} s (medians); "
        f"ratio of medians {ours_check / ref_check:.3f} (what `pulumi preview` waits for: it sends no Create)"
    )
    print(
        f"   cold start: ours {ours_total:.3f} s, reference {ref_total:.3f} s (medians); "
        f"ratio of medians {ratio:.3f} (median of per-round ratios {median(ratios):.3f}); "
        f"target <= {COLD_TARGET}: {'MET' if ok else 'MISSED'}"
    )
    print()
    return ok


# -- 3. bulk ----------------------------------------------------------------------------------------------


def bench_bulk(emulator: Emulator, count: int) -> bool:
    ideal = count / BULK_RATE_LIMIT
    print(
        f"## 3. bulk: {count} creates (Check then Create each), {BULK_THREADS} concurrent calls, "
        f"emulator limit {BULK_RATE_LIMIT} requests/s per key, our default pacing"
    )
    emulator.set_rate_limit(BULK_RATE_LIMIT)
    faults = emulator.faults()
    print(f"   emulator settings: {faults}")
    errors: list[str] = []
    lock = threading.Lock()
    with started_plugin(config(emulator, pacing=True)) as plugin:
        plugin.check({"slug": new_slug("warm"), "targets": [TARGET_A]})  # unpickle + import, no HTTP
        emulator.reset_stats()
        slugs = [new_slug(f"bulk-{i}") for i in range(count)]

        def worker(part: list[str]) -> None:
            for slug in part:
                try:
                    checked, failures = plugin.check({"slug": slug, "targets": [TARGET_A], "region": REGION})
                    if failures:
                        raise RuntimeError(str(failures))
                    plugin.create(checked)
                except Exception as exc:
                    with lock:
                        errors.append(f"{slug}: {exc}"[:300])

        threads = [
            threading.Thread(target=worker, args=(slugs[i::BULK_THREADS],)) for i in range(BULK_THREADS)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    stats = emulator.stats()
    limit = BULK_TARGET * ideal
    ok = not errors and wall <= limit
    print(f"   wall time {wall:.3f} s (ideal {ideal:.1f} s at the limit; target <= {limit:.2f} s)")
    print(f"   throughput {count / wall:.1f} creates/s; errors {len(errors)}")
    print(f"   429 responses: {stats['rate_limited']}; responses by status: {stats['by_status']}")
    for error in errors[:5]:
        print(f"     error: {error}")
    print(f"   target (0 errors, wall <= {limit:.2f} s): {'MET' if ok else 'MISSED'}")
    print()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--lifecycles", type=int, default=200, help="lifecycles per provider per round")
    parser.add_argument("--bulk", type=int, default=1000, help="creates in the bulk part")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the overhead part")
    parser.add_argument("--cold-rounds", type=int, default=20, help="interleaved cold-start pairs")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 lifecycles, 100 creates, 2 rnds")
    parser.add_argument(
        "--only", choices=["overhead", "cold", "bulk"], action="append", help="run only these parts"
    )
    options = parser.parse_args()
    if options.quick:
        options.lifecycles, options.bulk, options.rounds, options.cold_rounds = 20, 100, 2, 2
    parts = options.only or ["overhead", "cold", "bulk"]

    print(
        f"bench_provider.py  {datetime.datetime.now().isoformat(timespec='seconds')}  "
        f"python {platform.python_version()}  {os.cpu_count()} CPUs  {platform.platform()}"
    )
    print()
    results: dict[str, bool] = {}
    with Emulator(rate_limit=0) as emulator:
        print(f"emulator {emulator.base_url}, faults and latency off: {emulator.faults()}")
        print()
        if "overhead" in parts:
            results["overhead"] = bench_overhead(emulator, options.lifecycles, options.rounds)
        if "cold" in parts:
            results["cold start"] = bench_cold_start(emulator, options.cold_rounds)
        if "bulk" in parts:  # last: it switches the emulator's limit on
            results["bulk"] = bench_bulk(emulator, options.bulk)
    print("summary: " + ", ".join(f"{k} {'MET' if v else 'MISSED'}" for k, v in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
