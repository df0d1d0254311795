"""The ``GatewayApiKey`` and ``RegisteredGatewayApiKey`` resources of Python programs, and their providers.

::

    key = GatewayApiKey("acme-key", group_id=group.group_id, name="prod-1")
    pulumi.export("acme_api_key", key.api_key)   # a secret: `pulumi stack output --show-secrets`

    RegisteredGatewayApiKey("legacy", group_id=group.group_id, key=config.require_secret("legacyKey"))

Stable API: Pulumi pickles ``GatewayApiKeyProvider`` and ``RegisteredGatewayApiKeyProvider`` *by
reference* into every stack's state, so this module's path (``pulumi_baseten_gateway.dynamic.api_key``)
and the class names must never change. The lifecycles are ``resources/api_key/core.py`` and
``registered.py``, shared with the native provider. ``api_key`` (a generated key) and ``key`` (a
registered one) are listed in ``additional_secret_outputs``, and ``key`` is wrapped with ``Output.secret``
even when given as a plain string: the engine stores them encrypted and never shows them in plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi.dynamic import Resource

from ..resources.api_key.core import GatewayApiKeyCore
from ..resources.api_key.registered import RegisteredGatewayApiKeyCore
from ..resources.api_key.resource import (
    GATEWAY_API_KEY,
    GATEWAY_API_KEY_TYPE_TOKEN,
    REGISTERED_GATEWAY_API_KEY,
    REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN,
)
from .adapter import CoreProvider

__all__ = [
    "GATEWAY_API_KEY_TYPE_TOKEN",
    "REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN",
    "GatewayApiKey",
    "GatewayApiKeyArgs",
    "GatewayApiKeyProvider",
    "RegisteredGatewayApiKey",
    "RegisteredGatewayApiKeyArgs",
    "RegisteredGatewayApiKeyProvider",
]


class GatewayApiKeyProvider(CoreProvider):
    """Check, diff, create, read and revoke federated API keys. Kept at this path forever."""

    core = GatewayApiKeyCore


@dataclass
class GatewayApiKeyArgs:
    """The inputs of a ``GatewayApiKey``, for those who prefer an args object to keyword arguments."""

    group_id: pulumi.Input[str]
    name: pulumi.Input[str] | None = None


class GatewayApiKey(Resource, module="baseten-gateway", name="GatewayApiKey"):
    """A federated API key of a group: what your customer calls the gateway with.

    The API returns it once; ``api_key`` keeps it as a secret so it can be exported. Keys are immutable:
    changing ``group_id`` or ``name`` replaces the key (the new one is created, then the old one revoked).
    Deleting the resource revokes the key. A key revoked outside Pulumi, or gone with its group, reads as
    gone on refresh. The id is ``<group_id>/<prefix>``.
    """

    group_id: pulumi.Output[str]
    name: pulumi.Output[str | None]
    prefix: pulumi.Output[str]
    """The part of the key before the ``.``: how the API and billing events name it. Not a secret."""
    api_key: pulumi.Output[str]
    """The whole key, ``prefix.secret``: a Pulumi secret."""

    def __init__(
        self,
        resource_name: str,
        args: GatewayApiKeyArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        group_id: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
    ) -> None:
        if args is not None:
            if group_id is not None or name is not None:
                raise TypeError("GatewayApiKey takes either a GatewayApiKeyArgs or keyword inputs, not both")
            group_id, name = args.group_id, args.name
        props = {
            "group_id": group_id,
            "name": name,
            # Output-only properties must be declared to appear on the resource (pulumi/pulumi#6678).
            **{prop.name: None for prop in GATEWAY_API_KEY.output_only},
        }
        secrets = pulumi.ResourceOptions(additional_secret_outputs=list(GATEWAY_API_KEY.secrets))
        super().__init__(
            GatewayApiKeyProvider(), resource_name, props, pulumi.ResourceOptions.merge(opts, secrets)
        )

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> GatewayApiKey:
        """Read an existing key by its id, ``<group_id>/<prefix>`` (``api_key`` stays empty: the API never
        returns a key again)."""
        return GatewayApiKey(
            resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        )


class RegisteredGatewayApiKeyProvider(CoreProvider):
    """Check, diff, register, read and revoke caller-supplied keys. Kept at this path forever."""

    core = RegisteredGatewayApiKeyCore


@dataclass
class RegisteredGatewayApiKeyArgs:
    """The inputs of a ``RegisteredGatewayApiKey``, for those who prefer an args object."""

    group_id: pulumi.Input[str]
    key: pulumi.Input[str]
    name: pulumi.Input[str] | None = None


class RegisteredGatewayApiKey(Resource, module="baseten-gateway", name="RegisteredGatewayApiKey"):
    """A key of your own (one you already gave a customer), registered under a group.

    The registration is signed with the workspace's Ed25519 private key (the ``baseten:signingKey``
    setting, a secret). ``key`` must be 32 to 128 printable ASCII characters without whitespace, with at
    least 3.0 bits of Shannon entropy per character (checked before any request); its first 16
    characters are its ``prefix``, which must be new to the workspace and is not secret. ``key`` is
    always a Pulumi secret. Any change replaces the registration; deleting the resource revokes the key.
    The id is ``<group_id>/<prefix>``.
    """

    group_id: pulumi.Output[str]
    key: pulumi.Output[str]
    """The key, as a Pulumi secret."""
    name: pulumi.Output[str | None]
    prefix: pulumi.Output[str]
    """The key's first 16 characters: how the API and billing events name it. Not a secret."""

    def __init__(
        self,
        resource_name: str,
        args: RegisteredGatewayApiKeyArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        group_id: pulumi.Input[str] | None = None,
        key: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
    ) -> None:
        if args is not None:
            if any(v is not None for v in (group_id, key, name)):
                raise TypeError(
                    "RegisteredGatewayApiKey takes either a RegisteredGatewayApiKeyArgs or keyword inputs, "
                    "not both"
                )
            group_id, key, name = args.group_id, args.key, args.name
        props = {
            "group_id": group_id,
            "key": None if key is None else pulumi.Output.secret(key),
            "name": name,
            # Output-only properties must be declared to appear on the resource (pulumi/pulumi#6678).
            **{prop.name: None for prop in REGISTERED_GATEWAY_API_KEY.output_only},
        }
        secrets = pulumi.ResourceOptions(additional_secret_outputs=list(REGISTERED_GATEWAY_API_KEY.secrets))
        super().__init__(
            RegisteredGatewayApiKeyProvider(),
            resource_name,
            props,
            pulumi.ResourceOptions.merge(opts, secrets),
        )

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> RegisteredGatewayApiKey:
        """Read an existing registered key by its id, ``<group_id>/<prefix>`` (``key`` stays empty: the
        API never returns it)."""
        return RegisteredGatewayApiKey(
            resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        )
