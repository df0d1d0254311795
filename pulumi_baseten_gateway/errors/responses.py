"""What a request got back, when that is a failure: no answer, a malformed one, or an error status.

``TransportError`` (no HTTP answer), ``MalformedResponseError`` and ``ResponseTooLargeError`` (a 2xx body
the client cannot take), and ``APIStatusError`` with one subclass per status a caller may handle;
:func:`error_class_for_status` picks that subclass for the HTTP layer.
"""

from __future__ import annotations

from .base import RequestContext, _RequestError

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "TransportError",
    "error_class_for_status",
]


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


class ResponseTooLargeError(MalformedResponseError):
    """The answer's body is over the client's size cap (``GatewayClient(max_response_bytes=...)``).

    Counted after decoding, so a small compressed body that unpacks to gigabytes is refused after
    ``limit`` bytes; nothing more is read or kept. Not retried: the server would send it again.
    """

    def __init__(self, context: RequestContext, status: int, limit: int) -> None:
        super().__init__(
            context, status, f"larger than the client accepts ({limit:,} bytes, max_response_bytes)"
        )
        self.limit = limit


class APIStatusError(_RequestError):
    """The server answered with an error status; ``server_message`` is its ``error`` text.

    ``detail`` replaces the usual ``<METHOD> <path> returned HTTP <status>: <message>`` when given.
    """

    def __init__(
        self, context: RequestContext, status: int, server_message: str, *, detail: str | None = None
    ) -> None:
        super().__init__(
            context, detail or f"{context.method} {context.path} returned HTTP {status}: {server_message}"
        )
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
    """429: over the per-key rate limit. ``retry_after`` is the server's wait in seconds, if it said.

    When that wait is beyond the call's time budget the call fails at once, and the message says when to
    try again. Also raised, without a request, when the client's own pacer holds requests (after an
    earlier 429) past the call's time budget.
    """

    def __init__(
        self,
        context: RequestContext,
        status: int,
        server_message: str,
        retry_after: float | None = None,
        *,
        detail: str | None = None,
    ) -> None:
        super().__init__(context, status, server_message, detail=detail)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: the server failed. For a write, the change may or may not have applied."""


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
