"""Client-side pacing: requests spaced to a rate across threads, and everyone held after a 429."""

from __future__ import annotations

import threading
import time


class _Pacer:
    """Spaces requests at most ``rate`` per second across threads, and holds everyone after a 429.

    Pacing to the server's limit costs less than bouncing off it: a bounced request waits a whole
    ``retry_after`` and costs the caller an attempt. A hold is never longer than what is left of the
    budget of the call that was told to wait, and no caller waits past its own deadline for its turn.
    """

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._held_until = 0.0
        self._lock = threading.Lock()

    def wait_turn(self, deadline: float) -> tuple[float, bool]:
        """Wait for a turn, unless it would come after ``deadline``.

        Returns ``(0, False)`` after waiting, or ``(seconds until the turn, held after a 429)`` without
        waiting or taking a turn when it comes too late.
        """
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            if slot > deadline:
                return slot - now, self._held_until > now
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)
        return 0.0, False

    def hold(self, seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            self._next = max(self._next, until)
            self._held_until = max(self._held_until, until)
