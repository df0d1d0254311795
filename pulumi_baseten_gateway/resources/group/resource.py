"""The group resource, declared once: its properties (inputs, outputs, what replaces) and its type token."""

from __future__ import annotations

from typing import Final

from ...api.models.group import EffectiveGroupModel, GroupModel, LimitEnforcement
from ..declaration import Prop, ResourceDecl

__all__ = ["GROUP", "GROUP_TYPE_TOKEN"]

#: The Pulumi type token of the Python ``Group`` resource: recorded in every stack's state (stable API).
GROUP_TYPE_TOKEN = "pulumi-python:dynamic/baseten-gateway:Group"  # noqa: S105 (a type token)


GROUP: Final = ResourceDecl(
    name="Group",
    description=(
        "A Frontier Gateway group: who may call which endpoint slugs, and how much. It is keyed by an "
        "`externalEntityId` you choose (your customer's id; it appears on every billing event), and holds "
        "a set of models, each with optional rate and usage limits. Federated API keys "
        "(`GatewayApiKey`) belong to a group and inherit its effective limits.\n\nChanging `name` or "
        "`models` updates the group in place (the model set and each model's limits have set semantics: "
        "reordering is no change). Changing `externalEntityId`, `limitEnforcement` or `parentGroupId` "
        "replaces it. Deleting a group deletes its descendant groups and revokes every key under them, "
        "on the server: refer to a parent by its `groupId` output so that Pulumi deletes children first. "
        "Set `adopt` to take over a group that already exists with this `externalEntityId`."
    ),
    id_property="group_id",
    props=(
        Prop("group_id", str, "Stable identifier of the group in the API.", input=False),
        Prop(
            "external_entity_id",
            str,
            "Your identifier for this group (1 to 255 characters), unique in the workspace; it appears as "
            "`externalEntityId` on every billing webhook event of its keys. Immutable: a change replaces "
            "the group (the new one is created before the old one is deleted, with its keys).",
            required=True,
            replaces=True,
        ),
        Prop("name", str, "Display name (at most 255 characters). Updated in place."),
        Prop(
            "models",
            list[GroupModel],
            "The endpoint slugs the group's keys may call, each with optional rate and usage limits; at "
            "least one. A set: each slug at most once, order irrelevant (kept sorted by slug, limits by "
            "type and unit). Updated in place; in a `CASCADING` hierarchy the server refuses a change that "
            "puts a group above an ancestor or below a descendant.",
            required=True,
            ordered=False,
        ),
        Prop(
            "limit_enforcement",
            LimitEnforcement,
            "How limits apply along the hierarchy. Omitted: a child inherits its parent's, a root group "
            "is `INDEPENDENT`. Must match the parent's. Immutable: a change replaces the group.",
            replaces=True,
            filled=True,
        ),
        Prop(
            "parent_group_id",
            str,
            "The `groupId` of the parent group (hierarchies are at most five levels deep); omitted for a "
            "root group. Immutable: a change replaces the group.",
            replaces=True,
        ),
        Prop(
            "adopt",
            bool,
            "When true, take over a group that already exists with this `externalEntityId` (updating its "
            "name and models to match) instead of failing on the duplicate.",
            output=False,
        ),
        Prop(
            "effective_models",
            list[EffectiveGroupModel],
            "The per-model limits the gateway enforces after walking the hierarchy, each with the group "
            "that set it.",
            input=False,
            recomputed=True,
        ),
        Prop("created_at", str, "RFC 3339 UTC timestamp of the group's creation.", input=False),
    ),
)
