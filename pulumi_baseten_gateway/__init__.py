"""Manage Baseten Frontier Gateway endpoints as code with Pulumi, and review them with policy as code.

``from pulumi_baseten_gateway import Endpoint, TargetArgs`` is the whole of everyday use. The resource
names are loaded on first use, so ``pulumi_baseten_gateway.api.client`` stays importable without Pulumi's
start-up cost (scripts, the emulator's tests, other tools).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api.client import GatewayClient, RetryPolicy
from .errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    GatewayError,
    InvalidInputError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
)
from .resources.endpoint.model import ENDPOINT_TYPE_TOKEN, Provider, Region

if TYPE_CHECKING:
    from .dynamic.endpoint import Endpoint, EndpointArgs, TargetArgs, VertexConfigArgs

__all__ = [
    "ENDPOINT_TYPE_TOKEN",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "Endpoint",
    "EndpointArgs",
    "GatewayClient",
    "GatewayError",
    "InvalidInputError",
    "MalformedResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "Provider",
    "RateLimitError",
    "Region",
    "RetryPolicy",
    "ServerError",
    "TargetArgs",
    "TransportError",
    "VertexConfigArgs",
]

_RESOURCE_NAMES = {"Endpoint", "EndpointArgs", "TargetArgs", "VertexConfigArgs"}


def __getattr__(name: str) -> Any:
    if name in _RESOURCE_NAMES:
        from .dynamic import endpoint

        return getattr(endpoint, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
