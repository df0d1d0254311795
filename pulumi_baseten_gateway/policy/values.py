"""Property values as the policies see them: plain data, with every unknown replaced by :data:`UNKNOWN`.

Two things the SDK does not do for us, handled here:

* Property values arrive as the SDK's proxy objects, which are ``Sequence``/``Mapping`` but not
  ``list``/``dict``; they are copied into plain data first (:func:`plain_value`).
* Reading a value that is unknown during preview raises ``pulumi_policy.proxy.UnknownValueError``, and
  the SDK then skips the whole policy with an advisory "can't run policy ... during preview". The copy
  catches it per value and puts :data:`UNKNOWN` in its place, so the rules skip only what is unknown and
  still check the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from ..api.rules.common import is_sequence
from ..resources.declaration import ResourceDecl, from_schema_names

__all__ = ["UNKNOWN", "declared_props", "is_unknown", "plain_value", "prop"]


class _Unknown:
    """Stands for a value Pulumi cannot know yet (preview); one instance, :data:`UNKNOWN`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unknown>"


#: Put in place of every value that was unknown when :func:`plain_value` copied the properties.
UNKNOWN: Final = _Unknown()

_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


def is_unknown(value: object) -> bool:
    """True for :data:`UNKNOWN` and for the raw protocol sentinels (props not wrapped in the SDK's proxy)."""
    return value is UNKNOWN or (isinstance(value, str) and value in _UNKNOWN_SENTINELS)


def plain_value(value: object) -> object:
    """A plain ``dict``/``list`` copy of a property value, each unknown replaced by :data:`UNKNOWN`.

    Works on the SDK's proxies (reading an unknown item raises ``UnknownValueError``, caught per item)
    and on ordinary data, so the rules never see a proxy and never trip over an unknown.
    """
    if isinstance(value, Mapping):
        copied: dict[object, object] = {}
        for key in value:  # iterating a proxy's keys never raises; reading an unknown value does
            try:
                item = value[key]
            except UnknownValueError:
                copied[key] = UNKNOWN
            else:
                copied[key] = plain_value(item)
        return copied
    if is_sequence(value):
        assert isinstance(value, Sequence)
        items: list[object] = []
        for index in range(len(value)):
            try:
                item = value[index]
            except UnknownValueError:
                items.append(UNKNOWN)
            else:
                items.append(plain_value(item))
        return items
    return UNKNOWN if is_unknown(value) else value


def prop(props: Mapping[str, Any], key: str) -> object:
    """One input as plain data: None when absent, :data:`UNKNOWN` when unknown."""
    try:
        value = props[key]
    except KeyError:
        return None
    except UnknownValueError:
        return UNKNOWN
    return plain_value(value)


def declared_props(decl: ResourceDecl, resource_type: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """Every property as plain data under the declaration's names (snake_case).

    The native provider's resources (``decl.token``) carry the schema's camelCase names
    (``rateLimits``), the Python dynamic provider's the declaration's own (``rate_limits``).
    """
    values = {key: prop(props, key) for key in props}
    return from_schema_names(decl, values) if resource_type == decl.token else values
