"""The ``GatewayError`` hierarchy: one class per failure mode a caller may want to handle.

::

    GatewayError
    ├── ResourceOperationError   a resource's lifecycle step failed (what ``pulumi up`` shows); ``cause``
    │   ├── EndpointOperationError   holds the error below that made it fail
    │   ├── SecretOperationError
    │   ├── GroupOperationError
    │   ├── GatewayApiKeyOperationError
    │   └── RegisteredGatewayApiKeyOperationError
    ├── InvalidInputError        rules broken before any request was sent (carries the violations)
    ├── ConfigurationError       no API key, a non-HTTPS URL to a remote host, ...
    ├── ConflictError            a natural key (a slug) is taken
    │   ├── DuplicateSlugError       by an existing endpoint (``existing``, when this workspace sees it)
    │   ├── SecretExistsError        a secret name, by an existing secret (a create never overwrites it)
    │   ├── DuplicateGroupError      a group ``external_entity_id``, by an existing group
    │   └── KeyPrefixTakenError      a registered key's prefix (first 16 characters), in its group
    ├── GoneError                a resource deleted out of band, found missing before a change
    ├── TransportError           connection refused or dropped, timeout: no HTTP status
    ├── MalformedResponseError   a 2xx body that is not the documented JSON
    │   └── ResponseTooLargeError    or larger than the client accepts (after decoding)
    └── APIStatusError           the server answered with an error status
        ├── BadRequestError          400
        ├── AuthenticationError      401
        ├── PermissionDeniedError    403
        ├── NotFoundError            404
        ├── RateLimitError           429 (``retry_after`` seconds, when the server said)
        └── ServerError              5xx

Messages name the operation, the endpoint (slug or id), the HTTP method, path and status, and the
server's own message, in one line (with the API key and any ``Authorization`` value scrubbed from
whatever the server said). A request error's ``detail`` is that line without the leading
operation, for callers that name the operation themselves (``Endpoint 'acme/glm': create failed: POST
/v1/gateway/endpoints returned HTTP 400: ...``, not "create failed: create endpoint ... failed"). They
never contain the API key: nothing here ever sees it, and the HTTP layer scrubs it from server text
before building them.

One module on purpose, though past 400 lines: it is the one place callers import errors from, the tree
above is its table of contents, and most of its lines are the classes' documentation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..api.models.endpoint import EndpointInfo
    from ..api.models.group import GroupInfo
    from ..api.models.secret import SecretInfo
    from ..api.rules.common import Violation

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "DuplicateGroupError",
    "DuplicateSlugError",
    "EndpointOperationError",
    "GatewayApiKeyOperationError",
    "GatewayError",
    "GoneError",
    "GroupOperationError",
    "InvalidInputError",
    "KeyPrefixTakenError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RegisteredGatewayApiKeyOperationError",
    "RequestContext",
    "ResourceOperationError",
    "ResponseTooLargeError",
    "SecretExistsError",
    "SecretOperationError",
    "ServerError",
    "TransportError",
]


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


class ConflictError(GatewayError):
    """A natural key is taken: the slug of an endpoint (see :class:`DuplicateSlugError`)."""


class DuplicateSlugError(ConflictError):
    """The slug is taken. ``existing`` is the endpoint holding it, when it is in this workspace.

    Raised once by the client, whichever way it found out (a 400 "duplicate slug", or a look-up after an
    ambiguous create), so callers never list the workspace again to learn what it already knows.
    """

    def __init__(
        self, context: RequestContext, slug: str, existing: EndpointInfo | None, reason: str
    ) -> None:
        self.context = context
        self.slug = slug
        self.existing = existing
        self._detail = reason
        super().__init__(f"{context} failed: {reason}")

    @property
    def endpoint_id(self) -> str | None:
        """The id of the endpoint holding the slug, when this workspace can see it."""
        return self.existing.id if self.existing is not None else None

    @property
    def detail(self) -> str:
        return self._detail


class SecretExistsError(ConflictError):
    """A secret with this name exists already; a create refuses to overwrite it (the API upserts by name).

    ``existing`` is that secret's metadata (never its value: the API does not return values).
    """

    def __init__(self, context: RequestContext, name: str, existing: SecretInfo) -> None:
        self.context = context
        self.name = name
        self.existing = existing
        self._detail = (
            f"a secret named {name!r} already exists in this workspace (id {existing.id!r}, created "
            f"{existing.created_at.isoformat()}); POST {context.path} would overwrite its value"
        )
        super().__init__(f"{context} failed: {self._detail}")

    @property
    def detail(self) -> str:
        return self._detail


class DuplicateGroupError(ConflictError):
    """A group with this ``external_entity_id`` exists (``existing``, when this workspace sees it).

    Raised once by the client, whichever way it found out (the 400 "duplicate ``external_entity_id``",
    or a look-up after an ambiguous create).
    """

    def __init__(
        self, context: RequestContext, external_entity_id: str, existing: GroupInfo | None, reason: str
    ) -> None:
        self.context = context
        self.external_entity_id = external_entity_id
        self.existing = existing
        self._detail = reason
        super().__init__(f"{context} failed: {reason}")

    @property
    def group_id(self) -> str | None:
        return self.existing.id if self.existing is not None else None

    @property
    def detail(self) -> str:
        return self._detail


class KeyPrefixTakenError(ConflictError):
    """A registered key's prefix (its first 16 characters) is taken in the group already.

    The API requires each registered key's prefix to be new to the workspace; the client asks the group
    before registering, and the API refuses a prefix taken in another group with its own 400.
    """

    def __init__(self, context: RequestContext, prefix: str, group_id: str) -> None:
        self.context = context
        self.prefix = prefix
        self.group_id = group_id
        self._detail = (
            f"a key with prefix {prefix!r} (the key's first 16 characters) is already registered in group "
            f"{group_id!r}; a registered key's prefix must be new to the workspace"
        )
        super().__init__(f"{context} failed: {self._detail}")

    @property
    def detail(self) -> str:
        return self._detail


class GoneError(GatewayError):
    """A resource in the stack's state no longer exists on the server (deleted out of band).

    Raised before a change that would otherwise silently recreate it (a secret's rotation upserts by
    name); ``pulumi refresh`` records the deletion, and the next ``pulumi up`` creates it again.
    """

    def __init__(self, context: RequestContext, reason: str) -> None:
        super().__init__(f"{context} failed: {reason}")
        self.context = context
        self._detail = reason

    @property
    def detail(self) -> str:
        return self._detail


class ResourceOperationError(GatewayError):
    """A resource's lifecycle step failed: ``Endpoint 'acme/glm': create failed: <cause>``, one line.

    ``cause`` is the typed error underneath (``NotFoundError``, ``DuplicateSlugError``, ...); ``hint``,
    when given, says what the user can do about it.
    """

    resource_type = "Resource"

    def __init__(self, name: str, operation: str, cause: GatewayError, hint: str | None = None) -> None:
        message = f"{self.resource_type} {name!r}: {operation} failed: {cause.detail}"
        super().__init__(f"{message}; {hint}" if hint else message)
        self.name = name
        self.operation = operation
        self.cause = cause
        self.hint = hint


class EndpointOperationError(ResourceOperationError):
    """An Endpoint lifecycle step failed (create, read, update, delete)."""

    resource_type = "Endpoint"


class SecretOperationError(ResourceOperationError):
    """A Secret lifecycle step failed. Its message never holds the secret's value."""

    resource_type = "Secret"


class GroupOperationError(ResourceOperationError):
    """A Group lifecycle step failed (create, read, update, delete)."""

    resource_type = "Group"


class GatewayApiKeyOperationError(ResourceOperationError):
    """A GatewayApiKey lifecycle step failed. Its message never holds the key."""

    resource_type = "GatewayApiKey"


class RegisteredGatewayApiKeyOperationError(ResourceOperationError):
    """A RegisteredGatewayApiKey lifecycle step failed. Its message never holds the key."""

    resource_type = "RegisteredGatewayApiKey"


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
