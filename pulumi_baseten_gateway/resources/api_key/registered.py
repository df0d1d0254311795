"""The RegisteredGatewayApiKey's lifecycle, once: check, diff, create (register), read, delete (revoke).

Both adapters call it (``dynamic/api_key.py`` and the native plugin). The key is the caller's own: an
input, always a Pulumi secret (the declaration marks it secret; the Python resource wraps it with
``Output.secret``), checked against the documented rules at Check, before any request, and registered
with a body signed by the provider's signing key. The API never returns it: the state's copy (encrypted)
is what a diff compares. Every input change replaces the registration (a new key is registered before
the old one is revoked); a revoked key, or one whose group was deleted, reads as gone. The resource's id
is ``<group_id>/<prefix>``, the prefix being the key's first 16 characters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ...errors import ConfigurationError, NotFoundError, RegisteredGatewayApiKeyOperationError
from ..common import IsUnknown, Violation, never_unknown
from ..declaration import ResourceDecl
from ..lifecycle import CheckOutcome, DiffOutcome, Hinted, ReadOutcome, contains_unknown, step
from . import rules
from .model import REGISTERED_GATEWAY_API_KEY, ApiKey

if TYPE_CHECKING:
    from ...api import GatewayClient

__all__ = ["SIGNING_KEY_HINT", "RegisteredGatewayApiKeyCore"]

_T = TypeVar("_T")
_KNOWN = frozenset(prop.name for prop in REGISTERED_GATEWAY_API_KEY.props)

#: What to do when the provider has no signing key.
SIGNING_KEY_HINT = (
    "set the workspace's Ed25519 private key (whose public half Baseten registered) with "
    '`pulumi config set --secret baseten:signingKey -- "$(cat priv.pem)"` (`baseten-gateway:signingKey` '
    "for the native provider) or the BASETEN_SIGNING_KEY environment variable"
)


class RegisteredGatewayApiKeyCore:
    """One registered key's lifecycle against the API, through the client that ``client()`` returns."""

    declaration: ClassVar[ResourceDecl] = REGISTERED_GATEWAY_API_KEY

    def __init__(self, client: Callable[[], GatewayClient], is_unknown: IsUnknown = never_unknown) -> None:
        self._client = client
        self._is_unknown = is_unknown

    def check(self, news: Mapping[str, Any]) -> CheckOutcome:
        """The group id, name and the key's documented rules; no message ever quotes the key."""
        failures = rules.validate_api_key(
            news.get("group_id"), news.get("name"), is_unknown=self._is_unknown
        ) + rules.validate_registered_key(news.get("key"), is_unknown=self._is_unknown)
        for key in news:
            if key not in _KNOWN and not key.startswith("__"):  # `__provider`: the dynamic provider's
                failures.append(Violation(key, "unknown-field", "is not a RegisteredGatewayApiKey property"))
        for output in REGISTERED_GATEWAY_API_KEY.output_only:
            if news.get(output.name) is not None and not self._is_unknown(news.get(output.name)):
                failures.append(Violation(output.name, "output-only", "is an output: it cannot be set"))
        return CheckOutcome(dict(news), failures)

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffOutcome:
        """Any input change replaces: keys are immutable. Registered before the old one is revoked."""
        replaces = [
            key
            for key in self.declaration.replaces
            if contains_unknown(news.get(key), self._is_unknown) or olds.get(key) != news.get(key)
        ]
        return DiffOutcome(replaces, list(replaces), delete_before_replace=False)

    def create(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        group_id, key, name = str(inputs.get("group_id")), str(inputs.get("key")), inputs.get("name")
        prefix = rules.registered_prefix(key)

        def register() -> ApiKey:
            client = self._client()
            if client.signing_key is None:
                missing = ConfigurationError(
                    "no signing key: the provider has no workspace private key to sign the registration with",
                    setting="signingKey",
                )
                raise Hinted(missing, SIGNING_KEY_HINT)
            return client.register_api_key(group_id, key, name=name)

        registered = _step("create", name or prefix, register)
        outputs = {"group_id": group_id, "key": key, "name": name, "prefix": registered.prefix}
        return f"{group_id}/{registered.prefix}", outputs

    def read(self, id_: str, state: Mapping[str, Any]) -> ReadOutcome | None:
        """GET by group and prefix: None when the key (or its group) is gone; the key is the state's."""
        group_id, prefix = state.get("group_id"), state.get("prefix")
        if not (isinstance(group_id, str) and isinstance(prefix, str)):
            parts = rules.split_key_id(id_)
            if parts is None:
                cause = ConfigurationError(f"the id {id_!r} is not of the form <group_id>/<prefix>")
                raise RegisteredGatewayApiKeyOperationError(id_, "read", cause)
            group_id, prefix = parts

        def read() -> ApiKey | None:
            try:
                return self._client().get_api_key(group_id, prefix)
            except NotFoundError:
                return None

        found = _step("read", prefix, read)
        if found is None:
            return None
        outputs: dict[str, Any] = {"group_id": group_id, "name": found.name, "prefix": found.prefix}
        inputs: dict[str, Any] = {"group_id": group_id}
        if found.name is not None:
            inputs["name"] = found.name
        if state.get("key") is not None:  # the API never returns it: the state's copy stays
            outputs["key"] = inputs["key"] = state["key"]
        return ReadOutcome(f"{group_id}/{found.prefix}", outputs, inputs)

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """Never called: every input change replaces a key (see ``diff``)."""
        cause = ConfigurationError("API keys are immutable: a change replaces the key")
        raise RegisteredGatewayApiKeyOperationError(str(olds.get("prefix") or id_), "update", cause)

    def delete(self, id_: str, state: Mapping[str, Any]) -> None:
        """Revoke, irreversibly; a key already revoked (or gone with its group) counts as deleted."""
        parts = rules.split_key_id(id_)
        group_id = state.get("group_id") or (parts[0] if parts else None)
        prefix = state.get("prefix") or (parts[1] if parts else None)

        def delete() -> None:
            try:
                self._client().revoke_api_key(str(group_id), str(prefix))
            except NotFoundError:
                return

        _step("delete", prefix or id_, delete)


def _step(operation: str, name: Any, fn: Callable[[], _T]) -> _T:
    return step(RegisteredGatewayApiKeyOperationError, operation, name, fn)
