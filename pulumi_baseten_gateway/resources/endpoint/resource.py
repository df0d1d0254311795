"""The endpoint resource, declared once: its properties (inputs, outputs, what replaces), its type token."""

from __future__ import annotations

from typing import Final

from ...api.models.endpoint import Region, Target
from ..declaration import Prop, ResourceDecl

__all__ = ["ENDPOINT", "ENDPOINT_TYPE_TOKEN"]

#: The Pulumi type token of the ``Endpoint`` resource. Policies match resources on it, so it is part of
ENDPOINT_TYPE_TOKEN = "pulumi-python:dynamic/baseten-gateway:Endpoint"  # noqa: S105 (not a secret)


ENDPOINT: Final = ResourceDecl(
    name="Endpoint",
    description=(
        "A Frontier Gateway endpoint: a globally unique routing slug (like `my-org/glm-5.2`) plus the target "
        "it points to.\n\nChanging `slug` or `region` replaces the endpoint (the API cannot change them in "
        "place); changing `targets` updates it in place. The gateway syncs endpoints every 60 seconds, so "
        "a change can take up to a minute to take effect. Set `adopt` to take over an endpoint that "
        "already exists with this slug in the workspace."
    ),
    id_property="endpoint_id",
    props=(
        Prop("endpoint_id", str, "Stable identifier of the endpoint in the API.", input=False),
        Prop(
            "slug",
            str,
            "Globally unique routing slug, formatted `{org_prefix}/{name}`. The `org_prefix` must be a "
            "prefix your organization owns (registered by Baseten during onboarding); both segments are "
            "URL-safe (letters, digits, `-`, `_`, `.`, `~`). Immutable: a change replaces the endpoint "
            "(the new slug is created before the old one is deleted).",
            required=True,
            replaces=True,
        ),
        Prop(
            "targets",
            list[Target],
            "The upstream targets, in priority order. Exactly one target is supported at this time: a list "
            "of length one. Updated in place. As an output: the targets as the API returns them, unset "
            "fields and a production `environment_name` omitted.",
            required=True,
        ),
        Prop(
            "region",
            Region,
            "Region the endpoint's routing serves. Defaults to `UNRESTRICTED`. Immutable: a change "
            "replaces the endpoint (the old one is deleted first, since the slug stays the same).",
            replaces=True,
            default=Region.UNRESTRICTED.value,
        ),
        Prop(
            "adopt",
            bool,
            "When true, take over an endpoint that already exists with this slug in the workspace "
            "(updating its targets to match) instead of failing on the duplicate slug. The way to bring "
            "an existing endpoint under management with the Python dynamic provider.",
            output=False,
        ),
        Prop(
            "created_at", str, "RFC 3339 UTC timestamp of creation, e.g. `2026-06-17T12:00:00Z`.", input=False
        ),
        Prop("updated_at", str, "RFC 3339 UTC timestamp of the last update.", input=False, recomputed=True),
    ),
)
