"""What a soak runs: its fault plan and settings, the lifecycles' slugs and targets, and the engine's
state of one lifecycle. Also the one judgement on a caller-visible failure (:func:`classify_failure`).

The soak itself is described in ``benchmarks/soak.py``; its driver is :mod:`benchmarks.soak_driver`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pulumi_baseten_gateway.provider import EndpointOperationError

__all__ = [
    "DEFAULT_FAULTS",
    "ENDPOINTS_PATH",
    "FAILURE_KINDS",
    "FAULT_FIELDS",
    "SOAK_PREFIX",
    "TYPED_ERROR",
    "FaultPlan",
    "LifecycleState",
    "Resource",
    "SoakConfig",
    "classify_failure",
    "emulator_args",
    "lifecycle_slugs",
    "lifecycle_targets",
    "soak_workspace",
]

ENDPOINTS_PATH = "/v1/gateway/endpoints"
SOAK_PREFIX = "soak"
#: The last line of a typed failure: what ``pulumi.dynamic`` reports when the provider raised it (the
#: exception's qualified name, wherever the class is defined; the provider module exports it).
TYPED_ERROR = f"{EndpointOperationError.__module__}.{EndpointOperationError.__qualname__}: "
#: Causes a caller may see after the retry budget, by the text that names them.
FAILURE_KINDS = (
    ("already exists", "already exists"),
    # The same duplicate found by a create's look-up before posting (DuplicateSlugError without a 400):
    # after a create that gave up on an ambiguous attempt, its re-run finds the endpoint that attempt made.
    ("the slug is taken", "already exists"),
    ("no response", "no response"),
    ("HTTP 429", "HTTP 429"),
    ("HTTP 5", "HTTP 5xx"),
)
#: The emulator's fault settings a checkpoint switches off and back on (all but the seed).
FAULT_FIELDS = ("latency_ms", "error_rate", "rate_limit_rate", "drop_rate")


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
