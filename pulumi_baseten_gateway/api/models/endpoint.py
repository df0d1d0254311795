"""The endpoint's API objects (msgspec structs after the public spec's ``EndpointV1``, ``EndpointTargetV1``,
``EndpointsResponseV1``, ...) and which target fields each provider needs (:data:`PROVIDER_FIELDS`).

Response models ignore unknown fields so a server that grows a field does not break existing stacks;
request models forbid them so a typo is an error rather than a silently dropped setting. The ``Meta``
descriptions are the documentation of the nested types. Adding a target field is one edit here (a
``Target`` field, and its providers in :data:`PROVIDER_FIELDS`), then ``make schema``: the rules, the docs
and the schema read it; nothing else lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Final

import msgspec
from msgspec import Meta

from .base import ApiObject, ApiRequest, Pagination, Variant

__all__ = [
    "PROVIDER_FIELDS",
    "REGION_DOCS",
    "CreateEndpointRequest",
    "EndpointInfo",
    "EndpointPage",
    "EndpointTombstone",
    "Region",
    "Target",
    "TargetProvider",
    "UpdateEndpointRequest",
    "VertexConfig",
]


class TargetProvider(str, Enum):
    """Upstream provider of a target (`GatewayProvider` in the API spec). It decides which other target
    fields are required or forbidden."""

    BASETEN = "BASETEN"
    ANTHROPIC = "ANTHROPIC"
    OPENAI = "OPENAI"
    BASETEN_MODEL_API = "BASETEN_MODEL_API"
    VERTEX = "VERTEX"
    OPENAI_COMPATIBLE = "OPENAI_COMPATIBLE"


class Region(str, Enum):
    """Region an endpoint's routing serves (`SharedEndpointRegionV1` in the API spec)."""

    UNRESTRICTED = "UNRESTRICTED"
    EU = "EU"


class VertexConfig(ApiObject, frozen=True, kw_only=True):
    """Google Vertex configuration of a `VERTEX` target. Required for and only valid with `VERTEX`."""

    project_id: Annotated[str, Meta(description="Google Cloud project id, e.g. `my-gcp-project`.")]
    location: Annotated[str, Meta(description="Vertex location, e.g. `global`.")]


class Target(ApiObject, omit_defaults=True, frozen=True, kw_only=True):
    """One upstream target of an endpoint. `provider` decides which other fields are required and which
    are forbidden; an invalid combination (e.g. `model_id` on an `OPENAI` target) is rejected."""

    # As sent (``EndpointTargetRequestV1``) and as returned (``EndpointTargetV1``): the two spec schemas
    # have the same fields. Which fields a provider needs or forbids is PROVIDER_FIELDS, below.
    provider: Annotated[TargetProvider, Meta(description="Upstream provider for the target.")]
    model_id: Annotated[
        str | None,
        Meta(
            description="The Baseten model the slug routes to, e.g. `3kZ9xqd`. "
            "Required for and only valid with `BASETEN`."
        ),
    ] = None
    environment_name: Annotated[
        str | None,
        Meta(
            description="Baseten model environment to route to, e.g. `staging`. Only valid for `BASETEN` "
            "targets. Omit it, or pass `production`, to target production (the API omits it for production, "
            "so `production` is normalised away). An unknown environment is rejected."
        ),
    ] = None
    secret_id: Annotated[
        str | None,
        Meta(
            description="Id of the Baseten secret holding the provider credential. Required for `ANTHROPIC`, "
            "`OPENAI` and `OPENAI_COMPATIBLE`; optional for `VERTEX` and `BASETEN_MODEL_API`; not valid for "
            "`BASETEN`."
        ),
    ] = None
    target_model: Annotated[
        str | None,
        Meta(
            description="Upstream model name to send, e.g. `gpt-4o`. Required for external providers; "
            "optional for `BASETEN`."
        ),
    ] = None
    base_url: Annotated[
        str | None,
        Meta(
            description="HTTPS base URL of the upstream OpenAI-compatible server, e.g. "
            "`https://my-vllm.example.com`. Must not include a port. Required for and only valid with "
            "`OPENAI_COMPATIBLE`."
        ),
    ] = None
    vertex_config: Annotated[
        VertexConfig | None,
        Meta(description="Google Vertex configuration. Required for and only valid with `VERTEX`."),
    ] = None

    def to_api(self) -> dict[str, Any]:
        """The JSON body form: set fields only, enums as their values."""
        body: dict[str, Any] = msgspec.to_builtins(self)
        return body


class EndpointInfo(ApiObject, frozen=True, kw_only=True):
    """A routing slug and its target (``EndpointV1``)."""

    id: str
    slug: str
    region: Region = Region.UNRESTRICTED
    targets: list[Target]
    created_at: datetime
    updated_at: datetime


class EndpointTombstone(ApiObject, frozen=True, kw_only=True):
    """What a delete returns (``EndpointTombstoneV1``)."""

    id: str
    slug: str


class EndpointPage(ApiObject, frozen=True, kw_only=True):
    """One page of ``GET /v1/gateway/endpoints`` (``EndpointsResponseV1``)."""

    items: list[EndpointInfo]
    pagination: Pagination


class CreateEndpointRequest(ApiRequest, frozen=True, kw_only=True):
    """Body of ``POST /v1/gateway/endpoints`` (``CreateEndpointRequestV1``)."""

    slug: str
    targets: Annotated[list[Target], Meta(min_length=1, max_length=1)]
    region: Region = Region.UNRESTRICTED


class UpdateEndpointRequest(ApiRequest, frozen=True, kw_only=True):
    """Body of ``PATCH /v1/gateway/endpoints/{id}`` (``UpdateEndpointRequestV1``): targets only.

    The spec made the slug immutable on 2026-06-25; a slug change is a replacement.
    """

    targets: Annotated[list[Target], Meta(min_length=1, max_length=1)]


#: Which target fields each provider requires and allows; every other ``Target`` field is forbidden.
#: Each entry follows a sentence of the public spec or docs; ``tests/oracle.py`` parses them and
#: ``tests/test_endpoint_rules_oracle.py`` holds this table, the rules and the emulator to them.
#:
#: Where the sources disagree (the one choice made here): ``secret_id`` is optional, not required, for
#: VERTEX and BASETEN_MODEL_API. The spec says "Required for external providers." and its
#: ``GatewayProvider`` makes every provider but BASETEN external; the docs say "Required for external
#: providers (`ANTHROPIC`, `OPENAI`)." ``secret_id`` dates from 2026-06-22, when ANTHROPIC and OPENAI were
#: the only external providers; VERTEX and BASETEN_MODEL_API were added in July and neither source names
#: them for a credential (a Model API is Baseten's own; Vertex may use Baseten's). Requiring it could make
#: a valid endpoint impossible to declare, while leaving it optional costs at worst the API's own 400.
#: OPENAI_COMPATIBLE keeps it required: the spec's example for it carries one, and a third-party server's
#: credential can only come from a secret. Tested by ``test_the_one_choice_where_the_sources_disagree``.
PROVIDER_FIELDS: Final[Mapping[TargetProvider, Variant]] = {
    TargetProvider.BASETEN: Variant(
        "A Baseten deployment", frozenset({"model_id"}), frozenset({"environment_name", "target_model"})
    ),
    TargetProvider.ANTHROPIC: Variant("Anthropic", frozenset({"secret_id", "target_model"})),
    TargetProvider.OPENAI: Variant("OpenAI", frozenset({"secret_id", "target_model"})),
    TargetProvider.BASETEN_MODEL_API: Variant(
        "A Baseten Model API", frozenset({"target_model"}), frozenset({"secret_id"})
    ),
    TargetProvider.VERTEX: Variant(
        "Google Vertex", frozenset({"vertex_config", "target_model"}), frozenset({"secret_id"})
    ),
    TargetProvider.OPENAI_COMPATIBLE: Variant(
        "An OpenAI-compatible server", frozenset({"base_url", "secret_id", "target_model"})
    ),
}

REGION_DOCS: Final[Mapping[Region, str]] = {
    Region.UNRESTRICTED: "No regional restriction (the default).",
    Region.EU: "Routing restricted to the EU.",
}
