"""The retry policy: how many attempts, how long each may take and the whole operation, how long to wait
between them. The transport (``transport.py``) runs every operation under it."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from ..errors import ConfigurationError

__all__ = ["DEFAULT_ATTEMPT_TIMEOUT", "DEFAULT_TOTAL_TIMEOUT", "RetryPolicy"]

#: Wall-clock bound of one attempt: connect, send, headers and the whole body.
DEFAULT_ATTEMPT_TIMEOUT = 30.0
#: Wall-clock bound of one operation, retries, waits and look-ups included.
DEFAULT_TOTAL_TIMEOUT = 120.0


def _positive_seconds(value: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < math.inf


@dataclass(frozen=True)
class RetryPolicy:
    """How hard, and how long, the client tries before an error reaches the caller.

    ``max_attempts`` counts the first try. Backoff doubles from ``initial_backoff`` up to ``max_backoff``
    with full jitter in its upper half; a 429's ``retry_after`` replaces the backoff.

    Time is bounded twice, by the wall clock: one attempt (connect, send, the answer's headers and its
    whole body) ends after ``attempt_timeout`` seconds at most, and one operation (every attempt, the
    waits between them, a create's look-ups) after ``total_timeout`` seconds from its start: no wait
    or attempt runs past it, and a 429 asking to wait longer than what is left fails at once.
    """

    max_attempts: int = 8
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT
    initial_backoff: float = 0.25
    max_backoff: float = 10.0
    retry_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 500, 502, 503, 504}))
    attempt_timeout: float = DEFAULT_ATTEMPT_TIMEOUT

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError("RetryPolicy.max_attempts must be at least 1")
        if not (_positive_seconds(self.total_timeout) and _positive_seconds(self.attempt_timeout)):
            raise ConfigurationError("RetryPolicy.total_timeout and attempt_timeout must be positive seconds")
        if self.initial_backoff < 0 or self.max_backoff < 0:
            raise ConfigurationError("RetryPolicy times must not be negative")

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries: every failure reaches the caller at once."""
        return cls(max_attempts=1)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1))
        return float(ceiling * random.uniform(0.5, 1.0))
