"""Manage Baseten Frontier Gateway endpoints, secrets, groups and their API keys as code with Pulumi, and
review them with policy as code.

``from pulumi_baseten_gateway import Endpoint, TargetArgs`` (and ``Secret``, ``Group``, ``GatewayApiKey``,
``RegisteredGatewayApiKey``), with the look-ups ``get_endpoint``, ``get_group``, ``get_secret`` and
``get_group_usage``, is the whole of everyday use. Every name but the errors is loaded on first use, so
``pulumi_baseten_gateway.api.client`` stays importable without Pulumi's start-up cost (scripts, the
emulator's tests, other tools), and the provider plugin's first call imports only what it needs (no HTTP
stack for a Check, no other resource's modules).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import errors as _errors
from .errors import *  # noqa: F403  (every typed error, at the top, eagerly: they are cheap)

if TYPE_CHECKING:
    from .api.client import GatewayClient, RetryPolicy
    from .api.models.endpoint import Region, TargetProvider
    from .api.models.group import LimitEnforcement, LimitType, RateLimitUnit, UsageLimitUnit
    from .api.signing import SigningKey
    from .dynamic.api_key import (
        GatewayApiKey,
        GatewayApiKeyArgs,
        RegisteredGatewayApiKey,
        RegisteredGatewayApiKeyArgs,
    )
    from .dynamic.endpoint import Endpoint, EndpointArgs, TargetArgs, VertexConfigArgs
    from .dynamic.functions import (
        get_endpoint,
        get_endpoint_output,
        get_group,
        get_group_output,
        get_group_usage,
        get_group_usage_output,
        get_secret,
        get_secret_output,
    )
    from .dynamic.group import Group, GroupArgs, GroupModelArgs, RateLimitArgs, UsageLimitArgs
    from .dynamic.secret import Secret, SecretArgs
    from .resources.api_key.resource import GATEWAY_API_KEY_TYPE_TOKEN, REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN
    from .resources.endpoint.resource import ENDPOINT_TYPE_TOKEN
    from .resources.group.resource import GROUP_TYPE_TOKEN
    from .resources.secret.resource import SECRET_TYPE_TOKEN

__all__ = [
    "ENDPOINT_TYPE_TOKEN",
    "GATEWAY_API_KEY_TYPE_TOKEN",
    "GROUP_TYPE_TOKEN",
    "REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN",
    "SECRET_TYPE_TOKEN",
    "Endpoint",
    "EndpointArgs",
    "GatewayApiKey",
    "GatewayApiKeyArgs",
    "GatewayClient",
    "Group",
    "GroupArgs",
    "GroupModelArgs",
    "LimitEnforcement",
    "LimitType",
    "RateLimitArgs",
    "RateLimitUnit",
    "Region",
    "RegisteredGatewayApiKey",
    "RegisteredGatewayApiKeyArgs",
    "RetryPolicy",
    "Secret",
    "SecretArgs",
    "SigningKey",
    "TargetArgs",
    "TargetProvider",
    "UsageLimitArgs",
    "UsageLimitUnit",
    "VertexConfigArgs",
    "get_endpoint",
    "get_endpoint_output",
    "get_group",
    "get_group_output",
    "get_group_usage",
    "get_group_usage_output",
    "get_secret",
    "get_secret_output",
]
__all__ += _errors.__all__

#: Every name but the errors, by the module that defines it: loaded on first use. The resources import
#: Pulumi, the client httpx and tenacity, the models msgspec; the provider plugin's first Check needs
#: only the endpoint's model and rules, and a script using the client needs no resource.
_LAZY_MODULES = {
    ".dynamic.endpoint": ("Endpoint", "EndpointArgs", "TargetArgs", "VertexConfigArgs"),
    ".dynamic.secret": ("Secret", "SecretArgs"),
    ".dynamic.group": ("Group", "GroupArgs", "GroupModelArgs", "RateLimitArgs", "UsageLimitArgs"),
    ".dynamic.api_key": (
        "GatewayApiKey",
        "GatewayApiKeyArgs",
        "RegisteredGatewayApiKey",
        "RegisteredGatewayApiKeyArgs",
    ),
    ".dynamic.functions": (
        "get_endpoint",
        "get_endpoint_output",
        "get_group",
        "get_group_output",
        "get_group_usage",
        "get_group_usage_output",
        "get_secret",
        "get_secret_output",
    ),
    ".api.client": ("GatewayClient", "RetryPolicy"),
    ".api.signing": ("SigningKey",),
    ".api.models.endpoint": ("Region", "TargetProvider"),
    ".api.models.group": ("LimitEnforcement", "LimitType", "RateLimitUnit", "UsageLimitUnit"),
    ".resources.api_key.resource": ("GATEWAY_API_KEY_TYPE_TOKEN", "REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN"),
    ".resources.endpoint.resource": ("ENDPOINT_TYPE_TOKEN",),
    ".resources.group.resource": ("GROUP_TYPE_TOKEN",),
    ".resources.secret.resource": ("SECRET_TYPE_TOKEN",),
}
_LAZY_NAMES = {name: module for module, names in _LAZY_MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _LAZY_NAMES.get(name)
    if module is not None:
        from importlib import import_module

        value = getattr(import_module(module, __name__), name)
        globals()[name] = value  # found directly from now on
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
