"""The group's API objects (msgspec structs, after the public spec's schemas) and its enums' documentation.

A group says *who may call which slugs, and how much*: an ``external_entity_id`` you choose (your
customer's id, unique in the workspace), a set of models (endpoint slugs) each with optional rate and
usage limits, and a place in a hierarchy (``parent_group_id``, ``limit_enforcement``, both immutable).
Federated API keys belong to a group and inherit its effective limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Annotated, Final

from msgspec import Meta, field

from .base import ApiObject, Pagination

__all__ = [
    "ENFORCEMENT_DOCS",
    "LIMIT_TYPE_DOCS",
    "RATE_UNIT_DOCS",
    "USAGE_UNIT_DOCS",
    "EffectiveGroupModel",
    "EffectiveRateLimit",
    "EffectiveUsageLimit",
    "GroupHierarchy",
    "GroupInfo",
    "GroupMetadata",
    "GroupModel",
    "GroupPage",
    "GroupTombstone",
    "GroupUsage",
    "GroupUsageEntry",
    "LimitEnforcement",
    "LimitType",
    "RateLimit",
    "RateLimitUnit",
    "UsageLimit",
    "UsageLimitUnit",
]


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


class GroupInfo(ApiObject, frozen=True, kw_only=True):
    """A group (`GroupV1`)."""

    id: str
    metadata: GroupMetadata
    models: list[GroupModel] = field(default_factory=list)
    effective_models: list[EffectiveGroupModel] = field(default_factory=list)
    hierarchy: GroupHierarchy
    created_at: datetime


class GroupUsageEntry(ApiObject, frozen=True, kw_only=True):
    """One usage limit of a model of a group, and how much of its current window is used."""

    type: Annotated[LimitType, Meta(description="What the limit counts: `TOKEN` or `REQUEST`.")]
    unit: Annotated[UsageLimitUnit, Meta(description="The window: `DAY` (resets at midnight UTC).")]
    threshold: Annotated[int, Meta(description="The most the window allows.")]
    current_usage: Annotated[
        int | None, Meta(description="What the current window has used; null until the first request lands.")
    ] = None
    reset_at: Annotated[
        str | None, Meta(description="When the current window resets: an RFC 3339 UTC time, if known.")
    ] = None


class GroupUsage(ApiObject, frozen=True, kw_only=True):
    """``GET /v1/gateway/groups/{group_id}/usage``: the current window of each usage limit, by model slug.

    Only models with usage limits appear (rate limits never do); a group without any answers with an empty
    object, so both fields may be absent."""

    customer_id: str | None = None
    usage: dict[str, list[GroupUsageEntry]] = field(default_factory=dict)


class GroupPage(ApiObject, frozen=True, kw_only=True):
    """One page of ``GET /v1/gateway/groups`` (`GroupsResponseV1`)."""

    items: list[GroupInfo]
    pagination: Pagination


class GroupTombstone(ApiObject, frozen=True, kw_only=True):
    """What a delete returns: ``{id, metadata, deleted_at}`` (documented; not in the spec)."""

    id: str
    metadata: GroupMetadata | None = None
    deleted_at: datetime | None = None
