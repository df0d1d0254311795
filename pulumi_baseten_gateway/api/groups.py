"""The operations of ``/v1/gateway/groups``: create, get, list (with the ``external_entity_id`` filter),
usage, update, delete.

A create is not idempotent and a duplicate ``external_entity_id`` is a 400. Both are recovered by the loop
endpoints use too (``api/creates.py``), with the group's own look-up and sameness: after a 400 that says
"duplicate", or an attempt without a clear answer, the client looks the ``external_entity_id`` up (the list
filter, inside the create's own retry loop and time budget). The group found is either this create's (after an
ambiguous attempt: the same settings, created since the create began on the server's clock) and returned, or
someone else's: :class:`~pulumi_baseten_gateway.errors.DuplicateGroupError` carrying it, so the caller can
adopt it without listing again. An update sends the whole model set (the API replaces it) and is idempotent.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Final, TypeVar

import msgspec

from ..errors import (
    BadRequestError,
    DuplicateGroupError,
    RequestContext,
)
from .creates import create_by_natural_key
from .models.group import GroupInfo, GroupModel, GroupPage, GroupTombstone, GroupUsage, LimitEnforcement
from .pages import MAX_PAGE_SIZE, iterate_pages, page_params
from .rules import group as rules
from .rules.common import Violation
from .transport import LOGGER_NAME, APIResource, item_path, parse, raise_if_invalid

__all__ = ["GROUPS_PATH", "UNSET", "Groups", "ModelInput"]

GROUPS_PATH = "/v1/gateway/groups"

_logger = logging.getLogger(LOGGER_NAME)
_ItemT = TypeVar("_ItemT")
ModelInput = GroupModel | Mapping[str, Any]


class _Unset(Enum):
    UNSET = "unset"


#: "Leave it as it is" for :meth:`Groups.update`'s ``name`` (None clears the name).
UNSET: Final = _Unset.UNSET


def group_path(group_id: str) -> str:
    """The path of one group (the keys' paths are below it)."""
    return item_path(GROUPS_PATH, group_id, "group", field="group_id", rule="group-id")


def _model_dicts(context: RequestContext, models: Sequence[ModelInput]) -> list[Any]:
    if isinstance(models, (str, bytes)) or not isinstance(models, Sequence):
        raise_if_invalid(context, [Violation("models", "field-type", "must be a list of models")])
    return [msgspec.to_builtins(m) if isinstance(m, GroupModel) else m for m in models]


def _enforcement(value: LimitEnforcement | str | None) -> str | None:
    return value.value if isinstance(value, LimitEnforcement) else value


class Groups(APIResource):
    """``client.groups``: the operations of ``/v1/gateway/groups``."""

    path = GROUPS_PATH
    noun = "group"

    def create(
        self,
        external_entity_id: str,
        models: Sequence[ModelInput],
        *,
        name: str | None = None,
        limit_enforcement: LimitEnforcement | str | None = None,
        parent_group_id: str | None = None,
    ) -> GroupInfo:
        """Create a group; safe to retry: an ambiguous failure never leads to a second group.

        Raises :class:`DuplicateGroupError` when the ``external_entity_id`` is taken (``existing`` is the
        group holding it), and returns the group when an earlier attempt of this very call created it.
        """
        context = RequestContext("create group", "POST", GROUPS_PATH, external_entity_id)
        mode = _enforcement(limit_enforcement)
        model_dicts = _model_dicts(context, models)
        raise_if_invalid(
            context, rules.validate_group(external_entity_id, name, model_dicts, mode, parent_group_id)
        )
        hierarchy: dict[str, Any] = {"parent_group_id": parent_group_id}
        if mode is not None:
            hierarchy["limit_enforcement"] = mode
        metadata: dict[str, Any] = {"external_entity_id": external_entity_id}
        if name is not None:
            metadata["name"] = name
        body = {"metadata": metadata, "models": rules.canonical_models(model_dicts), "hierarchy": hierarchy}
        return create_by_natural_key(
            self._transport,
            context,
            body,
            GroupInfo,
            GroupPage,
            holds=lambda group: group.metadata.external_entity_id == external_entity_id,
            query={"external_entity_id": external_entity_id},
            ours_or_duplicate=functools.partial(self._group_ours_or_duplicate, context, body),
            unseen=lambda answer: DuplicateGroupError(context, external_entity_id, None, answer.detail),
        )

    def get(self, group_id: str) -> GroupInfo:
        """Fetch one group by id (``NotFoundError`` when it does not exist or was deleted)."""
        context = RequestContext("get group", "GET", group_path(group_id), group_id)
        return parse(self._request(context), GroupInfo, context)

    def usage(self, group_id: str) -> GroupUsage:
        """The current window of each usage limit of the group, by model slug (``NotFoundError`` when the
        group does not exist): one request."""
        path = f"{group_path(group_id)}/usage"
        context = RequestContext("get group usage", "GET", path, group_id)
        return parse(self._request(context), GroupUsage, context)

    def list_page(
        self, *, limit: int | None = None, cursor: str | None = None, external_entity_id: str | None = None
    ) -> GroupPage:
        """One page of the workspace's groups, optionally only the one with ``external_entity_id``."""
        context = RequestContext("list groups", "GET", GROUPS_PATH, external_entity_id)
        params = page_params(context, limit, cursor)
        if external_entity_id is not None:
            params["external_entity_id"] = external_entity_id
        return parse(self._request(context, params=params), GroupPage, context)

    def list(self, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[GroupInfo]:
        """Every group of the workspace, following ``cursor`` across pages lazily."""

        context = RequestContext("list groups", "GET", GROUPS_PATH)
        return iterate_pages(lambda cursor: self.list_page(limit=page_size, cursor=cursor), context)

    def find(self, external_entity_id: str) -> GroupInfo | None:
        """The group with this ``external_entity_id``, or None (the list filter: one request)."""
        page = self.list_page(limit=MAX_PAGE_SIZE, external_entity_id=external_entity_id)
        return next((g for g in page.items if g.metadata.external_entity_id == external_entity_id), None)

    def update(
        self,
        group_id: str,
        *,
        name: str | _Unset | None = UNSET,
        models: Sequence[ModelInput] | None = None,
    ) -> GroupInfo:
        """Set the name (None clears it) and/or replace the whole model set (PATCH; idempotent).

        In a ``CASCADING`` hierarchy the server refuses a change that would put the group above an
        ancestor or below a descendant (400 "Child group exceeds parent group limit.").
        """
        path = group_path(group_id)
        context = RequestContext("update group", "PATCH", path, group_id)
        body: dict[str, Any] = {}
        problems: list[Violation] = []
        if not isinstance(name, _Unset):
            problems += rules.validate_text(name, "name", required=False)
            body["metadata"] = {"name": name}
        if models is not None:
            model_dicts = _model_dicts(context, models)
            problems += rules.validate_models(model_dicts)
            body["models"] = rules.canonical_models(model_dicts)
        if not body:
            problems.append(Violation("body", "update", "give a name or models to change"))
        raise_if_invalid(context, problems)
        return parse(self._request(context, json=body), GroupInfo, context)

    def delete(self, group_id: str) -> GroupTombstone:
        """Delete a group, every descendant group and all their keys (``NotFoundError`` if already gone)."""
        context = RequestContext("delete group", "DELETE", group_path(group_id), group_id)
        return parse(self._request(context), GroupTombstone, context)

    # -- the create's look-up -------------------------------------------------------------------------

    def _group_ours_or_duplicate(
        self,
        context: RequestContext,
        body: Mapping[str, Any],
        existing: GroupInfo,
        since: datetime | None,
        answer: BadRequestError | None,
    ) -> GroupInfo:
        """``existing`` if an earlier attempt of this create made it, else :class:`DuplicateGroupError`."""
        hierarchy = body["hierarchy"]
        same = (
            rules.group_models(existing) == body["models"]
            and existing.metadata.name == body["metadata"].get("name")
            and existing.hierarchy.parent_group_id == hierarchy["parent_group_id"]
            and hierarchy.get("limit_enforcement") in (None, existing.hierarchy.limit_enforcement.value)
        )
        if same and since is not None and existing.created_at >= since:
            _logger.warning(
                "create group %r: an attempt got no clear answer and an identical group now holds the "
                "external_entity_id (id %r, created at %s, not before this create began at %s on the "
                "server's clock); taking it as this create's. The API has no idempotency key: had another "
                "writer created it in that window, it is now managed here too.",
                existing.metadata.external_entity_id,
                existing.id,
                existing.created_at.isoformat(),
                since.isoformat(),
            )
            return existing
        held = self._transport._scrub.text(
            f"group id {existing.id!r} in this workspace holds the external_entity_id "
            f"(created at {existing.created_at.isoformat()})"
        )
        reason = (
            f"{answer.detail}; {held}" if answer is not None else f"the external_entity_id is taken: {held}"
        )
        raise DuplicateGroupError(context, existing.metadata.external_entity_id, existing, reason)
