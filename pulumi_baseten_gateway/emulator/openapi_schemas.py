"""The emulator's own declarations of the group, API-key and secret bodies, for its OpenAPI document.

Named and shaped after the public spec's schemas (``GroupV1``, ``ModelConfigV1``, ``SecretV1``, ...),
so a client generated from the emulator's document has the same types as one generated from the spec.
Three operations the spec lacks (group usage, group delete, key revoke) answer the documented bodies,
declared here as ``GroupUsageV1``, ``GroupTombstoneV1`` and ``ApiKeyTombstoneV1``.

Where the docs and the spec differ (gateway-api.md section 8), these follow the spec, the newer source:
a limit ``threshold`` may be 0 (the docs say ``>= 1``), and both ``hierarchy`` fields of a new group are
optional (a child inherits its parent's ``limit_enforcement``; a root defaults to ``INDEPENDENT``).

The routes read bodies as raw JSON and check them with :mod:`.group_checks` (messages that name the field
and the rule); these models only describe them. Request models forbid unknown fields, as the routes do.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from ..api.models import endpoint as endpoint_model
from .twins import pydantic_twin

if TYPE_CHECKING:  # a model made at import: to the type checker, some pydantic model
    Pagination = BaseModel
else:
    Pagination = pydantic_twin(endpoint_model.Pagination)

__all__ = [
    "MAX_THRESHOLD",
    "ApiKeyTombstoneV1",
    "CreateApiKeyForGroupRequestV1",
    "CreateApiKeyForGroupResponseV1",
    "CreateGroupHierarchyV1",
    "CreateGroupRequestV1",
    "EffectiveModelConfigV1",
    "EffectiveRateLimitV1",
    "EffectiveUsageLimitV1",
    "GatewayKeyInfoV1",
    "GroupHierarchyV1",
    "GroupMetadataV1",
    "GroupTombstoneV1",
    "GroupUsageEntryV1",
    "GroupUsageV1",
    "GroupV1",
    "GroupsResponseV1",
    "KeysForGroupResponseV1",
    "LimitEnforcementV1",
    "LimitTypeV1",
    "ModelConfigV1",
    "RateLimitUnitV1",
    "RateLimitV1",
    "RegisterAPIKeyRequestV1",
    "RegisterAPIKeyResponseV1",
    "SecretTombstoneV1",
    "SecretV1",
    "SecretsV1",
    "UpdateGroupMetadataV1",
    "UpdateGroupRequestV1",
    "UpsertSecretRequestV1",
    "UsageLimitUnitV1",
    "UsageLimitV1",
]

#: The largest threshold the emulator stores: a signed 64-bit integer (neither source gives a maximum).
MAX_THRESHOLD = 2**63 - 1


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LimitTypeV1(str, Enum):
    """What a limit counts: tokens (prompt plus completion) or requests."""

    REQUEST = "REQUEST"
    TOKEN = "TOKEN"  # noqa: S105 (a limit type, not a password)


class RateLimitUnitV1(str, Enum):
    """The window of a rate limit."""

    SECOND = "SECOND"
    MINUTE = "MINUTE"


class UsageLimitUnitV1(str, Enum):
    """The window of a usage limit: one UTC day, the only one supported."""

    DAY = "DAY"


class LimitEnforcementV1(str, Enum):
    """How limits compose down a group hierarchy."""

    CASCADING = "CASCADING"
    INDEPENDENT = "INDEPENDENT"


_THRESHOLD = Field(ge=0, le=MAX_THRESHOLD, description="The maximum count allowed per window.")
_SOURCE = Field(description="ID of the group in the hierarchy this limit is anchored to.")


class RateLimitV1(_Closed):
    type: LimitTypeV1
    unit: RateLimitUnitV1
    threshold: int = _THRESHOLD


class UsageLimitV1(_Closed):
    type: LimitTypeV1
    unit: UsageLimitUnitV1
    threshold: int = _THRESHOLD


class ModelConfigV1(_Closed):
    """One slug a group may call, with its limits (at most one rate limit per type, one usage limit per
    type and unit)."""

    slug: str = Field(description="Shared endpoint slug, formatted `your-org/your-model`.")
    rate_limits: list[RateLimitV1] = Field(default_factory=list)
    usage_limits: list[UsageLimitV1] = Field(default_factory=list)


class EffectiveRateLimitV1(BaseModel):
    type: LimitTypeV1
    unit: RateLimitUnitV1
    threshold: int = _THRESHOLD
    source_group: str = _SOURCE


class EffectiveUsageLimitV1(BaseModel):
    type: LimitTypeV1
    unit: UsageLimitUnitV1
    threshold: int = _THRESHOLD
    source_group: str = _SOURCE


class EffectiveModelConfigV1(BaseModel):
    slug: str = Field(description="Shared endpoint slug.")
    rate_limits: list[EffectiveRateLimitV1] = Field(default_factory=list)
    usage_limits: list[EffectiveUsageLimitV1] = Field(default_factory=list)


class GroupMetadataV1(_Closed):
    external_entity_id: str = Field(
        min_length=1, max_length=255, description="Your identifier of the group; unique in the workspace."
    )
    name: str | None = Field(default=None, max_length=255, description="Optional display name.")


class UpdateGroupMetadataV1(_Closed):
    name: str | None = Field(default=None, max_length=255, description="Optional display name.")


class GroupHierarchyV1(BaseModel):
    limit_enforcement: LimitEnforcementV1
    parent_group_id: str | None = None


class CreateGroupHierarchyV1(_Closed):
    limit_enforcement: LimitEnforcementV1 | None = Field(
        default=None,
        description="Children inherit their parent's mode when omitted; roots default to INDEPENDENT.",
    )
    parent_group_id: str | None = None


class CreateGroupRequestV1(_Closed):
    """Body of "Create a group". ``hierarchy`` is immutable after creation."""

    metadata: GroupMetadataV1
    models: list[ModelConfigV1] = Field(min_length=1, description="The group's complete model set.")
    hierarchy: CreateGroupHierarchyV1


class UpdateGroupRequestV1(_Closed):
    """Body of "Update a group": at least one of the two, non-null. ``models`` replaces the whole set."""

    metadata: UpdateGroupMetadataV1 | None = None
    models: list[ModelConfigV1] | None = None


class GroupV1(BaseModel):
    id: str
    metadata: GroupMetadataV1
    models: list[ModelConfigV1] = Field(default_factory=list)
    effective_models: list[EffectiveModelConfigV1] = Field(default_factory=list)
    hierarchy: GroupHierarchyV1
    created_at: datetime


class GroupsResponseV1(BaseModel):
    items: list[GroupV1]
    pagination: Pagination


class GroupUsageEntryV1(BaseModel):
    type: LimitTypeV1
    unit: UsageLimitUnitV1
    threshold: int
    current_usage: int | None = Field(description="Null until the first request lands.")
    reset_at: datetime | None


class GroupUsageV1(BaseModel):
    """Get group usage (docs only): the group's usage limits per model slug, with consumption."""

    customer_id: str = Field(description="The group's `metadata.external_entity_id`.")
    usage: dict[str, list[GroupUsageEntryV1]]


class GroupTombstoneV1(BaseModel):
    """Delete a group (docs only). Descendants, deleted with it, are not listed."""

    id: str
    metadata: GroupMetadataV1
    deleted_at: datetime


class CreateApiKeyForGroupRequestV1(_Closed):
    name: str | None = Field(default=None, description="Optional display name for the new key.")


class CreateApiKeyForGroupResponseV1(BaseModel):
    api_key: str = Field(description="Plaintext key `prefix.secret`, returned exactly once.")
    prefix: str = Field(description="Key prefix (the part before the dot).")
    name: str | None = None


class RegisterAPIKeyRequestV1(_Closed):
    """Body of "Register an API key"; send its Ed25519 signature in ``X-Baseten-Signature``."""

    key: str = Field(description="32 to 128 characters, at least 3.0 bits of entropy per character.")
    name: str | None = None


class RegisterAPIKeyResponseV1(BaseModel):
    ok: bool


class GatewayKeyInfoV1(BaseModel):
    prefix: str
    name: str | None = None


class KeysForGroupResponseV1(BaseModel):
    items: list[GatewayKeyInfoV1]
    pagination: Pagination


class ApiKeyTombstoneV1(BaseModel):
    """Revoke an API key (docs only)."""

    prefix: str


class UpsertSecretRequestV1(_Closed):
    name: str = Field(description="Name of the new or existing secret.")
    value: str = Field(description="Value of the secret; never returned.")


class SecretV1(BaseModel):
    """A secret's metadata; values are never returned."""

    id: str = Field(description="Stable identifier for the secret. Unchanged across rotation.")
    created_at: datetime
    name: str
    team_name: str


class SecretsV1(BaseModel):
    secrets: list[SecretV1]


class SecretTombstoneV1(BaseModel):
    name: str
