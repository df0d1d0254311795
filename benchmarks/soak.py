"""Reliability soak: endpoint lifecycles through the real provider plugin against a faulty gateway.

    python benchmarks/soak.py --lifecycles 1000 [--seed N] [--threads 4] [--checkpoint-every 50] ...

The promise under test: under throttling, server errors and dropped connections, ``pulumi up``
converges, loses nothing, creates no duplicate or orphaned endpoint and never leaks the API key.

One emulator runs with 20% injected 5xx, 10% injected 429, 5% "commit, then drop the connection" on
writes and 5 ms of added latency, all at once, from a fixed seed (its real rate limit is off). One
provider plugin (``python -u -m pulumi.dynamic``, default retry policy, pacing off) is driven over gRPC
the way the engine drives it, by ``--threads`` lifecycles at a time (the plugin serves 4 RPCs at once).

A lifecycle is five ``pulumi up`` runs on one resource, each modelled step by step as the engine runs
it, on fresh slugs ``soak/lc-N`` and ``soak/lc-N-renamed``:

1. new resource: Check, Create (targets T0);
2. new targets: Check, Diff (must be an in-place update), Update (T1);
3. new slug: Check, Diff (must replace ``slug``, create before delete), Create of the replacement,
   then Delete of the old endpoint (still in the state, pending delete, until that succeeds);
4. new targets again: Check, Diff, Update (T2) of the replacement;
5. destroy: Delete.

When an RPC fails, the user runs ``pulumi up`` again: the step is repeated from the state the engine
holds (a failed Create leaves nothing in the state, a failed Update leaves the old outputs, a failed
Delete leaves the resource), at most ``--max-reruns`` times. A Create that failed after committing
(the drop fault on its last attempt) is answered on the re-run with "already exists ... set
adopt=True": the user does so for that re-run (counted apart, "re-runs that needed adopt"), and takes
the flag out of the program again afterwards. A Create without adopt that returns an endpoint older
than the RPC is counted as a silent takeover (reported; the client's duplicate-safe retry does that).

What is checked, against the emulator itself (a raw httpx client, not the package's client):

* every caller-visible failure is an ``EndpointOperationError`` naming the slug and the cause
  ("HTTP 5..", "HTTP 429", "no response", "already exists"), never another exception or a dead plugin;
* before every Delete, the endpoint's live targets are the last desired ones (no lost update);
* every ``--checkpoint-every`` lifecycles, all workers pause between steps, faults are switched off
  and the workspace's live endpoints must equal the resources held in the driver's state (no orphan,
  nothing missing, no stale targets); faults are then switched back on (the fault generator is not
  reseeded, so its sequence continues);
* at the end, with faults off: nothing is live, every endpoint the emulator created during the run is
  one whose id the driver learnt (no hidden duplicate), and no slug got two ids;
* the API key appears in no error, no output and nothing the plugin wrote to stderr.

The module is importable (``tests/test_soak.py`` runs a short soak through :func:`run_soak`).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import secrets
import statistics
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:  # run as `python benchmarks/soak.py`
    sys.path.insert(0, _REPO_ROOT)

from tests.harness.plugin import PluginError, ProviderPlugin  # noqa: E402

__all__ = [
    "DEFAULT_FAULTS",
    "FaultPlan",
    "SoakConfig",
    "SoakReport",
    "classify_failure",
    "emulator_args",
    "lifecycle_slugs",
    "lifecycle_targets",
    "run_soak",
    "soak_workspace",
]

ENDPOINTS_PATH = "/v1/gateway/endpoints"
SOAK_PREFIX = "soak"
#: The last line of a typed failure: what ``pulumi.dynamic`` reports when the provider raised it.
TYPED_ERROR = "pulumi_baseten_gateway.provider.EndpointOperationError: "
#: Causes a caller may see after the retry budget, by the text that names them.
FAILURE_KINDS = (
    ("already exists", "already exists"),
    ("no response", "no response"),
    ("HTTP 429", "HTTP 429"),
    ("HTTP 5", "HTTP 5xx"),
)
_DIFF_SOME = 2  # pulumirpc.DiffResponse.DIFF_SOME
_FAULT_FIELDS = ("latency_ms", "error_rate", "rate_limit_rate", "drop_rate")
_VERIFY_ATTEMPTS = 100

_T = TypeVar("_T")


# -- configuration -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaultPlan:
    """The emulator's fault settings for a soak."""

    latency_ms: float = 5.0
    error_rate: float = 0.20
    rate_limit_rate: float = 0.10
    drop_rate: float = 0.05
    seed: int = 20261127


DEFAULT_FAULTS = FaultPlan()


def emulator_args(faults: FaultPlan = DEFAULT_FAULTS) -> list[str]:
    """Emulator CLI flags: these faults, this seed, and the real rate limiter off."""
    return [
        "--seed",
        str(faults.seed),
        "--latency-ms",
        str(faults.latency_ms),
        "--error-rate",
        str(faults.error_rate),
        "--rate-limit-rate",
        str(faults.rate_limit_rate),
        "--drop-rate",
        str(faults.drop_rate),
        "--rate-limit",
        "0",
    ]


def soak_workspace(api_key: str) -> dict[str, Any]:
    """The emulator workspace of a soak: prefix ``soak``, one management key."""
    return {"name": "soak", "prefixes": [SOAK_PREFIX], "api_keys": [{"key": api_key, "scopes": ["manage"]}]}


@dataclass(frozen=True)
class SoakConfig:
    lifecycles: int
    threads: int = 4
    max_reruns: int = 5
    checkpoint_every: int = 25
    #: Called with (lifecycles finished, lifecycles in all) after each lifecycle (progress output).
    progress: Callable[[int, int], None] | None = None


def lifecycle_slugs(index: int) -> tuple[str, str]:
    """The slug a lifecycle starts with, and the one it is renamed to."""
    return f"{SOAK_PREFIX}/lc-{index}", f"{SOAK_PREFIX}/lc-{index}-renamed"


def lifecycle_targets(index: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """T0 (create), T1 (first update, kept through the rename), T2 (second update); all canonical."""
    return (
        {"provider": "BASETEN", "model_id": f"m{index}a", "environment_name": "staging"},
        {"provider": "OPENAI", "secret_id": f"sec-{index}", "target_model": "gpt-4o"},
        {"provider": "BASETEN", "model_id": f"m{index}b"},
    )


def classify_failure(details: str, slug: str) -> str | None:
    """The kind of a caller-visible failure, or None if it is not the clear, typed error promised.

    ``pulumi.dynamic`` sends the provider's traceback; its last line is the exception. It must be an
    ``EndpointOperationError`` naming the slug and one of the causes the retry budget may give up on.
    """
    lines = [line for line in details.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if not last.startswith(TYPED_ERROR) or f"Endpoint '{slug}'" not in last:
        return None
    for marker, kind in FAILURE_KINDS:
        if marker in last:
            if kind == "already exists":
                return "already exists (adopt advised)" if "adopt=True" in last else "already exists"
            return kind
    return None


# -- the emulator, seen from outside ---------------------------------------------------------------------


class Witness:
    """Raw HTTP access to the emulator: its admin routes, and the API with the workspace's key.

    Counts its own ``/v1`` requests and the injected faults they met, so that the emulator's counters
    can be split into the plugin's share and the driver's.
    """

    def __init__(self, base_url: str, api_key: str) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=30.0)
        self._auth = {"Authorization": f"Api-Key {api_key}"}
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()  # "verify", "audit"
        self.faults_met: Counter[str] = Counter()  # kind -> count, on the driver's own requests

    def close(self) -> None:
        self._http.close()

    def _admin(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = self._http.request(method, path, json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def stats(self) -> dict[str, Any]:
        return self._admin("GET", "/_emulator/stats")

    def faults(self) -> dict[str, Any]:
        return self._admin("GET", "/_emulator/faults")

    def set_faults(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the fault rates and latency; the generator is not reseeded (no ``seed`` is sent)."""
        return self._admin("PUT", "/_emulator/faults", {k: settings[k] for k in _FAULT_FIELDS})

    def _count(self, purpose: str, status: int, latency_on: bool) -> None:
        with self._lock:
            self.requests[purpose] += 1
            if latency_on:
                self.faults_met["latency"] += 1
            if status == 429:
                self.faults_met["429"] += 1
            elif status >= 500:
                self.faults_met["5xx"] += 1

    def list_live(self) -> list[dict[str, Any]]:
        """Every live endpoint of the workspace (call with faults off: any error status raises)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            response = self._http.get(ENDPOINTS_PATH, params=params, headers=self._auth)
            self._count("audit", response.status_code, latency_on=False)
            response.raise_for_status()
            page = response.json()
            items += page["items"]
            if not page["pagination"]["has_more"]:
                return items
            cursor = page["pagination"]["cursor"]

    def get_live(self, endpoint_id: str, *, latency_on: bool) -> dict[str, Any] | None:
        """GET one endpoint while faults are on: injected 5xx and 429 (answered before the API ran)
        are asked again at once; None on 404."""
        for _ in range(_VERIFY_ATTEMPTS):
            response = self._http.get(f"{ENDPOINTS_PATH}/{endpoint_id}", headers=self._auth)
            self._count("verify", response.status_code, latency_on)
            if response.status_code == 404:
                return None
            if response.status_code == 429 or response.status_code >= 500:
                continue
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result
        raise RuntimeError(f"GET endpoint {endpoint_id}: {_VERIFY_ATTEMPTS} injected faults in a row")


# -- the engine's view of one lifecycle -------------------------------------------------------------------


@dataclass
class Resource:
    """One resource in the stack's state: what the engine knows after a successful step."""

    id: str
    slug: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    desired_targets: list[dict[str, Any]]


@dataclass
class LifecycleState:
    current: Resource | None = None
    pending_delete: Resource | None = None

    def resources(self) -> list[Resource]:
        return [r for r in (self.current, self.pending_delete) if r is not None]


class LifecycleAborted(Exception):
    """A step still failed after the allowed re-runs."""


class DriverError(Exception):
    """The plugin answered something the engine would not accept (a wrong diff, failed check...)."""


@dataclass
class FailureRecord:
    lifecycle: int
    step: str
    rpc: str
    slug: str
    kind: str | None  # None: not a clear, typed failure
    last_line: str


# -- the report -------------------------------------------------------------------------------------------


@dataclass
class SoakReport:
    lifecycles: int = 0
    converged: int = 0
    threads: int = 0
    wall_seconds: float = 0.0
    fault_settings: dict[str, Any] = field(default_factory=dict)
    faults_injected: dict[str, int] = field(default_factory=dict)  # emulator's counters over the run
    faults_on_driver_reads: dict[str, int] = field(default_factory=dict)
    requests_total: int = 0  # emulator's counter over the run (plugin + driver)
    driver_requests: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    by_route: dict[str, int] = field(default_factory=dict)
    rpcs: dict[str, int] = field(default_factory=dict)
    rpc_seconds: dict[str, list[float]] = field(default_factory=dict)
    step_seconds: dict[str, list[float]] = field(default_factory=dict)
    reruns: dict[str, int] = field(default_factory=dict)  # by step
    adopt_reruns: int = 0
    takeovers: int = 0  # Creates without adopt that returned an endpoint older than the Create RPC
    failures: list[FailureRecord] = field(default_factory=list)
    client_retries: dict[str, int] = field(default_factory=dict)  # from the plugin's retry warnings
    checkpoints: int = 0
    checkpoint_seconds: float = 0.0
    orphans: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    lost_updates: list[str] = field(default_factory=list)
    unconverged: list[str] = field(default_factory=list)
    driver_errors: list[str] = field(default_factory=list)
    key_leaks: list[str] = field(default_factory=list)
    plugin_alive: bool = True
    endpoints_created: int = 0  # by the emulator during the run (live + deleted rows)
    ids_learnt: int = 0

    @property
    def plugin_faults(self) -> dict[str, int]:
        """Injected faults the plugin's requests met (the emulator's counts minus the driver's reads)."""
        return {
            kind: count - self.faults_on_driver_reads.get(kind, 0)
            for kind, count in self.faults_injected.items()
        }

    @property
    def plugin_requests(self) -> int:
        return self.requests_total - sum(self.driver_requests.values())

    @property
    def untyped_failures(self) -> list[FailureRecord]:
        return [f for f in self.failures if f.kind is None]

    def problems(self) -> list[str]:
        """Every broken promise, one line each; empty when the soak passed."""
        found: list[str] = []
        for name, items in (
            ("orphans", self.orphans),
            ("missing endpoints", self.missing),
            ("duplicates", self.duplicates),
            ("lost updates", self.lost_updates),
            ("unconverged lifecycles", self.unconverged),
            ("driver errors", self.driver_errors),
            ("API key leaks", self.key_leaks),
            ("untyped failures", [f"{f.step} {f.slug}: {f.last_line}" for f in self.untyped_failures]),
        ):
            if items:
                found.append(f"{len(items)} {name}: " + "; ".join(items[:5]))
        if not self.plugin_alive:
            found.append("the plugin process died")
        if self.converged != self.lifecycles:
            found.append(f"{self.converged} of {self.lifecycles} lifecycles converged")
        return found

    def render(self) -> str:
        failures_by_kind = Counter(f.kind or "UNTYPED" for f in self.failures)
        failures_by_step = Counter(f"{f.step}/{f.rpc}" for f in self.failures)
        lines = [
            f"lifecycles run           {self.lifecycles} ({self.converged} converged), "
            f"{self.threads} concurrent, 1 plugin process",
            f"wall time                {self.wall_seconds:.1f} s "
            f"(of which {self.checkpoint_seconds:.1f} s from {self.checkpoints} checkpoint requests to their "
            "release: workers parking, then the audit)",
            "emulator faults          " + _fmt_settings(self.fault_settings),
            "injected faults          "
            + _fmt_counts(self.faults_injected)
            + "   (of which on the driver's own verification reads: "
            + _fmt_counts(self.faults_on_driver_reads)
            + ")",
            "  met by the plugin      " + _fmt_counts(self.plugin_faults),
            f"total requests           {self.requests_total}: plugin {self.plugin_requests}, driver "
            + _fmt_counts(self.driver_requests),
            "  by route               " + _fmt_counts(self.by_route),
            "  by status              " + _fmt_counts(self.by_status) + "  (drops have no status)",
            "  client retries logged  " + _fmt_counts(self.client_retries),
            f"plugin RPCs              {sum(self.rpcs.values())}: " + _fmt_counts(self.rpcs),
            f"re-runs (pulumi up again) {sum(self.reruns.values())}: " + _fmt_counts(self.reruns),
            f"re-runs that needed adopt {self.adopt_reruns}",
            "silent takeovers         "
            f"{self.takeovers} (Creates without adopt that returned an endpoint older than the RPC)",
            f"caller-visible failures  {len(self.failures)}: by cause "
            + _fmt_counts(failures_by_kind)
            + ", by step "
            + _fmt_counts(failures_by_step),
        ]
        lines.append("RPC seconds              p50 / p99 / max (count)")
        for method in sorted(self.rpc_seconds):
            lines.append(f"  {method:<22} {_fmt_dist(self.rpc_seconds[method])}")
        lines.append("step seconds, re-runs included: p50 / p99 / max (count)")
        for step in sorted(self.step_seconds):
            lines.append(f"  {step:<22} {_fmt_dist(self.step_seconds[step])}")
        lines += [
            f"endpoints created        {self.endpoints_created} "
            f"(ids learnt by the driver: {self.ids_learnt})",
            f"orphans {len(self.orphans)}, duplicates {len(self.duplicates)}, lost updates "
            f"{len(self.lost_updates)}, missing {len(self.missing)}, untyped failures "
            f"{len(self.untyped_failures)}, unconverged {len(self.unconverged)}, driver errors "
            f"{len(self.driver_errors)}, API key leaks {len(self.key_leaks)}, "
            f"plugin alive {self.plugin_alive}",
        ]
        for failure in self.failures:
            lines.append(
                f"  failure: lifecycle {failure.lifecycle} {failure.step}/{failure.rpc}: {failure.last_line}"
            )
        problems = self.problems()
        lines.append("result: " + ("PASS" if not problems else "FAIL: " + " | ".join(problems)))
        return "\n".join(lines)


def _fmt_counts(counts: Mapping[str, int]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + "}"


def _fmt_settings(settings: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={settings[k]}" for k in (*_FAULT_FIELDS, "seed", "rate_limit") if k in settings)


def _fmt_dist(values: Sequence[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"{statistics.median(ordered):.3f} / {p99:.3f} / {ordered[-1]:.3f} ({len(ordered)})"


# -- pausing every worker between steps -------------------------------------------------------------------


class _Quiescence:
    """Runs ``action`` once every worker is parked between two steps (or finished).

    ``request`` asks for a checkpoint; workers call ``safe_point`` between steps and ``leave`` when
    done. The last worker to arrive runs the action, then releases the others. ``paused_seconds`` sums
    the time from each request to the release (the first workers to park wait that long).
    """

    def __init__(self, workers: int, action: Callable[[], None]) -> None:
        self._cond = threading.Condition()
        self._action = action
        self._active = workers
        self._parked = 0
        self._requested = False
        self._generation = 0
        self._requested_at = 0.0
        self.paused_seconds = 0.0

    def request(self) -> None:
        with self._cond:
            if not self._requested:
                self._requested = True
                self._requested_at = time.perf_counter()

    def safe_point(self) -> None:
        with self._cond:
            if not self._requested:
                return
            self._parked += 1
            if self._parked == self._active:
                self._run()
                return
            generation = self._generation
            while self._generation == generation:
                self._cond.wait()

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            if self._requested and self._active > 0 and self._parked == self._active:
                self._run()

    def _run(self) -> None:  # with the lock held, every other worker parked or gone
        try:
            self._action()
        finally:
            self._requested = False
            self._parked = 0
            self._generation += 1
            self.paused_seconds += time.perf_counter() - self._requested_at
            self._cond.notify_all()


# -- the driver -------------------------------------------------------------------------------------------


class SoakDriver:
    def __init__(self, plugin: ProviderPlugin, witness: Witness, api_key: str, config: SoakConfig) -> None:
        self.plugin = plugin
        self.witness = witness
        self.api_key = api_key
        self.config = config
        self.report = SoakReport(lifecycles=config.lifecycles, threads=config.threads)
        self.started_at = datetime.datetime.now(datetime.timezone.utc)
        self._lock = threading.Lock()
        self._states: dict[int, LifecycleState] = {}
        self._ids_by_slug: dict[str, set[str]] = defaultdict(set)
        self._created_at: dict[str, datetime.datetime] = {}
        self._next = itertools.count()
        self._finished = 0
        self._stop = threading.Event()
        self._fault_settings: dict[str, Any] = {}
        self._quiescence = _Quiescence(config.threads, self._checkpoint)

    # -- bookkeeping (thread-safe) ------------------------------------------------------------------------

    def _add(self, counter: dict[str, int], key: str, n: int = 1) -> None:
        with self._lock:
            counter[key] = counter.get(key, 0) + n

    def _sample(self, samples: dict[str, list[float]], key: str, value: float) -> None:
        with self._lock:
            samples.setdefault(key, []).append(value)

    def _record(self, items: list[str], message: str) -> None:
        with self._lock:
            items.append(message)

    def _scan_for_key(self, where: str, value: Any) -> None:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if self.api_key in text:
            self._record(self.report.key_leaks, where)

    def _rpc(self, method: str, call: Callable[[], _T]) -> _T:
        self._add(self.report.rpcs, method)
        started = time.perf_counter()
        try:
            return call()
        finally:
            self._sample(self.report.rpc_seconds, method, time.perf_counter() - started)

    def _learn(self, slug: str, endpoint_id: str, outputs: Mapping[str, Any]) -> None:
        created = datetime.datetime.fromisoformat(str(outputs["created_at"]).replace("Z", "+00:00"))
        with self._lock:
            self._ids_by_slug[slug].add(endpoint_id)
            self._created_at[endpoint_id] = created

    # -- running ------------------------------------------------------------------------------------------

    def run(self) -> SoakReport:
        self._fault_settings = self.witness.faults()
        self.report.fault_settings = dict(self._fault_settings)
        before = self.witness.stats()
        started = time.perf_counter()
        workers = [
            threading.Thread(target=self._worker, name=f"soak-{n}", daemon=True)
            for n in range(self.config.threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        self.report.wall_seconds = time.perf_counter() - started
        self.report.checkpoint_seconds = self._quiescence.paused_seconds
        after = self.witness.stats()
        self._account(before, after)
        self._final_audit(before)
        return self.report

    def _worker(self) -> None:
        try:
            while not self._stop.is_set():
                with self._lock:
                    index = next(self._next)
                if index >= self.config.lifecycles:
                    return
                self._run_lifecycle(index)
                with self._lock:
                    self._finished += 1
                    finished = self._finished
                if self.config.progress is not None:
                    self.config.progress(finished, self.config.lifecycles)
                if finished % self.config.checkpoint_every == 0 and finished < self.config.lifecycles:
                    self._quiescence.request()
                self._quiescence.safe_point()
        finally:
            self._quiescence.leave()

    def _run_lifecycle(self, index: int) -> None:
        state = LifecycleState()
        with self._lock:
            self._states[index] = state
        slug, renamed = lifecycle_slugs(index)
        t0, t1, t2 = lifecycle_targets(index)
        name = f"lc-{index}"
        steps: list[Callable[[], None]] = [
            lambda: self._create(index, name, state, {"slug": slug, "targets": [t0]}),
            lambda: self._update(index, name, state, {"slug": slug, "targets": [t1]}, "update"),
            lambda: self._replace(index, name, state, {"slug": renamed, "targets": [t1]}),
            lambda: self._delete(index, name, state, pending=True),
            lambda: self._update(index, name, state, {"slug": renamed, "targets": [t2]}, "update-renamed"),
            lambda: self._delete(index, name, state, pending=False),
        ]
        try:
            for step in steps:
                step()
                self._quiescence.safe_point()
        except LifecycleAborted as exc:
            self._record(self.report.unconverged, f"lifecycle {index}: {exc}")
        except Exception as exc:
            self._record(
                self.report.driver_errors,
                f"lifecycle {index}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}",
            )
        else:
            with self._lock:
                self.report.converged += 1

    def _attempts(self, index: int, step: str, slug: str, body: Callable[[int, bool], None]) -> None:
        """Run a step; on a plugin error run it again ("pulumi up" again), at most ``max_reruns`` times.

        ``body(rerun, adopt)`` performs the step from the current state. After a failure that advises
        ``adopt=True``, the next re-run sets it.
        """
        started = time.perf_counter()
        adopt = False
        try:
            for rerun in range(self.config.max_reruns + 1):
                if rerun:
                    self._add(self.report.reruns, step)
                    if adopt:
                        with self._lock:
                            self.report.adopt_reruns += 1
                try:
                    body(rerun, adopt)
                    return
                except _StepFailed as failed:
                    error = failed.error
                    kind = classify_failure(error.details, slug)
                    lines = error.details.strip().splitlines()
                    last_line = f"{error.code.name}: {lines[-1] if lines else ''}"
                    self._scan_for_key(f"{step} failure details", error.details)
                    with self._lock:
                        self.report.failures.append(
                            FailureRecord(index, step, failed.rpc, slug, kind, last_line)
                        )
                    if self.plugin.process.poll() is not None:
                        self._stop.set()
                        raise DriverError(
                            f"the plugin process exited ({self.plugin.process.returncode})"
                        ) from None
                    adopt = kind == "already exists (adopt advised)"
            raise LifecycleAborted(f"{step} of {slug!r} still failing after {self.config.max_reruns} re-runs")
        finally:
            self._sample(self.report.step_seconds, step, time.perf_counter() - started)

    def _call(self, rpc: str, call: Callable[[], _T]) -> _T:
        try:
            return self._rpc(rpc, call)
        except PluginError as exc:
            raise _StepFailed(rpc, exc) from None

    def _check(self, name: str, news: dict[str, Any], olds: Mapping[str, Any] | None) -> dict[str, Any]:
        checked, failures = self._call("Check", lambda: self.plugin.check(news, olds, name=name))
        if failures:
            raise DriverError(f"Check of {news} failed: {failures}")
        return checked

    # -- steps, as the engine runs them --------------------------------------------------------------------

    def _create(self, index: int, name: str, state: LifecycleState, program: dict[str, Any]) -> None:
        slug = program["slug"]

        def body(rerun: int, adopt: bool) -> None:
            checked = self._check(name, {**program, **({"adopt": True} if adopt else {})}, None)
            state.current = self._send_create(name, checked, program, adopt)

        self._attempts(index, "create", slug, body)

    def _replace(self, index: int, name: str, state: LifecycleState, program: dict[str, Any]) -> None:
        slug = program["slug"]

        def body(rerun: int, adopt: bool) -> None:
            old = state.current
            assert old is not None
            checked = self._check(name, {**program, **({"adopt": True} if adopt else {})}, old.inputs)
            diff = self._call("Diff", lambda: self.plugin.diff(old.id, old.outputs, checked, name=name))
            if diff.changes != _DIFF_SOME or list(diff.replaces) != ["slug"] or diff.deleteBeforeReplace:
                raise DriverError(f"Diff of a slug change: {diff}")
            new = self._send_create(name, checked, program, adopt)
            state.pending_delete = old
            state.current = new

        self._attempts(index, "replace-create", slug, body)

    def _send_create(
        self, name: str, checked: dict[str, Any], program: Mapping[str, Any], adopt: bool
    ) -> Resource:
        """Create; check the answer; learn the id. A Create without adopt must return a new endpoint."""
        slug = program["slug"]
        sent_at = datetime.datetime.now(datetime.timezone.utc)
        endpoint_id, outputs = self._call("Create", lambda: self.plugin.create(checked, name=name))
        self._scan_for_key("create outputs", outputs)
        if not endpoint_id or outputs.get("slug") != slug or outputs.get("endpoint_id") != endpoint_id:
            raise DriverError(f"Create of {slug!r} answered id {endpoint_id!r} with outputs {outputs}")
        if outputs.get("targets") != program["targets"]:
            self._record(
                self.report.lost_updates,
                f"create of {slug!r} returned targets {outputs.get('targets')} for {program['targets']}",
            )
        self._learn(slug, endpoint_id, outputs)
        if not adopt and self._created_at[endpoint_id] < sent_at:
            with self._lock:
                self.report.takeovers += 1
        return Resource(endpoint_id, slug, checked, outputs, list(program["targets"]))

    def _update(
        self, index: int, name: str, state: LifecycleState, program: dict[str, Any], step: str
    ) -> None:
        slug = program["slug"]

        def body(rerun: int, adopt: bool) -> None:
            current = state.current
            assert current is not None
            checked = self._check(name, program, current.inputs)
            diff = self._call(
                "Diff", lambda: self.plugin.diff(current.id, current.outputs, checked, name=name)
            )
            if diff.changes != _DIFF_SOME or list(diff.replaces):
                raise DriverError(f"Diff of a target change: {diff}")
            outputs = self._call(
                "Update", lambda: self.plugin.update(current.id, current.outputs, checked, name=name)
            )
            self._scan_for_key("update outputs", outputs)
            if outputs.get("targets") != program["targets"] or outputs.get("endpoint_id") != current.id:
                self._record(
                    self.report.lost_updates,
                    f"update of {slug!r} returned {outputs.get('endpoint_id')} {outputs.get('targets')}, "
                    f"wanted {current.id} {program['targets']}",
                )
            state.current = Resource(current.id, slug, checked, outputs, list(program["targets"]))

        self._attempts(index, step, slug, body)

    def _delete(self, index: int, name: str, state: LifecycleState, *, pending: bool) -> None:
        resource = state.pending_delete if pending else state.current
        assert resource is not None
        self._verify_targets(resource)

        def body(rerun: int, adopt: bool) -> None:
            self._call("Delete", lambda: self.plugin.delete(resource.id, resource.outputs, name=name))
            if pending:
                state.pending_delete = None
            else:
                state.current = None

        self._attempts(index, "replace-delete-old" if pending else "destroy", resource.slug, body)

    def _verify_targets(self, resource: Resource) -> None:
        """Before a Delete: the emulator serves the last desired targets (faults stay on meanwhile)."""
        latency_on = bool(self._fault_settings.get("latency_ms"))
        live = self.witness.get_live(resource.id, latency_on=latency_on)
        if live is None:
            self._record(self.report.missing, f"{resource.slug} ({resource.id}) gone before its delete")
        elif live["targets"] != resource.desired_targets or live["slug"] != resource.slug:
            self._record(
                self.report.lost_updates,
                f"{resource.slug} ({resource.id}) serves {live['slug']} {live['targets']}, "
                f"wanted {resource.desired_targets}",
            )

    # -- checkpoints and the final audit --------------------------------------------------------------------

    def _checkpoint(self) -> None:
        """Every worker is parked between steps: the live set must be exactly the driver's state."""
        try:
            self.witness.set_faults(dict.fromkeys(_FAULT_FIELDS, 0))
            try:
                live = self.witness.list_live()
            finally:
                self.witness.set_faults(self._fault_settings)
            held = {r.id: r for s in self._states.values() for r in s.resources()}
            self._compare(live, held, f"checkpoint {self.report.checkpoints + 1}")
        except Exception as exc:
            self._record(self.report.driver_errors, f"checkpoint: {type(exc).__name__}: {exc}")
        self.report.checkpoints += 1

    def _compare(self, live: list[dict[str, Any]], held: Mapping[str, Resource], when: str) -> None:
        slugs = Counter(item["slug"] for item in live)
        for slug, count in slugs.items():
            if count > 1:
                self._record(self.report.duplicates, f"{when}: slug {slug!r} live {count} times")
        live_by_id = {item["id"]: item for item in live}
        for endpoint_id, item in live_by_id.items():
            resource = held.get(endpoint_id)
            if resource is None:
                self._record(self.report.orphans, f"{when}: {item['slug']} ({endpoint_id}) is in no state")
            elif item["targets"] != resource.desired_targets or item["slug"] != resource.slug:
                self._record(
                    self.report.lost_updates,
                    f"{when}: {item['slug']} ({endpoint_id}) serves {item['targets']}, "
                    f"wanted {resource.slug} {resource.desired_targets}",
                )
        for endpoint_id, resource in held.items():
            if endpoint_id not in live_by_id:
                self._record(self.report.missing, f"{when}: {resource.slug} ({endpoint_id}) is not live")

    def _account(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        report = self.report
        report.faults_injected = _delta(before["faults"], after["faults"])
        report.faults_on_driver_reads = dict(self.witness.faults_met)
        report.requests_total = after["total_requests"] - before["total_requests"]
        report.driver_requests = dict(self.witness.requests)
        report.by_status = _delta(before["by_status"], after["by_status"])
        report.by_route = _delta(before["by_route"], after["by_route"])

    def _final_audit(self, before: Mapping[str, Any]) -> None:
        """Faults off; then nothing may be live but the state of unconverged lifecycles, and every
        endpoint created during the run must be one whose id the driver learnt."""
        self.witness.set_faults(dict.fromkeys(_FAULT_FIELDS, 0))
        live = self.witness.list_live()
        held = {r.id: r for s in self._states.values() for r in s.resources()}
        self._compare(live, held, "end")
        after = self.witness.stats()["endpoints"]
        created = (
            after["live"] + after["deleted"] - before["endpoints"]["live"] - before["endpoints"]["deleted"]
        )
        self.report.endpoints_created = created
        with self._lock:
            learnt_during_run = [i for i, at in self._created_at.items() if at >= self.started_at]
            self.report.ids_learnt = len(self._created_at)
            for slug, ids in self._ids_by_slug.items():
                if len(ids) > 1:
                    self.report.duplicates.append(f"slug {slug!r} got {len(ids)} ids: {sorted(ids)}")
        if created != len(learnt_during_run):
            self._record(
                self.report.duplicates,
                f"the emulator created {created} endpoints during the run, the driver learnt "
                f"{len(learnt_during_run)} of them",
            )


class _StepFailed(Exception):
    def __init__(self, rpc: str, error: PluginError) -> None:
        super().__init__(rpc)
        self.rpc = rpc
        self.error = error


def _delta(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def run_soak(base_url: str, api_key: str, config: SoakConfig) -> SoakReport:
    """Run ``config.lifecycles`` lifecycles against the emulator at ``base_url`` (faults as it runs them)
    through one fresh plugin process; stop the plugin; return the report."""
    witness = Witness(base_url, api_key)
    try:
        plugin = ProviderPlugin()
        stderr = ""
        try:
            plugin.configure(
                {"baseten:apiKey": api_key, "baseten:apiUrl": base_url, "baseten:maxRequestsPerSecond": "0"}
            )
            driver = SoakDriver(plugin, witness, api_key, config)
            report = driver.run()
            report.plugin_alive = plugin.process.poll() is None
        finally:
            stderr = plugin.stop()
        if api_key in stderr:
            report.key_leaks.append("plugin stderr")
        report.client_retries = dict(Counter(_retried_operations(stderr)))
        return report
    finally:
        witness.close()


def _retried_operations(stderr: str) -> Iterator[str]:
    """The operation of each "retrying after attempt N" warning the client logged in the plugin."""
    for line in stderr.splitlines():
        if line.startswith("retrying after attempt"):
            _, _, rest = line.partition("): ")
            words = rest.split(" ")
            yield " ".join(words[:2]) if len(words) >= 2 else rest


# -- command line -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lifecycles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_FAULTS.seed, help="the emulator's fault seed")
    parser.add_argument("--threads", type=int, default=4, help="lifecycles in flight at once")
    parser.add_argument("--max-reruns", type=int, default=5, help="re-runs of a failed step before giving up")
    parser.add_argument("--checkpoint-every", type=int, default=50, help="lifecycles between checkpoints")
    parser.add_argument("--latency-ms", type=float, default=DEFAULT_FAULTS.latency_ms)
    parser.add_argument("--error-rate", type=float, default=DEFAULT_FAULTS.error_rate)
    parser.add_argument("--rate-limit-rate", type=float, default=DEFAULT_FAULTS.rate_limit_rate)
    parser.add_argument("--drop-rate", type=float, default=DEFAULT_FAULTS.drop_rate)
    args = parser.parse_args(argv)

    from benchmarks._common import Emulator

    faults = FaultPlan(args.latency_ms, args.error_rate, args.rate_limit_rate, args.drop_rate, args.seed)
    api_key = f"soak-key-{secrets.token_hex(16)}"
    config = SoakConfig(
        lifecycles=args.lifecycles,
        threads=args.threads,
        max_reruns=args.max_reruns,
        checkpoint_every=args.checkpoint_every,
        progress=_progress,
    )
    started = datetime.datetime.now(datetime.timezone.utc)
    arguments = " ".join(sys.argv[1:] if argv is None else argv)
    print(
        f"soak.py  {started:%Y-%m-%dT%H:%M:%SZ}  python {platform.python_version()}  "
        f"{os.cpu_count()} CPUs  {platform.platform()}\ncommand: python benchmarks/soak.py {arguments}"
    )
    emulator_config = {"workspaces": [soak_workspace(api_key)], "rate_limit_per_second": 0}
    with Emulator(config=emulator_config, extra_args=emulator_args(faults)) as emulator:
        report = run_soak(emulator.base_url, api_key, config)
    print(report.render())
    return 0 if not report.problems() else 1


def _progress(finished: int, total: int) -> None:
    if finished % 100 == 0 or finished == total:
        print(f"  ... {finished}/{total} lifecycles", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
