"""What an answer says: the :class:`Reply` read within bounds, its JSON body, its ``Retry-After``, its date.

A :class:`~.transport.Transport` reads every answer whole into a :class:`Reply`; the helpers here read it
for the client's typed errors (the server's message, shortened; how long a 429 asks to wait).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

_MAX_RETRY_AFTER = 86_400.0
_MAX_MESSAGE = 500


@dataclass(frozen=True)
class Reply:
    """One answer, read whole and within bounds: status, headers, the decoded (and scrubbed) body.

    ``received`` is the wall-clock time (``time.time()``) at which the body was complete.
    """

    status_code: int
    headers: httpx.Headers
    content: bytes
    reason_phrase: str
    received: float

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def server_time_offset(self) -> timedelta | None:
        """The server's clock minus ours, from the ``Date`` header (None without a usable one).

        ``Date`` has one-second resolution and is stamped before the answer travels, so the estimate
        errs low by up to a second plus the transfer time: the server's clock is never behind it.
        """
        header = self.headers.get("date")
        try:
            stamped = parsedate_to_datetime(header) if header else None
        except (TypeError, ValueError, IndexError):
            return None
        if stamped is None or stamped.tzinfo is None:
            return None
        return stamped - datetime.fromtimestamp(self.received, timezone.utc)


def _json_body(response: Reply) -> Any:
    """The body as JSON, or None when it is not (whatever its charset or nesting claims)."""
    try:
        return json.loads(response.content.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "..."


def _retry_after(response: Reply) -> float | None:
    """Seconds to wait from a 429: the body's ``retry_after``, else the ``Retry-After`` header.

    Capped at a day; whether to wait that long is the retry budget's decision, not the server's.
    """
    body = _json_body(response)
    value: object = body.get("retry_after") if isinstance(body, dict) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        header = response.headers.get("Retry-After")
        try:
            value = float(header) if header is not None else None
        except ValueError:
            try:
                value = parsedate_to_datetime(header).timestamp() - time.time()
            except (TypeError, ValueError, OverflowError):
                value = None
    if not isinstance(value, (int, float)) or value != value:  # absent or NaN
        return None
    return float(min(max(value, 0), _MAX_RETRY_AFTER))


def _utc_after(seconds: float) -> str:
    when = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")
