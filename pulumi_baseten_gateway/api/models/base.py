"""The shapes every API object is built from: response and request structs, the secret string type, how
their fields are read (:func:`model_fields`, :func:`non_optional`), pagination, and :class:`Variant` (what
one value of a discriminating enum requires). The bottom of the package: imports nothing of ours.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

__all__ = [
    "ApiObject",
    "ApiRequest",
    "ModelField",
    "Pagination",
    "SecretStr",
    "Variant",
    "decode_hook",
    "is_model",
    "model_fields",
    "non_optional",
]


# The API's objects are msgspec structs: decoding a response validates its types and constraints in C,
# and msgspec imports in a few milliseconds, which keeps the provider plugin's cold start close to a bare
# HTTP client's (pydantic alone took longer to import than the whole budget; benchmarks/README.md).
# Each model also says ``frozen=True, kw_only=True`` (msgspec does not inherit ``kw_only``, and type checkers
# want ``frozen`` repeated): immutable, and fields keep the API's order, required after optional ones
# where the API has them so.
class ApiObject(msgspec.Struct, frozen=True):
    """An object the API returns: unknown fields are ignored, so a server that grows one breaks nothing."""


class ApiRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A request body: unknown fields are an error, so a typo is not silently dropped."""


class SecretStr:
    """A string that no repr, ``str()``, log line or error shows; ``get_secret_value()`` reads it.

    The type of a field the API returns a credential in (a new federated key), decoded by
    :func:`decode_hook`.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def decode_hook(annotation: type, value: Any) -> Any:
    """Decodes the field types msgspec does not know (:class:`SecretStr`), for ``msgspec.json.decode``."""
    if annotation is SecretStr:
        if isinstance(value, str):
            return SecretStr(value)
        raise TypeError(f"Expected `str`, got `{type(value).__name__}`")
    raise NotImplementedError(f"no decoder for {annotation!r}")


@dataclass(frozen=True)
class ModelField:
    """One field of an API model: its name, type (``Annotated`` metadata removed), description,
    constraints, and its default (``msgspec.NODEFAULT`` when it has none); the schema, the Python
    argument types and the emulator read these."""

    name: str
    type: Any
    description: str
    constraints: Mapping[str, Any]
    default: Any
    default_factory: Any

    @property
    def required(self) -> bool:
        return self.default is msgspec.NODEFAULT and self.default_factory is msgspec.NODEFAULT


def is_model(annotation: Any) -> bool:
    """Whether ``annotation`` is an API model (an :class:`ApiObject` or :class:`ApiRequest` struct)."""
    return isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)


@functools.cache
def model_fields(model: type[msgspec.Struct]) -> tuple[ModelField, ...]:
    """The fields of ``model`` in declaration order, with what their ``Meta`` says."""
    hints = typing.get_type_hints(model, include_extras=True)
    result = []
    for info in msgspec.structs.fields(model):
        annotation, metas = hints[info.name], []
        if typing.get_origin(annotation) is typing.Annotated:
            annotation, *extras = typing.get_args(annotation)
            metas = [extra for extra in extras if isinstance(extra, msgspec.Meta)]
        constraints = {
            key: getattr(meta, key)
            for meta in metas
            for key in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")
            if getattr(meta, key) is not None
        }
        description = next((meta.description for meta in metas if meta.description), "")
        result.append(
            ModelField(info.name, annotation, description, constraints, info.default, info.default_factory)
        )
    return tuple(result)


# Four functions walk a field's annotation: the schema's (schema._property_type), the Python argument
# types' (dynamic.typegen._annotation), the emulator's pydantic twins' (emulator.twins._twin_type) and the
# renaming of keys (resources.declaration._convert). All but the twins' (which keeps every union member)
# share this step; each walks on its own otherwise. A shared visitor (one callback per kind: optional, list,
# dict, model, leaf; 25 lines) was tried, every generated file unchanged: the three that walk an annotation
# alone came to 10 lines more with it than without, each kind being a line or two in each; _convert, which
# walks a value alongside, fitted it only as callbacks returning converters: no shorter, and worse to read.
def non_optional(annotation: Any) -> Any:
    """``X`` of ``X | None``, any other annotation as it is; a union of two types or more is an error (the
    API's objects have none)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return inner
    return annotation


class Pagination(ApiObject, frozen=True, kw_only=True):
    """Cursor metadata of a list page (``PaginationResponseV1``)."""

    has_more: bool
    cursor: str | None = None


@dataclass(frozen=True)
class Variant:
    """What one value of a discriminating enum requires and allows among the object's other fields.

    E.g. a target whose ``provider`` is ``OPENAI`` requires ``secret_id`` and ``target_model`` and
    forbids everything else. ``summary`` names the variant for people ("An OpenAI model").
    """

    summary: str
    required: frozenset[str] = field(default_factory=frozenset)
    optional: frozenset[str] = field(default_factory=frozenset)

    def describe(self) -> str:
        """``An OpenAI model: requires `secret_id` and `target_model`.``, for docs and the schema."""

        def names(fields: frozenset[str]) -> str:
            quoted = [f"`{name}`" for name in sorted(fields)]
            return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]

        parts = []
        if self.required:
            parts.append(f"requires {names(self.required)}")
        if self.optional:
            verb = "is" if len(self.optional) == 1 else "are"
            parts.append(f"{names(self.optional)} {verb} optional")
        return f"{self.summary}: {'; '.join(parts)}." if parts else f"{self.summary}."
