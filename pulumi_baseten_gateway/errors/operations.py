"""A resource's lifecycle step or a function failed: the one-line errors ``pulumi up`` shows, one class per
resource, and one for the functions (look-ups).

Each holds the typed error that made the step fail (``cause``) and, when given, what the user can do
about it (``hint``).
"""

from __future__ import annotations

from .base import GatewayError

__all__ = [
    "EndpointOperationError",
    "FunctionError",
    "GatewayApiKeyOperationError",
    "GroupOperationError",
    "RegisteredGatewayApiKeyOperationError",
    "ResourceOperationError",
    "SecretOperationError",
]


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


class FunctionError(GatewayError):
    """A function (a look-up) failed, in one line naming it and the argument it was given:
    ``getEndpoint: no endpoint has slug 'acme/none' in this workspace``.

    ``argument`` is the argument at fault, named as the caller writes it (None when no single one is:
    ``getEndpoint: give exactly one of slug or endpointId``); ``problem`` the message without the
    function's name (what the native plugin reports, the engine naming the function); ``cause`` the typed
    error of a failed request.
    """

    def __init__(
        self, function: str, argument: str | None, problem: str, cause: GatewayError | None = None
    ) -> None:
        super().__init__(f"{function}: {problem}")
        self.function = function
        self.argument = argument
        self.problem = problem
        self.cause = cause
