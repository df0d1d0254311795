"""The emulator's shared state, kept on the FastAPI app's ``state``, and typed access to it.

:func:`install_state` puts there the ``db`` (the shared SQLite database) and one store per resource
(``endpoints``, ``groups``, ``keys``, ``secrets``), the ``limiter`` (per-key, per-route rate
limit), the ``stats`` (request and fault counters), the ``principals`` (API key to workspace) and, once
the app is wrapped, ``faults`` (the :class:`~.faults.FaultInjector` in front of it). Routers and dependencies
reach it through ``request.app.state`` with the accessors below, never through closures or globals, so
each router is a self-contained module. The admin operations (:func:`stats_snapshot`,
:func:`fault_settings`, :func:`configure`) live here too: the admin routes and ``EmulatorApp`` share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Generic, TypeVar

from starlette.datastructures import State

from .auth import Principal, RateLimiter
from .config import FaultSettings
from .database import Database
from .endpoint_store import EndpointStore
from .faults import FaultInjector, Stats
from .group_store import GroupStore
from .key_store import KeyStore
from .secret_store import SecretStore

__all__ = [
    "configure",
    "db_of",
    "endpoints_of",
    "fault_settings",
    "faults_of",
    "groups_of",
    "install_state",
    "keys_of",
    "limiter_of",
    "principals_of",
    "secrets_of",
    "stats_of",
    "stats_snapshot",
]

T = TypeVar("T")


def install_state(
    state: State,
    *,
    db: Database,
    limiter: RateLimiter,
    stats: Stats,
    principals: Mapping[str, Principal],
) -> None:
    """Put the shared objects on ``state``, a store per resource on ``db`` (``faults`` comes later)."""
    state.db = db
    state.endpoints = EndpointStore(db)
    state.groups = GroupStore(db)
    state.keys = KeyStore(db)
    state.secrets = SecretStore(db)
    state.limiter = limiter
    state.stats = stats
    state.principals = principals


class _Shared(Generic[T]):
    """Reads one shared object off the app's ``state``, with its type: ``endpoints_of(state)``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, state: State) -> T:
        value: T = getattr(state, self.name)
        return value


#: The typed accessors, one per object :func:`install_state` (or ``EmulatorApp``, for ``faults``) puts there.
db_of: Final = _Shared[Database]("db")
endpoints_of: Final = _Shared[EndpointStore]("endpoints")
groups_of: Final = _Shared[GroupStore]("groups")
keys_of: Final = _Shared[KeyStore]("keys")
secrets_of: Final = _Shared[SecretStore]("secrets")
limiter_of: Final = _Shared[RateLimiter]("limiter")
stats_of: Final = _Shared[Stats]("stats")
principals_of: Final = _Shared[Mapping[str, Principal]]("principals")
faults_of: Final = _Shared[FaultInjector]("faults")


def configure(state: State, settings: FaultSettings) -> None:
    """Replace the fault settings; ``rate_limit``, when given, also resets the real limiter's limit."""
    if settings.rate_limit is not None:
        limiter_of(state).limit = settings.rate_limit
    faults_of(state).configure(settings)


def fault_settings(state: State) -> dict[str, Any]:
    """The current settings, with the seed in use and the real rate limit."""
    faults = faults_of(state)
    return dict(faults.settings.model_dump(), seed=faults.seed, rate_limit=limiter_of(state).limit)


def stats_snapshot(state: State) -> dict[str, Any]:
    """Counters plus live and deleted (revoked) counts of endpoints, groups, API keys and secrets."""
    counts = {}
    for name, (live, gone) in (
        ("endpoints", endpoints_of(state).counts()),
        ("groups", groups_of(state).counts()),
        ("secrets", secrets_of(state).counts()),
    ):
        counts[name] = {"live": live, "deleted": gone}
    live, revoked = keys_of(state).counts()
    counts["api_keys"] = {"live": live, "revoked": revoked}
    return dict(stats_of(state).snapshot(), **counts)
