"""Properties between the engine's wire form and the cores' plain dicts.

On the wire a resource's properties are a ``google.protobuf.Struct`` with the schema's camelCase names
(``endpointId``, ``targets[0].modelId``); the cores speak the declarations' snake_case names
(:func:`from_wire` and :func:`to_wire`, by the declaration). A value the engine does not know yet
(preview) travels as :data:`UNKNOWN` and stays one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc

from ..resources.declaration import from_schema_names as from_wire
from ..resources.declaration import to_schema_names as to_wire

__all__ = ["UNKNOWN", "from_wire", "is_unknown", "struct", "to_wire", "unstruct"]

#: The engine's placeholder for a value not known until apply.
UNKNOWN: str = rpc.UNKNOWN


def is_unknown(value: object) -> bool:
    return isinstance(value, str) and value == UNKNOWN


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update({key: value for key, value in values.items() if value is not None})
    return message


#: Pulumi's marker of a secret value on the wire: ``{SECRET_SIG: SECRET_VALUE, "value": ...}``.
_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # noqa: S105 (a marker, not a secret)
_SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105


def _unwrap_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(_SECRET_SIG) == _SECRET_VALUE:
            return _unwrap_secrets(value.get("value"))
        return {key: _unwrap_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(item) for item in value]
    return value


def unstruct(message: struct_pb2.Struct) -> dict[str, Any]:
    """The properties as plain data. Secrets arrive unwrapped (the engine keeps track of which are)."""
    values: dict[str, Any] = _unwrap_secrets(json_format.MessageToDict(message))
    return values
