"""The ``GatewayError`` hierarchy: one class per failure mode a caller may want to handle.

::

    GatewayError
    ├── InvalidInputError        rules broken before any request was sent (carries the violations)
    ├── ConfigurationError       no API key, a non-HTTPS URL to a remote host, ...
    ├── ConflictError            the slug exists with other targets (found after an ambiguous create)
    ├── TransportError           connection refused or dropped, timeout: no HTTP status
    ├── MalformedResponseError   a 2xx body that is not the documented JSON
    └── APIStatusError           the server answered with an error status
        ├── BadRequestError          400
        ├── AuthenticationError      401
        ├── PermissionDeniedError    403
        ├── NotFoundError            404
        ├── RateLimitError           429 (``retry_after`` seconds, when the server said)
        └── ServerError              5xx

Messages name the operation, the endpoint (slug or id), the HTTP method, path and status, and the
server's own message. They never contain the API key: nothing here ever sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .resources.common import Violation

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "GatewayError",
    "InvalidInputError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestContext",
    "ServerError",
    "TransportError",
]


class GatewayError(Exception):
    """Base class of every error this package raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigurationError(GatewayError):
    """The client or provider is not set up right (missing API key, insecure URL, bad option)."""


class InvalidInputError(GatewayError):
    """Input broke the endpoint rules; raised before any request is sent."""

    def __init__(self, operation: str, violations: Sequence[Violation]) -> None:
        details = "; ".join(str(v) for v in violations)
        super().__init__(f"{operation}: invalid input: {details}")
        self.operation = operation
        self.violations = list(violations)


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


class TransportError(_RequestError):
    """No HTTP answer (connection refused or dropped, timeout): the request may or may not have applied."""

    def __init__(self, context: RequestContext, reason: str) -> None:
        super().__init__(context, f"no response to {context.method} {context.path}: {reason}")
        self.reason = reason


class MalformedResponseError(_RequestError):
    """The server answered 2xx with a body that is not the documented JSON."""

    def __init__(self, context: RequestContext, status: int, reason: str) -> None:
        super().__init__(
            context,
            f"{context.method} {context.path} returned HTTP {status} with an unexpected body: {reason}",
        )
        self.status = status
        self.reason = reason


class APIStatusError(_RequestError):
    """The server answered with an error status; ``server_message`` is its ``error`` text."""

    def __init__(self, context: RequestContext, status: int, server_message: str) -> None:
        super().__init__(context, f"{context.method} {context.path} returned HTTP {status}: {server_message}")
        self.status = status
        self.server_message = server_message


class BadRequestError(APIStatusError):
    """400: invalid payload, unowned prefix, duplicate slug, wrong provider fields, ..."""


class AuthenticationError(APIStatusError):
    """401: missing or unknown API key."""


class PermissionDeniedError(APIStatusError):
    """403: no management scope, workspace not onboarded, or the endpoint belongs to another workspace."""


class NotFoundError(APIStatusError):
    """404: no endpoint with this id in the workspace (or it was deleted)."""


class RateLimitError(APIStatusError):
    """429: over the per-key rate limit. ``retry_after`` is the server's wait in seconds, if it said."""

    def __init__(
        self, context: RequestContext, status: int, server_message: str, retry_after: float | None = None
    ) -> None:
        super().__init__(context, status, server_message)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: the server failed. For a write, the change may or may not have applied."""


class ConflictError(GatewayError):
    """The slug already exists with targets other than the requested ones."""

    def __init__(self, message: str, *, slug: str, endpoint_id: str) -> None:
        super().__init__(message)
        self.slug = slug
        self.endpoint_id = endpoint_id


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIStatusError]:
    """The ``APIStatusError`` subclass for an HTTP status (other 4xx map to the base class)."""
    if status >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status, APIStatusError)
