"""The soak's audits: the emulator seen from outside, and the checks of its live endpoints.

* :class:`Witness`: raw HTTP access to the emulator (its admin routes, and the API with the workspace's
  key), not the package's client, counting its own requests so the emulator's counters can be split;
* :class:`Quiescence`: parks every worker between two steps so a checkpoint sees a still state;
* :func:`compare_live`: the live endpoints against the resources the driver's state holds;
* :func:`account`: the emulator's counters over the run, split into the plugin's share and the driver's;
* :func:`retried_operations`: the client's retries, from what the plugin logged.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from benchmarks.soak_plan import ENDPOINTS_PATH, FAULT_FIELDS, Resource
from benchmarks.soak_report import SoakReport

__all__ = ["Quiescence", "Record", "Witness", "account", "compare_live", "delta", "retried_operations"]

_VERIFY_ATTEMPTS = 100

#: Appends a finding to one of the report's lists (the driver's, thread-safe).
Record = Callable[[list[str], str], None]


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
        return self._admin("PUT", "/_emulator/faults", {k: settings[k] for k in FAULT_FIELDS})

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


# -- comparing the live set with the state ---------------------------------------------------------------


def compare_live(
    report: SoakReport, record: Record, live: list[dict[str, Any]], held: Mapping[str, Resource], when: str
) -> None:
    """Each live slug once, each live endpoint held by the state with its last desired targets, and each
    held resource live; every finding goes through ``record`` into its list of ``report``."""
    slugs = Counter(item["slug"] for item in live)
    for slug, count in slugs.items():
        if count > 1:
            record(report.duplicates, f"{when}: slug {slug!r} live {count} times")
    live_by_id = {item["id"]: item for item in live}
    for endpoint_id, item in live_by_id.items():
        resource = held.get(endpoint_id)
        if resource is None:
            record(report.orphans, f"{when}: {item['slug']} ({endpoint_id}) is in no state")
        elif item["targets"] != resource.desired_targets or item["slug"] != resource.slug:
            record(
                report.lost_updates,
                f"{when}: {item['slug']} ({endpoint_id}) serves {item['targets']}, "
                f"wanted {resource.slug} {resource.desired_targets}",
            )
    for endpoint_id, resource in held.items():
        if endpoint_id not in live_by_id:
            record(report.missing, f"{when}: {resource.slug} ({endpoint_id}) is not live")


def account(
    report: SoakReport, witness: Witness, before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """The emulator's counters from ``before`` to ``after`` (its stats), and the witness's own share."""
    report.faults_injected = delta(before["faults"], after["faults"])
    report.faults_on_driver_reads = dict(witness.faults_met)
    report.requests_total = after["total_requests"] - before["total_requests"]
    report.driver_requests = dict(witness.requests)
    report.by_status = delta(before["by_status"], after["by_status"])
    report.by_route = delta(before["by_route"], after["by_route"])


def delta(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def retried_operations(stderr: str) -> Iterator[str]:
    """The operation of each "retrying after attempt N" warning the client logged in the plugin."""
    for line in stderr.splitlines():
        if line.startswith("retrying after attempt"):
            _, _, rest = line.partition("): ")
            words = rest.split(" ")
            yield " ".join(words[:2]) if len(words) >= 2 else rest


# -- pausing every worker between steps -------------------------------------------------------------------


class Quiescence:
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
