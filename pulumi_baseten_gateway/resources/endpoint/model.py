"""Pydantic models of the Frontier Gateway management API objects.

They mirror the public OpenAPI spec's schemas (``EndpointV1``, ``EndpointTargetV1``,
``EndpointsResponseV1``, ``EndpointTombstoneV1``, ...). Response models ignore unknown fields so a
server that grows a field does not break existing stacks; request models forbid them so a typo is
an error rather than a silently dropped setting.

This module imports nothing else of ours: the provider, the policy pack and the emulator all lean on it.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ENDPOINT_TYPE_TOKEN",
    "CreateEndpointRequest",
    "Endpoint",
    "EndpointPage",
    "EndpointTombstone",
    "Pagination",
    "Provider",
    "Region",
    "Target",
    "UpdateEndpointRequest",
    "VertexConfig",
]

#: The Pulumi type token of the ``Endpoint`` resource. Policies match resources on it, so it is part of
#: the stable API (it is also recorded in every stack's state).
ENDPOINT_TYPE_TOKEN = "pulumi-python:dynamic/baseten-gateway:Endpoint"  # noqa: S105 (not a secret)


class Provider(str, Enum):
    """Upstream provider of a target (``GatewayProvider`` in the public spec)."""

    BASETEN = "BASETEN"
    ANTHROPIC = "ANTHROPIC"
    OPENAI = "OPENAI"
    BASETEN_MODEL_API = "BASETEN_MODEL_API"
    VERTEX = "VERTEX"
    OPENAI_COMPATIBLE = "OPENAI_COMPATIBLE"


class Region(str, Enum):
    """Region an endpoint's routing serves (``SharedEndpointRegionV1``)."""

    UNRESTRICTED = "UNRESTRICTED"
    EU = "EU"


# defer_build: a schema is built on first use, not at import, which keeps the provider plugin's cold
# start short (models that a run never touches cost nothing).
class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class _RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class VertexConfig(_Model):
    """Google Vertex settings of a ``VERTEX`` target."""

    project_id: str
    location: str


class Target(_Model):
    """One upstream target, as sent (``EndpointTargetRequestV1``) and as returned (``EndpointTargetV1``).

    The two spec schemas have the same fields; only ``provider`` is required. Which other fields a
    provider needs or forbids is a rule, checked by :mod:`pulumi_baseten_gateway.resources.endpoint.rules`.
    """

    provider: Provider
    model_id: str | None = None
    environment_name: str | None = None
    secret_id: str | None = None
    target_model: str | None = None
    base_url: str | None = None
    vertex_config: VertexConfig | None = None

    def to_api(self) -> dict[str, Any]:
        """The JSON body form: set fields only, enums as their values."""
        return self.model_dump(mode="json", exclude_none=True)


class Endpoint(_Model):
    """A routing slug and its target (``EndpointV1``)."""

    id: str
    slug: str
    region: Region = Region.UNRESTRICTED
    targets: list[Target]
    created_at: datetime
    updated_at: datetime


class EndpointTombstone(_Model):
    """What a delete returns (``EndpointTombstoneV1``)."""

    id: str
    slug: str


class Pagination(_Model):
    """Cursor metadata of a list page (``PaginationResponseV1``)."""

    has_more: bool
    cursor: str | None = None


class EndpointPage(_Model):
    """One page of ``GET /v1/gateway/endpoints`` (``EndpointsResponseV1``)."""

    items: list[Endpoint]
    pagination: Pagination


class CreateEndpointRequest(_RequestModel):
    """Body of ``POST /v1/gateway/endpoints`` (``CreateEndpointRequestV1``)."""

    slug: str
    targets: list[Target] = Field(min_length=1, max_length=1)
    region: Region = Region.UNRESTRICTED


class UpdateEndpointRequest(_RequestModel):
    """Body of ``PATCH /v1/gateway/endpoints/{id}`` (``UpdateEndpointRequestV1``): targets only.

    The spec made the slug immutable on 2026-06-25; a slug change is a replacement.
    """

    targets: list[Target] = Field(min_length=1, max_length=1)
