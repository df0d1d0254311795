"""The outermost ASGI layer: request counters, and seeded fault injection on ``/v1`` routes.

It sits outside FastAPI (``EmulatorApp``, the app handed to uvicorn, passes every request straight to
it) for two reasons: injected 5xx and 429 answers must happen *before* the API sees the request, and
the "commit then drop" fault needs uvicorn's own ``send`` to reach the TCP transport and abort it after
the API has committed. Faults draw from one ``random.Random(seed)``, a fixed number of draws per
request, so the same seed and the same request sequence give the same faults.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import FaultSettings

__all__ = [
    "FAULT_KINDS",
    "RATE_LIMIT_MESSAGE",
    "FaultInjector",
    "InjectedDropError",
    "Stats",
    "retry_after_header",
]

#: Keys of ``Stats.faults``: one counter per kind of injected fault.
FAULT_KINDS = ("latency", "5xx", "429", "drop")
#: The documented body text of a management API 429.
RATE_LIMIT_MESSAGE = "Rate limit exceeded. Please try again later."

_SERVER_ERRORS = (500, 502, 503, 504)
#: An injected 429's ``retry_after``: whole seconds, as documented, and the shortest such wait.
_INJECTED_RETRY_AFTER = 1
_WRITE_METHODS = frozenset({"POST", "PATCH", "DELETE", "PUT"})
_ADMIN_PREFIX = "/_emulator/"
_FAULT_PREFIX = "/v1/"
_UNMATCHED = "(unmatched)"


class InjectedDropError(ConnectionAbortedError):
    """Raised by the drop fault when no transport can be aborted (not under uvicorn): the server closes."""


def retry_after_header(seconds: float) -> str:
    """The ``Retry-After`` header: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))


class Stats:
    """Request and fault counters served at ``GET /_emulator/stats``.

    Admin (``/_emulator/...``) requests are not counted. A dropped response is counted in
    ``faults["drop"]`` and not in ``by_status`` (no status reached the client).
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        self.total = 0
        self.by_route: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.faults: dict[str, int] = dict.fromkeys(FAULT_KINDS, 0)
        self.rate_limited = 0

    def snapshot(self) -> dict[str, Any]:
        """The JSON form (without the endpoint counts, which the store knows)."""
        return {
            "total_requests": self.total,
            "by_route": dict(self.by_route),
            "by_status": dict(self.by_status),
            "faults": dict(self.faults),
            "rate_limited": self.rate_limited,
        }


def _json_message(
    status: int, body: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()
) -> list[Message]:
    payload = json.dumps(body, separators=(",", ":")).encode()
    return [
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        },
        {"type": "http.response.body", "body": payload, "more_body": False},
    ]


class FaultInjector:
    """ASGI wrapper that counts every non-admin request and injects the configured faults into ``/v1``."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[Any], stats: Stats, settings: FaultSettings) -> None:
        self.app = app
        self.stats = stats
        self._routes = [route for route in routes if isinstance(route, Route)]
        self.seed = 0
        self._rng = random.Random(self.seed)
        self.settings = FaultSettings()
        self.configure(settings)

    def configure(self, settings: FaultSettings) -> None:
        """Replace the fault settings; reseed the generator when ``settings.seed`` is given."""
        if settings.seed is not None:
            self.seed = settings.seed
            self._rng = random.Random(settings.seed)
        self.settings = settings.model_copy(update={"seed": self.seed})

    def _template(self, scope: Scope) -> str:
        """The route template (``/v1/gateway/endpoints/{endpoint_id}``) so ids don't explode the counters."""
        partial = None
        for route in self._routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return route.path_format
            if match is Match.PARTIAL and partial is None:
                partial = route.path_format
        return partial or _UNMATCHED

    def _counting(self, send: Send) -> Send:
        by_status = self.stats.by_status

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                by_status[str(message["status"])] += 1
            await send(message)

        return counted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        stats = self.stats
        stats.total += 1
        stats.by_route[f"{scope['method']} {self._template(scope)}"] += 1
        if self.settings.any_enabled and scope["path"].startswith(_FAULT_PREFIX):
            await self._faulty(scope, receive, send)
        else:
            await self.app(scope, receive, self._counting(send))

    async def _faulty(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings, rng, stats = self.settings, self._rng, self.stats
        # Always the same five draws, whatever the outcome, so the sequence depends on the seed only.
        error_draw, limit_draw, drop_draw = rng.random(), rng.random(), rng.random()
        error_status = rng.choice(_SERVER_ERRORS)
        rng.random()  # the fifth draw: it once picked a fractional retry_after; kept so seeds replay alike
        if settings.latency_ms:
            stats.faults["latency"] += 1
            await asyncio.sleep(settings.latency_ms / 1000)
        if error_draw < settings.error_rate:
            stats.faults["5xx"] += 1
            await self._reply(
                send,
                error_status,
                {"error": f"injected fault: HTTP {error_status} before the request was processed"},
            )
        elif limit_draw < settings.rate_limit_rate:
            stats.faults["429"] += 1
            await self._reply(
                send,
                429,
                {"error": RATE_LIMIT_MESSAGE, "retry_after": _INJECTED_RETRY_AFTER},
                [(b"retry-after", retry_after_header(_INJECTED_RETRY_AFTER).encode())],
            )
        elif drop_draw < settings.drop_rate and scope["method"] in _WRITE_METHODS:
            await self._drop(scope, receive, send)
        else:
            await self.app(scope, receive, self._counting(send))

    async def _reply(
        self, send: Send, status: int, body: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()
    ) -> None:
        self.stats.by_status[str(status)] += 1
        for message in _json_message(status, body, headers):
            await send(message)

    async def _drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request to completion (it commits), then abort the connection instead of answering."""
        buffered: list[Message] = []

        async def buffer(message: Message) -> None:
            buffered.append(message)

        await self.app(scope, receive, buffer)
        self.stats.faults["drop"] += 1
        cycle = getattr(send, "__self__", None)  # uvicorn's RequestResponseCycle
        abort = getattr(getattr(cycle, "transport", None), "abort", None)
        if callable(abort):
            abort()  # RST, no response bytes at all
            # Let connection_lost run so uvicorn sees a disconnect rather than an app that never answered.
            for _ in range(8):
                if getattr(cycle, "disconnected", True):
                    break
                await asyncio.sleep(0)
            return
        start = next((m for m in buffered if m["type"] == "http.response.start"), None)
        if start is not None:
            await send(start)
        raise InjectedDropError("injected fault: connection dropped after the request was committed")
