"""The functions (look-ups) for Python programs on the dynamic provider: plain functions of the package.

``get_endpoint(slug=...)`` runs in the program's own process, through the client its stack config gives
(``baseten:apiKey``, ``baseten:apiUrl``, ...; else the environment): the dynamic provider has no
``Invoke`` for the engine to route a function to. So, like every Pulumi function, it runs at preview as
well as at ``up``. Each has an ``_output`` form that takes inputs (another resource's outputs) and
returns an ``Output``: unknown while its arguments are (a preview of a stack that creates them), run once
they are known. A look-up that finds nothing raises :class:`~pulumi_baseten_gateway.FunctionError`, one
line naming the function and the argument. What they do is ``resources/functions.py``, shared with the
native plugin's ``Invoke``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi

from ..resources.functions import FUNCTIONS, GET_ENDPOINT, GET_GROUP, GET_GROUP_USAGE, GET_SECRET, invoke
from ..settings import Settings
from .types import GetEndpointResult, GetGroupResult, GetGroupUsageResult, GetSecretResult

if TYPE_CHECKING:
    from ..api import GatewayClient
    from ..resources.declaration import FunctionDecl

__all__ = [
    "get_endpoint",
    "get_endpoint_output",
    "get_group",
    "get_group_output",
    "get_group_usage",
    "get_group_usage_output",
    "get_secret",
    "get_secret_output",
]


def _client() -> GatewayClient:
    """The client of the program's stack config (``baseten:*``), else of the environment."""
    return Settings.read(pulumi.runtime.get_config).client()


def _run(decl: FunctionDecl, **args: Any) -> dict[str, Any]:
    return invoke(FUNCTIONS[decl.token], _client, {k: v for k, v in args.items() if v is not None})


def get_endpoint(*, slug: str | None = None, endpoint_id: str | None = None) -> GetEndpointResult:
    """The workspace's endpoint with this ``slug`` or ``endpoint_id`` (exactly one)."""
    return GetEndpointResult(**_run(GET_ENDPOINT, slug=slug, endpoint_id=endpoint_id))


def get_endpoint_output(
    *, slug: pulumi.Input[str | None] = None, endpoint_id: pulumi.Input[str | None] = None
) -> pulumi.Output[GetEndpointResult]:
    """:func:`get_endpoint` of inputs, once they are known."""
    return pulumi.Output.all(slug, endpoint_id).apply(lambda a: get_endpoint(slug=a[0], endpoint_id=a[1]))


def get_group(*, external_entity_id: str | None = None, group_id: str | None = None) -> GetGroupResult:
    """The workspace's group with this ``external_entity_id`` or ``group_id`` (exactly one)."""
    return GetGroupResult(**_run(GET_GROUP, external_entity_id=external_entity_id, group_id=group_id))


def get_group_output(
    *, external_entity_id: pulumi.Input[str | None] = None, group_id: pulumi.Input[str | None] = None
) -> pulumi.Output[GetGroupResult]:
    """:func:`get_group` of inputs, once they are known."""
    return pulumi.Output.all(external_entity_id, group_id).apply(
        lambda a: get_group(external_entity_id=a[0], group_id=a[1])
    )


def get_secret(*, name: str, team_id: str | None = None) -> GetSecretResult:
    """The metadata of the secret named ``name`` (in the team ``team_id``, when given): never its value."""
    return GetSecretResult(**_run(GET_SECRET, name=name, team_id=team_id))


def get_secret_output(
    *, name: pulumi.Input[str], team_id: pulumi.Input[str | None] = None
) -> pulumi.Output[GetSecretResult]:
    """:func:`get_secret` of inputs, once they are known."""
    return pulumi.Output.all(name, team_id).apply(lambda a: get_secret(name=a[0], team_id=a[1]))


def get_group_usage(*, group_id: str) -> GetGroupUsageResult:
    """The current window of each usage limit of the group, by model slug."""
    return GetGroupUsageResult(**_run(GET_GROUP_USAGE, group_id=group_id))


def get_group_usage_output(*, group_id: pulumi.Input[str]) -> pulumi.Output[GetGroupUsageResult]:
    """:func:`get_group_usage` of an input, once it is known."""
    return pulumi.Output.from_input(group_id).apply(lambda value: get_group_usage(group_id=value))
