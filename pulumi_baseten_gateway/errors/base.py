"""The root of the error tree, the errors raised before any request, and what every request error shares.

``GatewayError`` is the base of every error this package raises on purpose. ``ConfigurationError`` and
``InvalidInputError`` are raised before a request is sent. ``RequestContext`` says what a request was for
and where it went; ``_RequestError`` is the base of every error tied to one request, and builds their
one-line message (``<operation> '<subject>' failed: <detail>``) and their ``context`` attributes once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..api.rules.common import Violation

__all__ = ["ConfigurationError", "GatewayError", "InvalidInputError", "RequestContext"]


class GatewayError(Exception):
    """Base class of every error this package raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def detail(self) -> str:
        """The message without the operation it belongs to (the whole message, unless overridden)."""
        return self.message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(GatewayError):
    """The client or provider is not set up right (missing API key, insecure URL, bad option).

    ``setting`` names what is wrong (a client parameter such as ``base_url``, or a stack-config key) and
    ``reason`` says why, without echoing the value: a key pasted into the wrong setting stays unseen.
    """

    def __init__(self, message: str, *, setting: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting
        self.reason = reason or message


class InvalidInputError(GatewayError):
    """Input broke the endpoint rules; raised before any request is sent."""

    def __init__(self, operation: str, violations: Sequence[Violation]) -> None:
        self._detail = "invalid input: " + "; ".join(str(v) for v in violations)
        super().__init__(f"{operation}: {self._detail}")
        self.operation = operation
        self.violations = list(violations)

    @property
    def detail(self) -> str:
        return self._detail


@dataclass(frozen=True)
class RequestContext:
    """What a request was for (``operation`` on ``subject``, a slug or id) and where it went."""

    operation: str
    method: str
    path: str
    subject: str | None = None

    def __str__(self) -> str:
        return f"{self.operation} {self.subject!r}" if self.subject else self.operation


class _RequestError(GatewayError):
    """An error tied to one request; its message starts with the operation and its subject."""

    def __init__(self, context: RequestContext, detail: str) -> None:
        super().__init__(f"{context} failed: {detail}")
        self.context = context
        self._detail = detail

    @property
    def detail(self) -> str:
        return self._detail

    @property
    def operation(self) -> str:
        return self.context.operation

    @property
    def method(self) -> str:
        return self.context.method

    @property
    def path(self) -> str:
        return self.context.path

    @property
    def subject(self) -> str | None:
        return self.context.subject
