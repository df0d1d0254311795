"""The functions (look-ups), declared once and run once: ``getEndpoint``, ``getGroup``, ``getSecret``,
``getGroupUsage``.

A platform team looks up what another stack or a person made: an endpoint by its slug, a group by the
customer's ``externalEntityId``, a secret's id by its name. Each function is a :class:`FunctionDecl` (its
arguments and result, from which the schema's ``functions`` and the SDKs' functions derive; the results
reuse the resources' declared outputs) and a look-up through the client. Both adapters call :func:`invoke`:
the native plugin's ``Invoke`` and the plain functions of the Python package (``dynamic/functions.py``).

Arguments are checked before any request (exactly one of the ``one_of`` arguments; each by the resource's
own field rule). A look-up that finds nothing, or fails, is one :class:`FunctionError` line naming the
function and the argument. What each costs: ``getEndpoint`` by ``endpointId`` one GET, by ``slug`` one list
request per 1,000 endpoints (the API has no slug filter); ``getGroup`` one request either way (the list's
``external_entity_id`` filter); ``getSecret`` one (the secret list is not paginated); ``getGroupUsage`` one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import msgspec

from ..api.models.group import GroupUsage, GroupUsageEntry
from ..api.rules import endpoint as endpoint_rules
from ..api.rules import group as group_rules
from ..api.rules import secret as secret_rules
from ..api.rules.common import Violation, validate_string
from ..errors import FunctionError, GatewayError, NotFoundError
from .declaration import FunctionDecl, Prop, Props, ResourceDecl
from .endpoint import core as endpoint_core
from .endpoint.resource import ENDPOINT
from .group import core as group_core
from .group.resource import GROUP
from .secret import core as secret_core
from .secret.resource import SECRET

if TYPE_CHECKING:
    from ..api import GatewayClient

__all__ = [
    "FUNCTIONS",
    "GET_ENDPOINT",
    "GET_GROUP",
    "GET_GROUP_USAGE",
    "GET_SECRET",
    "Function",
    "check_arguments",
    "invoke",
]

#: Outputs that may be null: a group's name, a root group's parent, a secret's team id when none is given.
_NULLABLE = {"name", "parent_group_id", "team_id"}


def _first_sentence(text: str) -> str:
    """What a property is, without what changing it does (a function's result is never changed)."""
    match = re.match(r"(.*?\.)(?=\s+[A-Z]|$)", text, re.DOTALL)
    return match.group(1) if match else text


def _results(decl: ResourceDecl, *, leave_out: tuple[str, ...] = ()) -> tuple[Prop, ...]:
    """A resource's outputs as a function's result: each never null unless it may be."""
    return tuple(
        dataclasses.replace(
            p,
            description=_first_sentence(p.description),
            input=False,
            replaces=False,
            default=None,
            required=p.name not in _NULLABLE,
        )
        for p in decl.outputs
        if p.name not in leave_out
    )


def _argument(decl: ResourceDecl, name: str, description: str, *, required: bool = False) -> Prop:
    """An argument of the type of the resource's property ``name``."""
    return Prop(name, decl.prop(name).type, description, output=False, required=required)


GET_ENDPOINT: Final = FunctionDecl(
    name="getEndpoint",
    description=(
        "Look up an existing endpoint of the workspace by its `slug` or its `endpointId` (exactly one): an "
        "endpoint another stack or a person manages. Fails, naming the argument, when there is none. By "
        "`endpointId`: one request; by `slug`: one request per 1,000 endpoints of the workspace (the API has "
        "no slug filter)."
    ),
    args=Props(
        (
            _argument(ENDPOINT, "slug", "The endpoint's slug, formatted `{org_prefix}/{name}`."),
            _argument(ENDPOINT, "endpoint_id", "The endpoint's id (the `endpointId` of an `Endpoint`)."),
        )
    ),
    result=Props(_results(ENDPOINT)),
    one_of=("slug", "endpoint_id"),
)

GET_GROUP: Final = FunctionDecl(
    name="getGroup",
    description=(
        "Look up an existing group of the workspace by its `externalEntityId` or its `groupId` (exactly "
        "one). Fails, naming the argument, when there is none. One request either way."
    ),
    args=Props(
        (
            _argument(GROUP, "external_entity_id", "The group's `externalEntityId` (your customer's id)."),
            _argument(GROUP, "group_id", "The group's id (the `groupId` of a `Group`)."),
        )
    ),
    result=Props(_results(GROUP)),
    one_of=("external_entity_id", "group_id"),
)

GET_SECRET: Final = FunctionDecl(
    name="getSecret",
    description=(
        "Look up an existing secret of the workspace by its name: its id (for a target's `secretId`), team "
        "and creation time. Never its value: the API does not return values. Fails, naming the argument, "
        "when there is none. One request."
    ),
    args=Props(
        (
            _argument(SECRET, "name", "The secret's name.", required=True),
            _argument(
                SECRET,
                "team_id",
                "The id of the team whose secrets to look in. Omitted: every team the API key sees "
                "(a name is unique only within a team: the first one listed).",
            ),
        )
    ),
    result=Props(_results(SECRET, leave_out=("value",))),
)

GET_GROUP_USAGE: Final = FunctionDecl(
    name="getGroupUsage",
    description=(
        "The current window of each usage limit of a group, by model slug: how much its keys have used of "
        "each `(type, unit)` limit and when the window resets. Only models with usage limits appear (rate "
        "limits never do); a group without any has an empty `usage`. Fails, naming the argument, when "
        "there is no such group. One request."
    ),
    args=Props(
        (_argument(GROUP, "group_id", "The group's id (the `groupId` of a `Group`).", required=True),)
    ),
    result=Props(
        (
            Prop("group_id", str, "The group's id.", required=True),
            Prop(
                "customer_id",
                str,
                "The group's `externalEntityId`, as the API calls it here; null when the API leaves it "
                "out (a group with no usage limit may be answered with an empty object).",
            ),
            Prop(
                "usage",
                dict[str, list[GroupUsageEntry]],
                "By model slug, one entry per `(type, unit)` usage limit of that model.",
                required=True,
            ),
        )
    ),
)


#: A look-up: the client, the arguments, the one that was given; the result, or None when nothing matched.
LookUp = Callable[["GatewayClient", Mapping[str, Any], str], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Function:
    """A function: its declaration, what it finds (``noun``), the field rule of each argument, its look-up."""

    declaration: FunctionDecl
    noun: str
    rules: Mapping[str, Callable[[object, str], list[Violation]]]
    look_up: LookUp


def _endpoint(client: GatewayClient, args: Mapping[str, Any], by: str) -> dict[str, Any] | None:
    if by == "slug":
        endpoint = client.endpoints.find_by_slug(args["slug"])
    else:
        endpoint = client.endpoints.get(args["endpoint_id"])
    return None if endpoint is None else endpoint_core.outputs_of(endpoint)


def _group(client: GatewayClient, args: Mapping[str, Any], by: str) -> dict[str, Any] | None:
    if by == "external_entity_id":
        group = client.groups.find(args["external_entity_id"])
    else:
        group = client.groups.get(args["group_id"])
    return None if group is None else group_core.outputs_of(group)


def _secret(client: GatewayClient, args: Mapping[str, Any], by: str) -> dict[str, Any] | None:
    team_id = args.get("team_id")
    secret = client.secrets.find(name=args["name"], team_id=team_id)
    if secret is None:
        return None
    # The resource's outputs but the value (the API never returns one); the team id is the one looked in:
    # the API names a secret's team, not its id.
    outputs = secret_core.outputs_of(secret, None, team_id)
    del outputs["value"]
    return outputs


def _group_usage(client: GatewayClient, args: Mapping[str, Any], by: str) -> dict[str, Any] | None:
    usage: GroupUsage = client.groups.usage(args["group_id"])
    return {
        "group_id": args["group_id"],
        "customer_id": usage.customer_id,
        "usage": {slug: msgspec.to_builtins(entries) for slug, entries in sorted(usage.usage.items())},
    }


def _slug(value: object, path: str) -> list[Violation]:
    return endpoint_rules.validate_slug(value, path=path)


def _entity(value: object, path: str) -> list[Violation]:
    return group_rules.validate_text(value, path, required=True)


def _secret_name(value: object, path: str) -> list[Violation]:
    return secret_rules.validate_secret_name(value, path=path)


def _team_id(value: object, path: str) -> list[Violation]:
    return secret_rules.validate_team_id(value, path=path)


#: Every function, by its token.
FUNCTIONS: Final[Mapping[str, Function]] = {
    function.declaration.token: function
    for function in (
        Function(GET_ENDPOINT, "endpoint", {"slug": _slug, "endpoint_id": validate_string}, _endpoint),
        Function(GET_GROUP, "group", {"external_entity_id": _entity, "group_id": validate_string}, _group),
        Function(GET_SECRET, "secret", {"name": _secret_name, "team_id": _team_id}, _secret),
        Function(GET_GROUP_USAGE, "group", {"group_id": validate_string}, _group_usage),
    )
}


def _same(name: str) -> str:
    return name


def check_arguments(function: Function, args: Mapping[str, Any], name: Callable[[str], str] = _same) -> str:
    """The argument the caller finds the object by; a :class:`FunctionError` for anything else (no request:
    also what a Terraform data source's validation runs)."""
    decl = function.declaration
    known = {p.name for p in decl.args.props}
    for key in args:
        if key not in known and not key.startswith("__"):
            allowed = " or ".join(name(p.name) for p in decl.args.props)
            problem = f"{name(key)} is not an argument of {decl.name} (it takes {allowed})"
            raise FunctionError(decl.name, name(key), problem)
    if decl.one_of:
        given = [arg for arg in decl.one_of if args.get(arg) is not None]
        if len(given) != 1:
            choices = " or ".join(name(arg) for arg in decl.one_of)
            got = " and ".join(name(arg) for arg in given) or "neither"
            raise FunctionError(decl.name, None, f"give exactly one of {choices}, got {got}")
        by = given[0]
    else:
        (by,) = (p.name for p in decl.args.required)
    for arg in (by, *(a for a in function.rules if a != by and args.get(a) is not None)):
        for violation in function.rules[arg](args.get(arg), name(arg)):
            problem = f"{name(arg)} {violation.message} [{violation.rule}]"
            raise FunctionError(decl.name, name(arg), problem)
    return by


def invoke(
    function: Function,
    client: Callable[[], GatewayClient],
    args: Mapping[str, Any],
    *,
    name: Callable[[str], str] = _same,
) -> dict[str, Any]:
    """Run ``function`` with ``args`` (named as the declaration names them); its result, likewise named.

    ``client`` is called only once the arguments are valid. ``name`` renders an argument's name as the
    caller writes it (the schema's camelCase for the native plugin). Raises :class:`FunctionError`.
    """
    decl = function.declaration
    by = check_arguments(function, args, name)
    given = f"{name(by)} {args[by]!r}"
    try:
        result = function.look_up(client(), args, by)
    except NotFoundError:
        result = None
    except GatewayError as exc:
        raise FunctionError(decl.name, name(by), f"looking up {given}: {exc.detail}", exc) from None
    if result is None:
        raise FunctionError(decl.name, name(by), f"no {function.noun} has {given} in this workspace")
    return result
