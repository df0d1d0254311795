"""The ``Endpoint`` resource users declare in their Pulumi programs.

::

    Endpoint("glm", slug="my-org/glm-5.2", targets=[TargetArgs(provider="BASETEN", model_id="3kZ9xqd")])

``TargetArgs`` and ``VertexConfigArgs`` (generated in ``types.py`` from the API models) are ``TypedDict``s:
they type-check like argument classes and are plain dicts at run time, so dicts written by hand work too.
The constructor's inputs and the output attributes follow the declaration
(``resources/endpoint/resource.py``), which a test checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import Resource

from ..provider import EndpointProvider
from ..resources.endpoint.resource import ENDPOINT, ENDPOINT_TYPE_TOKEN
from .types import TargetArgs, VertexConfigArgs

__all__ = ["ENDPOINT_TYPE_TOKEN", "Endpoint", "EndpointArgs", "TargetArgs", "VertexConfigArgs"]


@dataclass
class EndpointArgs:
    """The inputs of an ``Endpoint``, for those who prefer an args object to keyword arguments."""

    slug: pulumi.Input[str]
    targets: pulumi.Input[Sequence[pulumi.Input[TargetArgs]]]
    region: pulumi.Input[str] | None = None
    adopt: pulumi.Input[bool] | None = None


class Endpoint(Resource, module="baseten-gateway", name="Endpoint"):
    """A Frontier Gateway endpoint: a globally unique slug routed to exactly one target.

    Changing ``slug`` or ``region`` replaces the endpoint (a new slug is created before the old one is
    deleted); changing ``targets`` updates it in place. ``adopt=True`` takes over an endpoint that already
    exists with this slug in the workspace, instead of failing on the duplicate: the way to bring an
    existing endpoint under management (``pulumi import`` does not work for Python dynamic resources).
    """

    endpoint_id: pulumi.Output[str]
    """The endpoint's id in the API."""
    slug: pulumi.Output[str]
    targets: pulumi.Output[list[dict[str, Any]]]
    """The targets as the API returns them (unset fields and a production environment omitted)."""
    region: pulumi.Output[str]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: EndpointArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        slug: pulumi.Input[str] | None = None,
        targets: pulumi.Input[Sequence[pulumi.Input[TargetArgs]]] | None = None,
        region: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
    ) -> None:
        if args is not None:
            if any(value is not None for value in (slug, targets, region, adopt)):
                raise TypeError("Endpoint takes either an EndpointArgs or keyword inputs, not both")
            slug, targets, region, adopt = args.slug, args.targets, args.region, args.adopt
        props: dict[str, Any] = {
            "slug": slug,
            "targets": targets,
            "region": region,
            "adopt": adopt,
            # Output-only properties must be declared to appear on the resource (pulumi/pulumi#6678).
            **{prop.name: None for prop in ENDPOINT.output_only},
        }
        super().__init__(EndpointProvider(), resource_name, props, opts)
        # The same value as the id, which a preview knows for an endpoint being updated: so what refers
        # to it is not shown as changing when only its targets change (a dynamic provider's outputs are
        # all unknown in a preview of an update).
        self.endpoint_id = self.id

    @staticmethod
    def get(
        resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Endpoint:
        """Read an existing endpoint by its id into a (read-only) resource."""
        return Endpoint(resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))
