"""The Group, declared once: its API objects (structs, after the public spec's schemas) and its properties.

A group says *who may call which slugs, and how much*: an ``external_entity_id`` you choose (your
customer's id, unique in the workspace), a set of models (endpoint slugs) each with optional rate and
usage limits, and a place in a hierarchy (``parent_group_id``, ``limit_enforcement``, both immutable).
Federated API keys belong to a group and inherit its effective limits. Imports nothing of ours but the
declaration shapes and the endpoint's pagination model.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Annotated, Final

from msgspec import Meta, field

from ..declaration import ApiObject, Prop, ResourceDecl
from ..endpoint.model import Pagination

__all__ = [
    "ENFORCEMENT_DOCS",
    "GROUP",
    "GROUP_TYPE_TOKEN",
    "LIMIT_TYPE_DOCS",
    "RATE_UNIT_DOCS",
    "USAGE_UNIT_DOCS",
    "EffectiveGroupModel",
    "EffectiveRateLimit",
    "EffectiveUsageLimit",
    "Group",
    "GroupHierarchy",
    "GroupMetadata",
    "GroupModel",
    "GroupPage",
    "GroupTombstone",
    "LimitEnforcement",
    "LimitType",
    "RateLimit",
    "RateLimitUnit",
    "UsageLimit",
    "UsageLimitUnit",
]

#: The Pulumi type token of the Python ``Group`` resource: recorded in every stack's state (stable API).
GROUP_TYPE_TOKEN = "pulumi-python:dynamic/baseten-gateway:Group"  # noqa: S105 (a type token)


class LimitType(str, Enum):
    """What a limit counts (`LimitTypeV1` in the API spec)."""

    TOKEN = "TOKEN"  # noqa: S105 (a limit type)
    REQUEST = "REQUEST"


class RateLimitUnit(str, Enum):
    """The window of a rate limit (`RateLimitUnitV1`)."""

    SECOND = "SECOND"
    MINUTE = "MINUTE"


class UsageLimitUnit(str, Enum):
    """The window of a usage limit (`UsageLimitUnitV1`)."""

    DAY = "DAY"


class LimitEnforcement(str, Enum):
    """How limits apply along a group hierarchy (`LimitEnforcementV1`)."""

    INDEPENDENT = "INDEPENDENT"
    CASCADING = "CASCADING"


LIMIT_TYPE_DOCS: Final[Mapping[LimitType, str]] = {
    LimitType.TOKEN: "Tokens, prompt plus completion.",
    LimitType.REQUEST: "Requests.",
}
RATE_UNIT_DOCS: Final[Mapping[RateLimitUnit, str]] = {
    RateLimitUnit.SECOND: "Per second (a short rolling window).",
    RateLimitUnit.MINUTE: "Per minute (a short rolling window).",
}
USAGE_UNIT_DOCS: Final[Mapping[UsageLimitUnit, str]] = {
    UsageLimitUnit.DAY: "Per day; the window resets at midnight UTC.",
}
ENFORCEMENT_DOCS: Final[Mapping[LimitEnforcement, str]] = {
    LimitEnforcement.INDEPENDENT: "Each group's own limits apply; a child without a limit inherits the "
    "nearest ancestor's (the default of a root group).",
    LimitEnforcement.CASCADING: "Every limit along the hierarchy applies, and a child may not exceed an "
    'ancestor\'s ("Child group exceeds parent group limit."). Lower descendants before lowering a parent; '
    "raise ancestors before raising descendants.",
}


class RateLimit(ApiObject, frozen=True, kw_only=True):
    """A rate limit of one model in a group (`RateLimitV1`): at most one per `type`."""

    type: Annotated[LimitType, Meta(description="What the limit counts: `TOKEN` or `REQUEST`.")]
    unit: Annotated[RateLimitUnit, Meta(description="The window: `SECOND` or `MINUTE`.")]
    threshold: Annotated[int, Meta(ge=0, description="The most the window allows (an integer, at least 0).")]


class UsageLimit(ApiObject, frozen=True, kw_only=True):
    """A usage limit of one model in a group (`UsageLimitV1`): at most one per `type` and `unit`."""

    type: Annotated[LimitType, Meta(description="What the limit counts: `TOKEN` or `REQUEST`.")]
    unit: Annotated[UsageLimitUnit, Meta(description="The window: `DAY` (resets at midnight UTC).")]
    threshold: Annotated[int, Meta(ge=0, description="The most the window allows (an integer, at least 0).")]


class GroupModel(ApiObject, frozen=True, kw_only=True):
    """A model a group may call (`ModelConfigV1`): an endpoint slug and its limits. A group's models are a
    set (keyed by `slug`), and so are each model's limits: their order never matters."""

    slug: Annotated[
        str, Meta(description="The endpoint slug, formatted `{org_prefix}/{name}`, e.g. `my-org/glm-5.2`.")
    ]
    rate_limits: Annotated[
        list[RateLimit], Meta(description="Rate limits: at most one per `type`. None: no rate limit.")
    ] = field(default_factory=list)
    usage_limits: Annotated[
        list[UsageLimit],
        Meta(description="Usage limits: at most one per `type` and `unit`. None: no usage limit."),
    ] = field(default_factory=list)


class EffectiveRateLimit(ApiObject, frozen=True, kw_only=True):
    """A rate limit the gateway enforces on a group (`EffectiveRateLimitV1`), and the group that set it."""

    type: Annotated[LimitType, Meta(description="What the limit counts.")]
    unit: Annotated[RateLimitUnit, Meta(description="The window.")]
    threshold: Annotated[int, Meta(description="The most the window allows.")]
    source_group: Annotated[str, Meta(description="Id of the group in the hierarchy that set this limit.")]


class EffectiveUsageLimit(ApiObject, frozen=True, kw_only=True):
    """A usage limit the gateway enforces on a group (`EffectiveUsageLimitV1`), and the group that set it."""

    type: Annotated[LimitType, Meta(description="What the limit counts.")]
    unit: Annotated[UsageLimitUnit, Meta(description="The window.")]
    threshold: Annotated[int, Meta(description="The most the window allows.")]
    source_group: Annotated[str, Meta(description="Id of the group in the hierarchy that set this limit.")]


class EffectiveGroupModel(ApiObject, frozen=True, kw_only=True):
    """The limits the gateway enforces for one model of a group after walking its hierarchy
    (`EffectiveModelConfigV1`)."""

    slug: Annotated[str, Meta(description="The endpoint slug.")]
    rate_limits: Annotated[list[EffectiveRateLimit], Meta(description="Effective rate limits.")] = field(
        default_factory=list
    )
    usage_limits: Annotated[list[EffectiveUsageLimit], Meta(description="Effective usage limits.")] = field(
        default_factory=list
    )


class GroupMetadata(ApiObject, frozen=True, kw_only=True):
    """A group's identity (`GroupMetadataV1`)."""

    external_entity_id: str
    name: str | None = None


class GroupHierarchy(ApiObject, frozen=True, kw_only=True):
    """A group's place in its hierarchy (`GroupHierarchyV1`); immutable."""

    limit_enforcement: LimitEnforcement
    parent_group_id: str | None = None


class Group(ApiObject, frozen=True, kw_only=True):
    """A group (`GroupV1`)."""

    id: str
    metadata: GroupMetadata
    models: list[GroupModel] = field(default_factory=list)
    effective_models: list[EffectiveGroupModel] = field(default_factory=list)
    hierarchy: GroupHierarchy
    created_at: datetime


class GroupPage(ApiObject, frozen=True, kw_only=True):
    """One page of ``GET /v1/gateway/groups`` (`GroupsResponseV1`)."""

    items: list[Group]
    pagination: Pagination


class GroupTombstone(ApiObject, frozen=True, kw_only=True):
    """What a delete returns: ``{id, metadata, deleted_at}`` (documented; not in the spec)."""

    id: str
    metadata: GroupMetadata | None = None
    deleted_at: datetime | None = None


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
        ),
        Prop(
            "limit_enforcement",
            LimitEnforcement,
            "How limits apply along the hierarchy. Omitted: a child inherits its parent's, a root group "
            "is `INDEPENDENT`. Must match the parent's. Immutable: a change replaces the group.",
            replaces=True,
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
        ),
        Prop("created_at", str, "RFC 3339 UTC timestamp of the group's creation.", input=False),
    ),
)
