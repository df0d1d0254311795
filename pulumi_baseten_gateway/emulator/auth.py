"""Who is calling: API keys and the workspaces they stand for, and the per-key rate limiter.

Pure logic, no FastAPI: :mod:`.dependencies` wires these checks into the routes in the documented order
(401 for a missing or unknown key, then 429 over the key's rate limit for that API endpoint, then 403
for a workspace without Frontier Gateway or a key without the scope the operation needs).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from ..api.rules import endpoint as rules
from .config import MANAGE_SCOPE, VIEW_SCOPE, EmulatorConfig
from .errors import ApiError

__all__ = [
    "Principal",
    "RateLimiter",
    "authenticate",
    "check_management_scope",
    "check_secrets_scope",
    "check_view_scope",
    "principals_from_config",
]


@dataclass(frozen=True)
class Principal:
    """What an API key stands for; ``index`` keys the rate limiter so raw keys are held only once.

    ``public_key`` is the workspace's raw Ed25519 key (None: not configured), ``team`` its primary team's
    name, ``teams`` every team's ``(id, name)``.
    """

    index: int
    workspace: str
    prefixes: frozenset[str]
    manage: bool
    onboarded: bool
    environments: frozenset[str] | None
    view: bool = False
    public_key: bytes | None = None
    team: str = ""
    teams: tuple[tuple[str, str], ...] = ()

    def team_named(self, team_id: str) -> str | None:
        """The name of the workspace's team with this id, or None."""
        return dict(self.teams).get(team_id)


def principals_from_config(config: EmulatorConfig) -> dict[str, Principal]:
    """Every API key of every workspace, mapped to what it stands for."""
    principals: dict[str, Principal] = {}
    for workspace in config.workspaces:
        for api_key in workspace.api_keys:
            principals[api_key.key.get_secret_value()] = Principal(
                index=len(principals),
                workspace=workspace.name,
                prefixes=frozenset(workspace.prefixes),
                manage=MANAGE_SCOPE in api_key.scopes,
                onboarded=workspace.onboarded,
                environments=None
                if workspace.environments is None
                else frozenset({rules.PRODUCTION_ENVIRONMENT, *workspace.environments}),
                view=MANAGE_SCOPE in api_key.scopes or VIEW_SCOPE in api_key.scopes,
                public_key=workspace.public_key_bytes,
                team=workspace.team,
                teams=tuple(workspace.team_names.items()),
            )
    return principals


class RateLimiter:
    """Fixed one-second windows per counter key, as documented: ``retry_after`` runs to the window's end.

    The dependency counts per API key *and* API endpoint (``(key index, "GET /v1/gateway/groups")``):
    "Baseten tracks each endpoint separately". The wait is whole seconds, rounded up (the docs'
    ``retry_after`` is an integer): a client that waits it is always past the window's end.

    The limiter's clock is ``clock`` (monotonic seconds) until :meth:`freeze` stops it; :meth:`advance`
    then moves it on by exactly what a test says, so which window a request lands in never depends on
    scheduling (``PUT /_emulator/clock`` does the same over HTTP). :meth:`thaw` lets it run again from
    where it stands. The clock never goes back.
    """

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._offset = 0.0  # added to ``clock``: what advance() moved a running clock on by
        self._frozen_at: float | None = None
        self._windows: dict[Hashable, list[int]] = {}
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self._frozen_at if self._frozen_at is not None else self._clock() + self._offset

    def now(self) -> float:
        """The limiter's clock, in seconds."""
        with self._lock:
            return self._now()

    @property
    def frozen(self) -> bool:
        """Whether the clock is stopped (moved only by :meth:`advance`)."""
        return self._frozen_at is not None

    def freeze(self) -> float:
        """Stop the clock where it stands; returns that time."""
        with self._lock:
            self._frozen_at = self._now()
            return self._frozen_at

    def advance(self, seconds: float) -> float:
        """Move the clock on by ``seconds`` (>= 0), frozen or running; returns the new time."""
        if not seconds >= 0 or math.isinf(seconds):
            raise ValueError(f"the clock only moves forward by a finite amount, got {seconds!r}")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
            return self._now()

    def thaw(self) -> float:
        """Let the clock run again, on from where it stands; returns that time."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._clock()
                self._frozen_at = None
            return self._now()

    def check(self, key: Hashable) -> int | None:
        """None when the request may proceed, else the whole seconds until the key's window resets."""
        if self.limit <= 0:
            return None
        with self._lock:
            now = self._now()
            window = math.floor(now)
            state = self._windows.get(key)
            if state is None or state[0] != window:
                self._windows[key] = [window, 1]
                return None
            if state[1] >= self.limit:
                return max(1, math.ceil(window + 1 - now))
            state[1] += 1
            return None


def authenticate(header: str | None, principals: Mapping[str, Principal]) -> Principal:
    """The principal of an ``Authorization`` header; 401 when it is missing, malformed or unknown."""
    if not header:
        raise ApiError(
            401, "missing API key: send 'Authorization: Api-Key <key>' or 'Authorization: Bearer <key>'"
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in ("api-key", "bearer") or not token.strip():
        raise ApiError(401, "malformed Authorization header: expected 'Api-Key <key>' or 'Bearer <key>'")
    principal = principals.get(token.strip())
    if principal is None:
        raise ApiError(401, "invalid API key")
    return principal


def _check_onboarded(principal: Principal) -> None:
    if not principal.onboarded:
        raise ApiError(403, f"workspace {principal.workspace!r} is not onboarded to Frontier Gateway")


def check_management_scope(principal: Principal) -> None:
    """403 unless the workspace has Frontier Gateway and the key has management scope."""
    _check_onboarded(principal)
    if not principal.manage:
        raise ApiError(403, "this API key lacks management scope, which this operation requires")


def check_view_scope(principal: Principal) -> None:
    """403 unless the workspace has Frontier Gateway and the key has view (or management) scope.

    Only "List groups" documents its 403 as "the caller doesn't have view scope"; the emulator takes the
    docs at their word there, and asks management scope everywhere else.
    """
    _check_onboarded(principal)
    if not principal.view:
        raise ApiError(403, "this API key lacks view scope, which this operation requires")


def check_secrets_scope(principal: Principal) -> None:
    """403 unless the key has management scope. Secrets live outside ``/v1/gateway``: no onboarding gate."""
    if not principal.manage:
        raise ApiError(403, "this API key lacks management scope, which managing secrets requires")
