"""The emulator's OpenAPI document: FastAPI's, edited to describe the API as it really answers.

Routes declare their error answers with :func:`error_responses` and their raw-JSON request bodies with
:func:`json_request_body` (bodies are read by hand, so FastAPI cannot see them); each router gives the
schemas of those bodies, made from its request models by :func:`model_schemas`. :func:`install_openapi`
then replaces the app's ``openapi()``: the 422 FastAPI documents is dropped (the emulator never sends
one), each router's request-body schemas are added, each router's edits run (:func:`rename_schemas`
gives the endpoint models the public spec's names), and the API's security scheme is declared.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

__all__ = [
    "DocumentEdit",
    "ErrorBody",
    "RateLimitBody",
    "SchemaProvider",
    "error_responses",
    "install_openapi",
    "json_request_body",
    "model_schemas",
    "rename_schemas",
]

#: Returns component schemas (name to schema) a router's routes refer to but FastAPI cannot derive.
SchemaProvider = Callable[[], dict[str, Any]]
#: Edits the finished document in place (renames, constraints FastAPI cannot express).
DocumentEdit = Callable[[dict[str, Any]], None]
_SCHEMA_REF = "#/components/schemas/"

_ERROR_DESCRIPTIONS = {
    400: "Invalid payload: the message names the field and the broken rule.",
    401: "Missing or unknown API key.",
    403: "No management scope, workspace not onboarded, or the resource belongs to another workspace.",
    404: "No live resource with this id (never created, deleted or revoked).",
    413: "The request body is over the 1 MiB limit; it was not read.",
    429: "Over the per-key rate limit of this API endpoint; retry after `retry_after` whole seconds.",
}

_SECURITY_SCHEMES = {
    "BearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <api_key>`; `Authorization: Api-Key <api_key>` "
        "is accepted too.",
    }
}


class ErrorBody(BaseModel):
    """Every error answer: one human-readable sentence naming the field or rule."""

    error: str


class RateLimitBody(BaseModel):
    """A 429 answer; ``retry_after`` is the whole seconds until the current rate-limit window resets."""

    error: str
    retry_after: int


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route for these error statuses (400, 401, 403, 404, 413, 429)."""
    return {
        status: {
            "model": RateLimitBody if status == 429 else ErrorBody,
            "description": _ERROR_DESCRIPTIONS[status],
        }
        for status in statuses
    }


def json_request_body(schema_name: str, description: str) -> dict[str, Any]:
    """``openapi_extra`` declaring a required JSON body of the component schema ``schema_name``."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"$ref": _SCHEMA_REF + schema_name}}},
        }
    }


def model_schemas(*models: type[BaseModel]) -> dict[str, Any]:
    """Component schemas of request models, under their class names, and of the types they use."""
    found: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template=_SCHEMA_REF + "{model}")
        found.update(schema.pop("$defs", {}))
        found[model.__name__] = schema
    return found


def _retarget(node: Any, refs: Mapping[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in refs:
            node["$ref"] = refs[ref]
        for value in node.values():
            _retarget(value, refs)
    elif isinstance(node, list):
        for value in node:
            _retarget(value, refs)


def rename_schemas(document: dict[str, Any], names: Mapping[str, str]) -> None:
    """Rename component schemas (old to new name) and every ``$ref`` to them; titles follow.

    A schema renamed to a name already present is dropped: both are the same type.
    """
    schemas = document.get("components", {}).get("schemas", {})
    for old, new in names.items():
        schema = schemas.pop(old, None)
        if schema is not None and new not in schemas:
            schemas[new] = dict(schema, title=new) if "title" in schema else schema
    _retarget(document, {_SCHEMA_REF + old: _SCHEMA_REF + new for old, new in names.items()})


def install_openapi(
    api: FastAPI, schema_providers: Iterable[SchemaProvider] = (), edits: Iterable[DocumentEdit] = ()
) -> None:
    """Make ``api.openapi()`` build (once) FastAPI's document with the edits described above."""
    providers = tuple(schema_providers)
    document_edits = tuple(edits)

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            document = get_openapi(
                title=api.title,
                version=api.version,
                description=api.description,
                routes=api.routes,
                separate_input_output_schemas=False,
            )
            # FastAPI documents a 422 for every operation with parameters; the emulator never sends one.
            for operations in document["paths"].values():
                for operation in operations.values():
                    operation.get("responses", {}).pop("422", None)
            components = document.setdefault("components", {})
            schemas = components.setdefault("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            for provider in providers:
                for name, schema in provider().items():
                    schemas.setdefault(name, schema)
            for edit in document_edits:
                edit(document)
            components["securitySchemes"] = copy.deepcopy(_SECURITY_SCHEMES)
            document["security"] = [{"BearerAuth": []}]
            api.openapi_schema = document
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
