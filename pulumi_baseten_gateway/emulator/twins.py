"""Pydantic twins of the provider's API models, for FastAPI: response models and the OpenAPI document.

The provider declares the API's objects once, as msgspec structs (``api/models/``); FastAPI
speaks pydantic. :func:`pydantic_twin` builds, from a struct, the pydantic model with the same name,
docstring, fields (types, defaults, descriptions, constraints) and unknown-field rule, so the emulator's
document is derived from the one declaration rather than kept in step by hand.
"""

from __future__ import annotations

import functools
import types
import typing
from typing import Any

import msgspec
import pydantic
from pydantic import BaseModel, ConfigDict, Field, create_model

from ..api.models.base import SecretStr, is_model, model_fields

__all__ = ["pydantic_twin"]


@functools.cache
def pydantic_twin(struct: type[msgspec.Struct]) -> type[BaseModel]:
    """The pydantic model of ``struct``: same name, docstring, fields and unknown-field rule."""
    fields: dict[str, Any] = {}
    for field in model_fields(struct):
        options: dict[str, Any] = dict(field.constraints)
        if field.description:
            options["description"] = field.description
        if field.default_factory is not msgspec.NODEFAULT:
            spec = Field(default_factory=field.default_factory, **options)
        else:
            spec = Field(... if field.required else field.default, **options)
        fields[field.name] = (_twin_type(field.type), spec)
    forbid = struct.__struct_config__.forbid_unknown_fields
    model: type[BaseModel] = create_model(
        struct.__name__,
        __config__=ConfigDict(extra="forbid" if forbid else "ignore", frozen=True),
        __doc__=struct.__doc__,
        __module__=struct.__module__,
        **fields,
    )
    return model


def _twin_type(annotation: Any) -> Any:
    """``annotation`` with every struct in it replaced by its twin (and our ``SecretStr`` by pydantic's)."""
    # Its own walk, without non_optional (see there): it rebuilds the annotation, keeping every union member.
    if annotation is SecretStr:
        return pydantic.SecretStr
    if is_model(annotation):
        return pydantic_twin(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return functools.reduce(lambda a, b: a | b, [_twin_type(arg) for arg in typing.get_args(annotation)])
    if origin is list:
        (item,) = typing.get_args(annotation)
        return list[_twin_type(item)]  # type: ignore[misc]
    if origin is dict:
        key, value = typing.get_args(annotation)
        return dict[key, _twin_type(value)]  # type: ignore[misc,valid-type]
    return annotation
