"""The RegisteredGatewayApiKey's lifecycle, once: check and create (register); diff, read and delete
(revoke) are every key's (:class:`~.core.KeyLifecycle`).

Both adapters call it (``dynamic/api_key.py`` and the native plugin). The key is the caller's own: an
input, always a Pulumi secret (the declaration marks it secret; the Python resource wraps it with
``Output.secret``), checked against the documented rules at Check, before any request, and registered
with a body signed by the provider's signing key. The API never returns it: the state's copy (encrypted)
is what a diff compares. Every input change replaces the registration (a new key is registered before
the old one is revoked); a revoked key, or one whose group was deleted, reads as gone. The resource's id
is ``<group_id>/<prefix>``, the prefix being the key's first 16 characters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...api.models.api_key import ApiKeyInfo
from ...api.rules import api_key as rules
from ...errors import ConfigurationError, RegisteredGatewayApiKeyOperationError, ResourceOperationError
from ..declaration import ResourceDecl
from ..lifecycle import CheckOutcome, Hinted
from .core import KeyLifecycle
from .resource import REGISTERED_GATEWAY_API_KEY

__all__ = ["SIGNING_KEY_HINT", "RegisteredGatewayApiKeyCore"]

#: What to do when the provider has no signing key.
SIGNING_KEY_HINT = (
    "set the workspace's Ed25519 private key (whose public half Baseten registered) with "
    '`pulumi config set --secret baseten:signingKey -- "$(cat priv.pem)"` (`baseten-gateway:signingKey` '
    "for the native provider) or the BASETEN_SIGNING_KEY environment variable"
)


class RegisteredGatewayApiKeyCore(KeyLifecycle):
    """One registered key's lifecycle against the API, through the client that ``client()`` returns."""

    declaration: ClassVar[ResourceDecl] = REGISTERED_GATEWAY_API_KEY
    error: ClassVar[type[ResourceOperationError]] = RegisteredGatewayApiKeyOperationError
    kept: ClassVar[str] = "key"

    def check(self, news: Mapping[str, Any]) -> CheckOutcome:
        """The group id, name and the key's documented rules; no message ever quotes the key."""
        failures = rules.validate_api_key(
            news.get("group_id"), news.get("name"), is_unknown=self._is_unknown
        ) + rules.validate_registered_key(news.get("key"), is_unknown=self._is_unknown)
        return CheckOutcome(dict(news), failures + self._declared_failures(news))

    def create(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        group_id, key, name = str(inputs.get("group_id")), str(inputs.get("key")), inputs.get("name")
        prefix = rules.registered_prefix(key)

        def register() -> ApiKeyInfo:
            client = self._client()
            if client.signing_key is None:
                missing = ConfigurationError(
                    "no signing key: the provider has no workspace private key to sign the registration with",
                    setting="signingKey",
                )
                raise Hinted(missing, SIGNING_KEY_HINT)
            return client.keys.register(group_id, key, name=name)

        registered = self._step("create", name or prefix, register)
        outputs = {"group_id": group_id, "key": key, "name": name, "prefix": registered.prefix}
        return f"{group_id}/{registered.prefix}", outputs
