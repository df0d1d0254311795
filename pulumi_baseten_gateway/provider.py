"""``EndpointProvider``: the dynamic provider behind the ``Endpoint`` resource.

Stable API: Pulumi pickles this class *by reference* into every stack's state, so the module path
``pulumi_baseten_gateway.provider`` and the name ``EndpointProvider`` must never change; a rename breaks
refresh and destroy of resources already deployed. The lifecycle lives in ``resources/endpoint/core.py``,
shared with the native provider; this class only adapts it to ``pulumi.dynamic`` (``dynamic/adapter.py``).
"""

from __future__ import annotations

from .dynamic.adapter import CoreProvider
from .errors import EndpointOperationError
from .resources.endpoint.core import EndpointCore
from .settings import DEFAULT_MAX_REQUESTS_PER_SECOND

__all__ = ["DEFAULT_MAX_REQUESTS_PER_SECOND", "EndpointOperationError", "EndpointProvider"]


class EndpointProvider(CoreProvider):
    """Check, diff, create, read, update and delete Frontier Gateway endpoints."""

    core = EndpointCore
