"""The API layer: its objects (``models/``) and field rules (``rules/``) at the bottom, and above them the
HTTP client (:class:`GatewayClient`, with its retry policy). Imports no Pulumi.

``GatewayClient`` and ``RetryPolicy`` load on first use, so the models and rules import without the HTTP
stack (the provider plugin's first Check needs only those).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import DEFAULT_BASE_URL, GatewayClient, RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "GatewayClient", "RetryPolicy"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
