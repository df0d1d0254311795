"""Values between Terraform's wire form and the cores' plain dicts.

On the wire (msgpack, decoded by ``tf``) an object carries every attribute of its type, null where unset,
and a value not known until apply is ``tf.types.Unknown``. The cores take what a user wrote: the nulls of
nested objects are left out (an unset field), unknowns stay as they are (the cores skip them). Going back,
every object is filled out to its full type again, a field at its default (an empty list) as null.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any

import msgpack
import msgspec
from tf.gen import tfplugin_pb2 as pb
from tf.types import Unknown

from ..api.models.base import ModelField, is_model, model_fields, non_optional
from .schema import Attr

__all__ = ["Unknown", "contains_unknown", "decode", "from_tf", "is_unknown", "to_tf"]

#: cty's msgpack extensions: an unknown value (0), and one with refinements (12: "a string starting with
#: `demo-`", "not null"), which a plan passes for an interpolated string. Both are unknown here.
_UNKNOWN_EXTENSIONS = (0, 12)


def _extension(code: int, data: bytes) -> Any:
    if code in _UNKNOWN_EXTENSIONS:
        return Unknown
    return msgpack.ExtType(code, data)


def decode(value: pb.DynamicValue) -> dict[str, Any] | None:
    """A state, plan or configuration from the wire (msgpack, or JSON); None for a null one."""
    if value.msgpack:
        decoded: dict[str, Any] | None = msgpack.unpackb(value.msgpack, ext_hook=_extension)
        return decoded
    if value.json:
        import json

        loaded: dict[str, Any] = json.loads(value.json)
        return loaded
    return None


def is_unknown(value: object) -> bool:
    return value is Unknown


def contains_unknown(value: object) -> bool:
    if value is Unknown:
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def from_tf(attrs: Mapping[str, Attr], state: Mapping[str, Any]) -> dict[str, Any]:
    """A state, plan or configuration as a core takes it: declared attributes only (not ``id``), nested
    objects without their null fields."""
    return {name: _without_nulls(state.get(name)) for name in attrs if name != "id"}


def _unless_default(value: Any, field: ModelField) -> Any:
    """A field at its default as unset (null): an empty ``usage_limits`` is one left out, as users do."""
    if field.required or value is None:
        return value
    default = field.default_factory() if field.default_factory is not msgspec.NODEFAULT else field.default
    return None if value == default else value


def _encode(value: Any, annotation: Any) -> Any:
    if value is None or value is Unknown:
        return value
    annotation = non_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return [_encode(v, item) for v in value]
    if origin is dict:
        _, item = typing.get_args(annotation)
        return {k: _encode(v, item) for k, v in value.items()}
    if is_model(annotation):
        return {
            f.name: _encode(_unless_default(value.get(f.name), f), f.type) for f in model_fields(annotation)
        }
    if isinstance(value, Enum):
        return value.value
    return value


def to_tf(attrs: Mapping[str, Attr], values: Mapping[str, Any]) -> dict[str, Any]:
    """Values by attribute name, as the wire needs them: every attribute, every object complete."""
    return {name: _encode(values.get(name), attr.type) for name, attr in attrs.items()}
