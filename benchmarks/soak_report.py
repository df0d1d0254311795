"""The soak's report: every count and finding of a run, the broken promises (:meth:`SoakReport.problems`)
and the text printed at the end (:meth:`SoakReport.render`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.soak_plan import FAULT_FIELDS

__all__ = ["FailureRecord", "SoakReport"]


@dataclass
class FailureRecord:
    lifecycle: int
    step: str
    rpc: str
    slug: str
    kind: str | None  # None: not a clear, typed failure
    last_line: str


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
    return ", ".join(f"{k}={settings[k]}" for k in (*FAULT_FIELDS, "seed", "rate_limit") if k in settings)


def _fmt_dist(values: Sequence[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"{statistics.median(ordered):.3f} / {p99:.3f} / {ordered[-1]:.3f} ({len(ordered)})"
