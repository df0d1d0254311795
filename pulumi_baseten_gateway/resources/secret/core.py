"""The Secret's lifecycle, once: check, diff, create (refusing a taken name unless ``adopt``), read,
update (rotation), delete. Both adapters (``dynamic/secret.py`` and the native plugin) call it.

Where the value lives. It must be comparable at the next ``diff`` to know whether to rotate, and a diff
sees only the previous *outputs*; the API never returns it. So the value is kept as an output, and only
ever as a Pulumi secret: the declaration marks it ``secret`` (the schema says so, and SDKs mark it), the
Python resource passes it as ``Output.secret`` with ``additional_secret_outputs``, and the engine keeps
the secret bit of an output whose input was secret. The engine stores every input in the state anyway
(encrypted, being secret), so keeping it as an output adds no exposure; not keeping it would make a
change of ``value`` in the program undetectable. What stays undetectable is a value changed *outside*
Pulumi: the API cannot tell. No error, log line or check failure here ever quotes the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ...api.models.secret import SecretInfo
from ...api.rules import secret as rules
from ...errors import GoneError, ResourceOperationError, SecretExistsError, SecretOperationError
from ..declaration import ResourceDecl
from ..lifecycle import RECOVERY_HINT, CheckOutcome, CoreBase, DiffOutcome, Hinted, ReadOutcome, timestamp
from .resource import SECRET

__all__ = ["SecretCore", "outputs_of"]

_ADOPT_HINT = (
    f"{RECOVERY_HINT}; to manage that secret with this resource (and set its value), set adopt=True on it"
)
_GONE_HINT = "run `pulumi refresh` to record that, then `pulumi up` creates it again"


def outputs_of(secret: SecretInfo, value: Any, team_id: Any = None) -> dict[str, Any]:
    """The resource's outputs: the API's metadata, the value as given (a secret to the engine) and the
    team's id as given (the API names a secret's team, it does not give its id)."""
    return {
        "secret_id": secret.id,
        "name": secret.name,
        "value": value,
        "team_id": team_id,
        "team_name": secret.team_name,
        "created_at": timestamp(secret.created_at),
    }


class SecretCore(CoreBase):
    """One secret's lifecycle against the API, through the client that ``client()`` returns."""

    declaration: ClassVar[ResourceDecl] = SECRET
    error: ClassVar[type[ResourceOperationError]] = SecretOperationError
    natural_key: ClassVar[str | None] = "name"

    # -- no requests ----------------------------------------------------------------------------------

    def check(self, news: Mapping[str, Any]) -> CheckOutcome:
        failures = rules.validate_secret(news.get("name"), news.get("value"), is_unknown=self._is_unknown)
        failures += rules.validate_team_id(news.get("team_id"), is_unknown=self._is_unknown)
        failures += self._declared_failures(news)
        return CheckOutcome(dict(news), failures)

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffOutcome:
        """A new name replaces (created first: names differ); a new value rotates in place."""
        return self._diff(olds, news)

    # -- requests -------------------------------------------------------------------------------------

    def create(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        name, value, team_id = str(inputs.get("name")), inputs.get("value"), inputs.get("team_id")

        def create() -> SecretInfo:
            overwrite = inputs.get("adopt") is True
            try:
                return self._client().secrets.create(name, str(value), overwrite=overwrite, team_id=team_id)
            except SecretExistsError as taken:
                raise Hinted(taken, _ADOPT_HINT) from None

        secret = self._step("create", name, create)
        return secret.id, outputs_of(secret, value, team_id)

    def read(self, id_: str, state: Mapping[str, Any]) -> ReadOutcome | None:
        """Find the secret by id in the listing: None when it is gone. The value is the state's own."""
        team_id = state.get("team_id")
        secret = self._step(
            "read",
            state.get("name") or id_,
            lambda: self._client().secrets.find(secret_id=id_, team_id=team_id),
        )
        if secret is None:
            return None
        outputs = outputs_of(secret, state.get("value"), team_id)
        inputs = self._kept_adopt(state, {"name": secret.name, "value": state.get("value")})
        if team_id is not None:
            inputs["team_id"] = team_id
        if inputs["value"] is None:  # `get` or an import: the API never returns values
            del inputs["value"], outputs["value"]
        return ReadOutcome(secret.id, outputs, inputs)

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """Rotate: set the new value on the same secret (same id)."""
        name, value = str(news.get("name") or olds.get("name")), news.get("value")
        team_id = olds.get("team_id")  # a new team replaces the secret: never an update

        def rotate() -> SecretInfo:
            try:
                return self._client().secrets.rotate(id_, name, str(value), team_id=team_id)
            except GoneError as gone:
                raise Hinted(gone, _GONE_HINT) from None

        return outputs_of(self._step("update", name, rotate), value, team_id)

    def delete(self, id_: str, state: Mapping[str, Any]) -> None:
        """Delete by name, only if the name still holds this secret; one already gone counts as deleted."""
        name, team_id = state.get("name"), state.get("team_id")

        def delete() -> None:
            client = self._client()
            if isinstance(name, str):
                client.secrets.delete(name, secret_id=id_, team_id=team_id)
            else:  # a state without a name (never written by this core): find it by id
                found = client.secrets.find(secret_id=id_, team_id=team_id)
                if found is not None:
                    client.secrets.delete(found.name, secret_id=id_, team_id=team_id)

        self._delete(name or id_, delete)
