"""The Terraform schema of the provider, derived from the same declarations as ``schema.json``.

Names: a resource's type is ``basetengateway_<name>`` (``Endpoint`` -> ``basetengateway_endpoint``,
``GatewayApiKey`` -> ``basetengateway_api_key``: the provider's name already says gateway), a data source's
is its function's (``getGroupUsage`` -> ``basetengateway_group_usage``), and attributes keep the
declarations' snake_case names, as Terraform writes them. Each resource also has ``id``, the id the
lifecycle core gives it (what ``tofu import`` takes).

Types: strings, numbers, booleans and enums as such; a list or a single API object as a nested attribute
(so an object's optional fields may be left out in HCL), a set where the declaration says order is
irrelevant (``Prop.ordered``); maps and output-only values as plain types. Flags: a required input is
required, any other input optional (and computed where the API fills it in), an output only computed; a
secret is sensitive.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from tf.gen import tfplugin_pb2 as pb

from ..api.models.base import is_model, model_fields, non_optional
from ..resources.declaration import FunctionDecl, Prop, ResourceDecl
from ..settings import SETTINGS, TERRAFORM_PROVIDER, Setting

__all__ = [
    "SCHEMA_VERSION",
    "Attr",
    "data_source_name",
    "data_source_schema",
    "provider_schema",
    "resource_attrs",
    "resource_name",
    "resource_schema",
]

#: The version of every resource's state schema (``UpgradeResourceState`` upgrades older states to it).
SCHEMA_VERSION = 0

_SIMPLE: Mapping[Any, str] = {str: "string", bool: "bool", int: "number", float: "number"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def resource_name(decl: ResourceDecl) -> str:
    """``Endpoint`` -> ``basetengateway_endpoint``; ``RegisteredGatewayApiKey`` ->
    ``basetengateway_registered_api_key``."""
    return f"{TERRAFORM_PROVIDER}_{_snake(decl.name).replace('gateway_', '')}"


def data_source_name(decl: FunctionDecl) -> str:
    """``getGroupUsage`` -> ``basetengateway_group_usage``."""
    return f"{TERRAFORM_PROVIDER}_{_snake(decl.name.removeprefix('get'))}"


def cty_type(annotation: Any, *, ordered: bool = True) -> Any:
    """The cty type (its JSON form) of a declared type."""
    annotation = non_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return ["list" if ordered else "set", cty_type(item, ordered=ordered)]
    if origin is dict:
        _, item = typing.get_args(annotation)
        return ["map", cty_type(item, ordered=ordered)]
    if annotation in _SIMPLE:
        return _SIMPLE[annotation]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "string"
    if is_model(annotation):
        return ["object", {f.name: cty_type(f.type, ordered=ordered) for f in model_fields(annotation)}]
    raise TypeError(f"no Terraform type for {annotation!r}")


@dataclass(frozen=True)
class Attr:
    """One attribute: its name, declared type, description and flags."""

    name: str
    type: Any
    description: str
    required: bool = False
    optional: bool = False
    computed: bool = False
    sensitive: bool = False
    replaces: bool = False
    ordered: bool = True

    def to_pb(self) -> pb.Schema.Attribute:
        flags = {
            "required": self.required,
            "optional": self.optional,
            "computed": self.computed,
            "sensitive": self.sensitive,
        }
        common = {"name": self.name, "description": self.description, "description_kind": pb.MARKDOWN}
        nested = _nested(self.type, ordered=self.ordered, computed=self.computed and not self.optional)
        if nested is not None and not self.computed:
            return pb.Schema.Attribute(**common, nested_type=nested, **flags)
        type_json = json.dumps(cty_type(self.type, ordered=self.ordered), separators=(",", ":"))
        return pb.Schema.Attribute(**common, type=type_json.encode(), **flags)


def _nested(annotation: Any, *, ordered: bool, computed: bool) -> pb.Schema.Object | None:
    """A nested attribute's object for a list (set) of API objects or a single one; None for other types."""
    annotation = non_optional(annotation)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        nesting = pb.Schema.Object.LIST if ordered else pb.Schema.Object.SET
    else:
        item, nesting = annotation, pb.Schema.Object.SINGLE
    if not is_model(item):
        return None
    attributes = [
        Attr(
            f.name,
            f.type,
            f.description,
            required=f.required and not computed,
            optional=not f.required and not computed,
            computed=computed,
            ordered=ordered,
        ).to_pb()
        for f in model_fields(item)
    ]
    return pb.Schema.Object(attributes=attributes, nesting=nesting)


def resource_attrs(decl: ResourceDecl) -> dict[str, Attr]:
    """Every attribute of a resource, ``id`` first, by name."""
    attrs = {"id": Attr("id", str, f"The {decl.name}'s id (what `tofu import` takes).", computed=True)}
    for prop in decl.props:
        attrs[prop.name] = _prop_attr(prop)
    return attrs


def _prop_attr(prop: Prop) -> Attr:
    return Attr(
        prop.name,
        prop.type,
        prop.description,
        required=prop.input and prop.required,
        optional=prop.input and not prop.required,
        computed=not prop.input or (prop.output and prop.api_fills),
        sensitive=prop.secret,
        replaces=prop.input and prop.replaces,
        ordered=prop.ordered,
    )


def _block(attrs: list[Attr], description: str) -> pb.Schema.Block:
    return pb.Schema.Block(
        attributes=[a.to_pb() for a in attrs], description=description, description_kind=pb.MARKDOWN
    )


def resource_schema(decl: ResourceDecl) -> pb.Schema:
    return pb.Schema(
        version=SCHEMA_VERSION, block=_block(list(resource_attrs(decl).values()), decl.description)
    )


def data_source_attrs(decl: FunctionDecl) -> dict[str, Attr]:
    """A data source's attributes: its arguments (required or optional; computed too when also a result)
    and its results (computed)."""
    results = {p.name: p for p in decl.result.props}
    attrs = {}
    for arg in decl.args.props:
        also_result = arg.name in results
        attrs[arg.name] = Attr(
            arg.name,
            arg.type,
            arg.description,
            required=arg.required,
            optional=not arg.required,
            computed=also_result and not arg.required,
        )
    for prop in decl.result.props:
        if prop.name not in attrs:
            attrs[prop.name] = Attr(
                prop.name, prop.type, prop.description, computed=True, ordered=prop.ordered
            )
    return attrs


def data_source_schema(decl: FunctionDecl) -> pb.Schema:
    return pb.Schema(version=0, block=_block(list(data_source_attrs(decl).values()), decl.description))


def setting_attr(setting: Setting, description: str) -> Attr:
    """A provider block attribute: the setting's snake_case name, optional, sensitive if a credential."""
    return Attr(
        setting.attribute,
        setting.type,
        f"{description} Environment variable: `{setting.env}`.",
        optional=True,
        sensitive=setting.secret,
    )


def provider_schema(descriptions: Mapping[str, str]) -> pb.Schema:
    """The provider block: every setting, described as ``schema.json`` describes it."""
    attrs = [setting_attr(s, descriptions[s.name]) for s in SETTINGS]
    text = "Settings of the Baseten Frontier Gateway provider; each falls back to its environment variable."
    return pb.Schema(version=0, block=_block(attrs, text))
