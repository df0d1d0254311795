"""The Group's lifecycle, once: check, diff, create (with adopt), read, update, delete.

Both adapters call it (``dynamic/group.py`` and the native plugin). The model set has set semantics:
check and read put it in canonical form (sorted by slug, limits by type and unit), so reordering shows no
diff. The hierarchy is immutable (a change of ``parent_group_id`` or ``limit_enforcement`` replaces,
deleting first: the ``external_entity_id`` stays the same), and so is ``external_entity_id`` (replaced
creating first). Deleting a group deletes its descendants and revokes their keys on the server; a child or
key already gone that way counts as deleted. Failures are one :class:`GroupOperationError` line, the
server's message included (a cascading-limit 400 adds what to do).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ...api.models.group import GroupInfo, LimitEnforcement
from ...api.rules import group as rules
from ...api.rules.common import contains_unknown
from ...errors import (
    BadRequestError,
    ConfigurationError,
    DuplicateGroupError,
    GroupOperationError,
    ResourceOperationError,
)
from ..declaration import ResourceDecl
from ..lifecycle import RECOVERY_HINT, CheckOutcome, CoreBase, DiffOutcome, Hinted, ReadOutcome, timestamp
from .resource import GROUP

if TYPE_CHECKING:
    from ...api import GatewayClient

__all__ = ["GroupCore", "outputs_of"]

_ADOPT_HINT = f"{RECOVERY_HINT}; to manage that group with this resource, set adopt=True on it"
_CASCADE_HINT = (
    "in a CASCADING hierarchy a group may not exceed an ancestor's limit nor fall below a descendant's: "
    "lower descendants before lowering a parent, raise ancestors before raising descendants"
)
_INDEPENDENT = LimitEnforcement.INDEPENDENT.value


def outputs_of(group: GroupInfo) -> dict[str, Any]:
    """The resource's output properties, from what the API returned."""
    return {
        "group_id": group.id,
        "external_entity_id": group.metadata.external_entity_id,
        "name": group.metadata.name,
        "models": rules.group_models(group),
        "limit_enforcement": group.hierarchy.limit_enforcement.value,
        "parent_group_id": group.hierarchy.parent_group_id,
        "effective_models": rules.canonical_effective_models(group),
        "created_at": timestamp(group.created_at),
    }


class GroupCore(CoreBase):
    """One group's lifecycle against the API, through the client that ``client()`` returns."""

    declaration: ClassVar[ResourceDecl] = GROUP
    error: ClassVar[type[ResourceOperationError]] = GroupOperationError
    natural_key: ClassVar[str | None] = "external_entity_id"

    # -- no requests ----------------------------------------------------------------------------------

    def check(self, news: Mapping[str, Any]) -> CheckOutcome:
        """Validate and normalise (the model set in canonical order), without any request."""
        get = news.get
        failures = rules.validate_group(
            get("external_entity_id"),
            get("name"),
            get("models"),
            get("limit_enforcement"),
            get("parent_group_id"),
            is_unknown=self._is_unknown,
        )
        failures += self._declared_failures(news)
        inputs = dict(news)
        inputs["models"] = rules.canonical_models(get("models"), self._is_unknown)
        return CheckOutcome(inputs, failures)

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffOutcome:
        """Identity and hierarchy replace; name and models update in place (compared as sets)."""
        return self._diff(
            olds,
            news,
            differs={"limit_enforcement": self._enforcement_changes, "models": self._models_change},
        )

    def _models_change(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        new = rules.canonical_models(news.get("models"), self._is_unknown)
        return contains_unknown(new, self._is_unknown) or rules.canonical_models(olds.get("models")) != new

    def _enforcement_changes(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """Whether the mode asked for differs from the group's. Omitted, a root group's is INDEPENDENT
        and a child's is its parent's (whatever the group has: the parent cannot change in place)."""
        new, old = news.get("limit_enforcement"), olds.get("limit_enforcement")
        if self._is_unknown(new):
            return True
        if new is None:
            parent = news.get("parent_group_id")
            if parent is not None or self._is_unknown(parent):
                return False
            new = _INDEPENDENT
        return old is not None and old != new

    # -- requests -------------------------------------------------------------------------------------

    def create(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """POST (the client never creates a second group); on a taken id, adopt it or say how to."""
        entity = str(inputs.get("external_entity_id"))

        def create() -> GroupInfo:
            return self._create_or_adopt(
                inputs,
                lambda client: client.groups.create(
                    entity,
                    inputs["models"],
                    name=inputs.get("name"),
                    limit_enforcement=inputs.get("limit_enforcement"),
                    parent_group_id=inputs.get("parent_group_id"),
                ),
                lambda client, existing: self._adopt(client, existing, inputs),
                DuplicateGroupError,
                _ADOPT_HINT,
            )

        group = self._step("create", entity, create)
        return group.id, outputs_of(group)

    @staticmethod
    def _adopt(client: GatewayClient, existing: GroupInfo, inputs: Mapping[str, Any]) -> GroupInfo:
        parent, mode = inputs.get("parent_group_id"), inputs.get("limit_enforcement")
        held = existing.hierarchy
        if held.parent_group_id != parent or mode not in (None, held.limit_enforcement.value):
            raise ConfigurationError(
                f"cannot adopt group {existing.id!r}: its hierarchy (parent {held.parent_group_id!r}, "
                f"{held.limit_enforcement.value}) differs from the resource's (parent {parent!r}, "
                f"{mode or 'inherited'}), and a hierarchy cannot change in place"
            )
        name = inputs.get("name")
        if existing.metadata.name == name and rules.group_models(existing) == inputs["models"]:
            return existing
        return client.groups.update(existing.id, name=name, models=inputs["models"])

    def read(self, id_: str, state: Mapping[str, Any]) -> ReadOutcome | None:
        """GET by id: None when it is gone (deleted, or with an ancestor); else fresh outputs and inputs."""
        client = self._client
        name = state.get("external_entity_id") or id_
        group = self._step("read", name, lambda: self._found(lambda: client().groups.get(id_)))
        if group is None:
            return None
        outputs = outputs_of(group)
        inputs = {
            key: outputs[key]
            for key in ("external_entity_id", "name", "models", "limit_enforcement", "parent_group_id")
            if outputs[key] is not None
        }
        return ReadOutcome(group.id, outputs, self._kept_adopt(state, inputs))

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH the name and the whole model set."""
        entity = news.get("external_entity_id") or olds.get("external_entity_id") or id_

        def update() -> GroupInfo:
            try:
                return self._client().groups.update(id_, name=news.get("name"), models=news["models"])
            except BadRequestError as exc:
                if "exceeds" in exc.server_message and "limit" in exc.server_message:
                    raise Hinted(exc, _CASCADE_HINT) from None
                raise

        return outputs_of(self._step("update", entity, update))

    def delete(self, id_: str, state: Mapping[str, Any]) -> None:
        """DELETE (descendants and keys go too, on the server); a group already gone counts as deleted."""
        self._delete(state.get("external_entity_id") or id_, lambda: self._client().groups.delete(id_))
