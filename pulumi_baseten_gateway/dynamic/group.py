"""The ``Group`` resource of Python programs, and ``GroupProvider``, the dynamic provider behind it.

::

    Group("acme", external_entity_id="cust_42", models=[GroupModelArgs(slug="my-org/gpt", rate_limits=[
        RateLimitArgs(type="TOKEN", unit="MINUTE", threshold=100_000)])])

Stable API: Pulumi pickles ``GroupProvider`` *by reference* into every stack's state, so this module's
path (``pulumi_baseten_gateway.dynamic.group``) and the class name must never change. The lifecycle is
``resources/group/core.py``, shared with the native provider. ``GroupModelArgs``, ``RateLimitArgs`` and
``UsageLimitArgs`` are generated ``TypedDict``s (``types.py``): plain dicts work too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from ..resources.group.core import GroupCore
from ..resources.group.resource import GROUP, GROUP_TYPE_TOKEN
from .adapter import CoreProvider
from .types import GroupModelArgs, RateLimitArgs, UsageLimitArgs

__all__ = [
    "GROUP_TYPE_TOKEN",
    "Group",
    "GroupArgs",
    "GroupModelArgs",
    "GroupProvider",
    "RateLimitArgs",
    "UsageLimitArgs",
]


class GroupProvider(CoreProvider):
    """Check, diff, create, read, update and delete gateway groups. Kept at this path forever."""

    core = GroupCore


@dataclass
class GroupArgs:
    """The inputs of a ``Group``, for those who prefer an args object to keyword arguments."""

    external_entity_id: pulumi.Input[str]
    models: pulumi.Input[Sequence[pulumi.Input[GroupModelArgs]]]
    name: pulumi.Input[str] | None = None
    limit_enforcement: pulumi.Input[str] | None = None
    parent_group_id: pulumi.Input[str] | None = None
    adopt: pulumi.Input[bool] | None = None


class Group(Resource, module="baseten-gateway", name="Group"):
    """A gateway group: who may call which slugs, and how much.

    ``name`` and ``models`` update in place (a set: reordering is no change); ``external_entity_id``,
    ``limit_enforcement`` and ``parent_group_id`` replace the group. Deleting a group deletes its
    descendants and revokes their keys on the server: give a child ``parent_group_id=parent.group_id`` so
    that Pulumi deletes it (and its keys) first. ``adopt=True`` takes over a group that already exists
    with this ``external_entity_id``.
    """

    group_id: pulumi.Output[str]
    """The group's id in the API: what keys and child groups refer to."""
    external_entity_id: pulumi.Output[str]
    name: pulumi.Output[str | None]
    models: pulumi.Output[list[dict[str, Any]]]
    """The model set as the API holds it, sorted by slug (limits by type and unit)."""
    limit_enforcement: pulumi.Output[str]
    parent_group_id: pulumi.Output[str | None]
    effective_models: pulumi.Output[list[dict[str, Any]]]
    """The limits the gateway enforces after walking the hierarchy, each with its ``source_group``."""
    created_at: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: GroupArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        external_entity_id: pulumi.Input[str] | None = None,
        models: pulumi.Input[Sequence[pulumi.Input[GroupModelArgs]]] | None = None,
        name: pulumi.Input[str] | None = None,
        limit_enforcement: pulumi.Input[str] | None = None,
        parent_group_id: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
    ) -> None:
        given = (external_entity_id, models, name, limit_enforcement, parent_group_id, adopt)
        if args is not None:
            if any(value is not None for value in given):
                raise TypeError("Group takes either a GroupArgs or keyword inputs, not both")
            external_entity_id, models, name = args.external_entity_id, args.models, args.name
            limit_enforcement, parent_group_id, adopt = (
                args.limit_enforcement,
                args.parent_group_id,
                args.adopt,
            )
        props: dict[str, Any] = {
            "external_entity_id": external_entity_id,
            "models": models,
            "name": name,
            "limit_enforcement": limit_enforcement,
            "parent_group_id": parent_group_id,
            "adopt": adopt,
            # Output-only properties must be declared to appear on the resource (pulumi/pulumi#6678).
            **{prop.name: None for prop in GROUP.output_only},
        }
        super().__init__(GroupProvider(), resource_name, props, opts)
        # The same value as the id, which a preview knows for a group being updated: so the keys and
        # child groups that refer to it are not shown as replaced when only the group's limits change
        # (a dynamic provider's outputs are all unknown in a preview of an update).
        self.group_id = self.id

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> Group:
        """Read an existing group by its id (``group_id``) into a read-only resource."""
        return Group(resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))
