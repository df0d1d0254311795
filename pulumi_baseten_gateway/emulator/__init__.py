"""A local emulator of the Frontier Gateway management API, for tests, demos and benchmarks.

Run it with ``baseten-gateway-emulator`` (or ``python -m pulumi_baseten_gateway.emulator``), or embed it::

    from pulumi_baseten_gateway.emulator import EmulatorConfig, create_app

    app = create_app(EmulatorConfig.default(), db_path=":memory:")  # any ASGI server or httpx.ASGITransport

It serves the documented management routes: endpoints, groups (with their hierarchy, cascading limits,
usage and soft delete), the groups' federated API keys (created, or registered with an Ed25519-signed
body), and ``/v1/secrets``; ``/docs`` describes them offline and ``/openapi.json`` uses the public
spec's schema names. The config file (:mod:`.config`, and ``--help``) sets the workspaces, their API
keys, prefixes, Ed25519 ``public_key`` and team.

It is an independent witness of the API's documented behaviour: it shares the endpoint rules and models
with the provider, but never its client.
"""

from __future__ import annotations

from .app import EmulatorApp, create_app
from .config import (
    DEFAULT_API_KEY,
    DEFAULT_PREFIX,
    DEFAULT_WORKSPACE,
    ApiKeyConfig,
    ConfigError,
    EmulatorConfig,
    FaultSettings,
    WorkspaceConfig,
    load_config,
)

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_PREFIX",
    "DEFAULT_WORKSPACE",
    "ApiKeyConfig",
    "ConfigError",
    "EmulatorApp",
    "EmulatorConfig",
    "FaultSettings",
    "WorkspaceConfig",
    "create_app",
    "load_config",
]
