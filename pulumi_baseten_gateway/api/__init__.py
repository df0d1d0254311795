"""The HTTP layer: :class:`GatewayClient` and its retry policy. Imports no Pulumi."""

from __future__ import annotations

from .client import DEFAULT_BASE_URL, GatewayClient, RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "GatewayClient", "RetryPolicy"]
