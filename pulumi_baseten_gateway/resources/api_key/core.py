"""The GatewayApiKey's lifecycle, once: check, diff, create, read, delete (a key never updates in place).

Both adapters call it (``dynamic/api_key.py`` and the native plugin). The API returns the whole key
once, at creation: it becomes the ``api_key`` output, which the declaration marks secret (the Python
resource adds it to ``additional_secret_outputs``), so the engine stores it encrypted and shows it
nowhere; a read keeps the state's copy, since the API never returns it again. Every input change
replaces the key (created before the old one is revoked). A revoked key, or one whose group was deleted,
reads as gone. The resource's id is ``<group_id>/<prefix>``.

:class:`KeyLifecycle` is what both key resources share (``registered.py`` is the other): diff, read,
update and delete of a key known by its group and prefix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...api.rules import api_key as rules
from ...errors import (
    ConfigurationError,
    GatewayApiKeyOperationError,
    ResourceOperationError,
)
from ..declaration import ResourceDecl
from ..lifecycle import CheckOutcome, CoreBase, DiffOutcome, ReadOutcome
from .resource import GATEWAY_API_KEY

__all__ = ["GatewayApiKeyCore", "KeyLifecycle"]


class KeyLifecycle(CoreBase):
    """What every federated key resource does alike: it is immutable, read and revoked by its prefix.

    ``kept`` names the secret property the API never returns (the generated ``api_key``, a registered
    ``key``): a read keeps the state's copy. ``error`` is the resource's operation error.
    """

    kept: ClassVar[str]

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffOutcome:
        """Any input change replaces: keys are immutable. The new key comes before the old is revoked."""
        return self._diff(olds, news)

    def read(self, id_: str, state: Mapping[str, Any]) -> ReadOutcome | None:
        """GET by group and prefix: None when the key (or its group) is gone; the key is the state's."""
        group_id, prefix = state.get("group_id"), state.get("prefix")
        if not (isinstance(group_id, str) and isinstance(prefix, str)):
            parts = rules.split_key_id(id_)
            if parts is None:
                cause = ConfigurationError(f"the id {id_!r} is not of the form <group_id>/<prefix>")
                raise self.error(id_, "read", cause)
            group_id, prefix = parts
        client = self._client
        found = self._step("read", prefix, lambda: self._found(lambda: client().keys.get(group_id, prefix)))
        if found is None:
            return None
        outputs: dict[str, Any] = {"group_id": group_id, "name": found.name, "prefix": found.prefix}
        inputs: dict[str, Any] = {"group_id": group_id}
        if found.name is not None:
            inputs["name"] = found.name
        if state.get(self.kept) is not None:  # the API never returns it: the state's copy stays
            outputs[self.kept] = state[self.kept]
            if self.declaration.prop(self.kept).input:
                inputs[self.kept] = state[self.kept]
        return ReadOutcome(f"{group_id}/{found.prefix}", outputs, inputs)

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """Never called: every input change replaces a key (see ``diff``)."""
        cause = ConfigurationError("API keys are immutable: a change replaces the key")
        raise self.error(str(olds.get("prefix") or id_), "update", cause)

    def delete(self, id_: str, state: Mapping[str, Any]) -> None:
        """Revoke, irreversibly; a key already revoked (or gone with its group) counts as deleted."""
        parts = rules.split_key_id(id_)
        group_id = state.get("group_id") or (parts[0] if parts else None)
        prefix = state.get("prefix") or (parts[1] if parts else None)
        self._delete(prefix or id_, lambda: self._client().keys.revoke(str(group_id), str(prefix)))


class GatewayApiKeyCore(KeyLifecycle):
    """One generated federated key's lifecycle against the API, through the client ``client()`` returns."""

    declaration: ClassVar[ResourceDecl] = GATEWAY_API_KEY
    error: ClassVar[type[ResourceOperationError]] = GatewayApiKeyOperationError
    kept: ClassVar[str] = "api_key"

    def check(self, news: Mapping[str, Any]) -> CheckOutcome:
        failures = rules.validate_api_key(news.get("group_id"), news.get("name"), is_unknown=self._is_unknown)
        return CheckOutcome(dict(news), failures + self._declared_failures(news))

    def create(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        group_id, name = str(inputs.get("group_id")), inputs.get("name")
        created = self._step(
            "create", name or group_id, lambda: self._client().keys.create(group_id, name=name)
        )
        outputs = {
            "group_id": group_id,
            "name": created.name,
            "prefix": created.prefix,
            "api_key": created.api_key.get_secret_value(),
        }
        return f"{group_id}/{created.prefix}", outputs
