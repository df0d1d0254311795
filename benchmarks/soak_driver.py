"""The soak driver: lifecycles through one provider plugin, step by step as the engine runs them.

:func:`run_soak` is the whole soak (``benchmarks/soak.py`` and ``tests/test_endpoint_plugin_soak.py`` call
it); the engine semantics it models and what it checks are described in ``benchmarks/soak.py``.
"""

from __future__ import annotations

import datetime
import itertools
import json
import threading
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from benchmarks.soak_audit import Quiescence, Witness, account, compare_live, retried_operations
from benchmarks.soak_plan import (
    FAULT_FIELDS,
    LifecycleState,
    Resource,
    SoakConfig,
    classify_failure,
    lifecycle_slugs,
    lifecycle_targets,
)
from benchmarks.soak_report import FailureRecord, SoakReport
from harness.plugin import PluginError, ProviderPlugin

__all__ = ["DriverError", "LifecycleAborted", "SoakDriver", "run_soak"]

_DIFF_SOME = 2  # pulumirpc.DiffResponse.DIFF_SOME

_T = TypeVar("_T")


class LifecycleAborted(Exception):
    """A step still failed after the allowed re-runs."""


class DriverError(Exception):
    """The plugin answered something the engine would not accept (a wrong diff, failed check...)."""


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
        self._quiescence = Quiescence(config.threads, self._checkpoint)

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
        account(self.report, self.witness, before, after)
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
            self.witness.set_faults(dict.fromkeys(FAULT_FIELDS, 0))
            try:
                live = self.witness.list_live()
            finally:
                self.witness.set_faults(self._fault_settings)
            held = {r.id: r for s in self._states.values() for r in s.resources()}
            compare_live(self.report, self._record, live, held, f"checkpoint {self.report.checkpoints + 1}")
        except Exception as exc:
            self._record(self.report.driver_errors, f"checkpoint: {type(exc).__name__}: {exc}")
        self.report.checkpoints += 1

    def _final_audit(self, before: Mapping[str, Any]) -> None:
        """Faults off; then nothing may be live but the state of unconverged lifecycles, and every
        endpoint created during the run must be one whose id the driver learnt."""
        self.witness.set_faults(dict.fromkeys(FAULT_FIELDS, 0))
        live = self.witness.list_live()
        held = {r.id: r for s in self._states.values() for r in s.resources()}
        compare_live(self.report, self._record, live, held, "end")
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
        report.client_retries = dict(Counter(retried_operations(stderr)))
        return report
    finally:
        witness.close()
