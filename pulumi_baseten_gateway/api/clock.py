"""Each operation's time budget, a caller's time limit over it, and cancellation: the client's clock.

An operation (a get, a create with its look-ups, ...) runs within one deadline on its thread: started by
the operation itself (``RetryPolicy.total_timeout`` from its start), or set by the caller for everything it
runs (:meth:`OperationClock.time_limit`: the engine's ``customTimeouts``). A write's look-ups and read-backs
run inside the write's budget, never one of their own. :meth:`OperationClock.cancel` stops the client for
good: a wait between attempts ends at once, and the transport sends nothing more.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

__all__ = ["OperationClock"]


class OperationClock:
    """The deadlines of the operations running on each thread, and the client's cancellation."""

    def __init__(self, total_timeout: float) -> None:
        self._total = total_timeout
        self._operation = threading.local()  # .deadline, .budget: the running operation's, on this thread
        self.cancelled = threading.Event()

    @contextlib.contextmanager
    def budget(self) -> Iterator[float]:
        """The running operation's deadline on this thread; starts one (``total_timeout``) if none runs."""
        deadline: float | None = getattr(self._operation, "deadline", None)
        if deadline is not None:
            yield deadline
            return
        deadline = time.monotonic() + self._total
        self._operation.deadline = deadline
        try:
            yield deadline
        finally:
            self._operation.deadline = None

    @contextlib.contextmanager
    def time_limit(self, seconds: float | None) -> Iterator[None]:
        """Every operation run inside (on this thread) gets ``seconds`` from now, all retries and waits
        included, instead of ``total_timeout``. None or 0: no change."""
        if not seconds or seconds <= 0:
            yield
            return
        previous = (getattr(self._operation, "deadline", None), getattr(self._operation, "budget", None))
        self._operation.deadline, self._operation.budget = time.monotonic() + seconds, seconds
        try:
            yield
        finally:
            self._operation.deadline, self._operation.budget = previous

    def deadline(self) -> float:
        """The running operation's deadline, or where one starting now would end."""
        deadline: float | None = getattr(self._operation, "deadline", None)
        return deadline if deadline is not None else time.monotonic() + self._total

    def seconds(self) -> float:
        """The running operation's budget in seconds (for messages)."""
        budget: float | None = getattr(self._operation, "budget", None)
        return budget or self._total

    def cancel(self) -> None:
        self.cancelled.set()
