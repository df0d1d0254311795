"""Every resource's lifecycle core, once: the adapters (native plugin, Terraform provider, recovery) list
them from here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .api_key.core import GatewayApiKeyCore
from .api_key.registered import RegisteredGatewayApiKeyCore
from .endpoint.core import EndpointCore
from .group.core import GroupCore
from .lifecycle import LifecycleCore
from .secret.core import SecretCore

__all__ = ["CORES", "CORES_BY_TOKEN"]

#: Each resource's core, in the order the schema declares the resources.
CORES: Final[tuple[type[LifecycleCore], ...]] = (
    EndpointCore,
    SecretCore,
    GroupCore,
    GatewayApiKeyCore,
    RegisteredGatewayApiKeyCore,
)
#: The cores by their resources' type tokens (``baseten-gateway:index:Endpoint``).
CORES_BY_TOKEN: Final[Mapping[str, type[LifecycleCore]]] = {core.declaration.token: core for core in CORES}
