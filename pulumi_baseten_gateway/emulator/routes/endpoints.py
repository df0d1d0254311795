"""``/v1/gateway/endpoints``: the five documented endpoint operations.

Bodies are read as raw JSON and checked with the endpoint rules first, because the rules name the field and
the broken rule (``targets[0].secret_id: is required for OPENAI targets``) where pydantic would not. The
OpenAPI document still describes every body (:func:`request_schemas`) and response (the API models'
pydantic twins, :mod:`..twins`) so
the emulator can be fuzzed from its own schema. Success responses skip FastAPI's response validation
(they are built from validated rows) to keep the hot path cheap.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...api.models import endpoint as models
from ...api.rules import endpoint as rules
from ..bodies import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PAGE_PARAMETERS,
    json_object,
    list_page,
    raise_if,
    unknown_fields,
)
from ..dependencies import Manager
from ..endpoint_store import SlugTakenError, StoredEndpoint
from ..errors import ApiError
from ..id_convertor import ANY_ID
from ..openapi import error_responses, json_request_body, model_schemas, rename_schemas
from ..responses import JSONResponse
from ..state import endpoints_of
from ..twins import pydantic_twin

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "ENDPOINTS_PATH",
    "ENDPOINT_PATH",
    "MAX_PAGE_SIZE",
    "SCHEMA_NAMES",
    "edit_document",
    "request_schemas",
    "router",
]

ENDPOINTS_PATH = "/v1/gateway/endpoints"


# Starlette routes on the percent-decoded path: an id sent as `a%2Fb` or `a%0A` arrives as `a/b` or
# `a\n` and must still reach these handlers (and get its own 404), not a router 404 or a redirect.
ENDPOINT_PATH = f"/v1/gateway/endpoints/{{endpoint_id:{ANY_ID}}}"

_CREATE_FIELDS = ("slug", "targets", "region")
_IMMUTABLE_FIELDS = ("slug", "region")

router = APIRouter(default_response_class=JSONResponse)


# -- request parsing ---------------------------------------------------------------------------------------


def _path_id(request: Request) -> str:
    """The endpoint id: the whole (percent-decoded) path after the collection.

    Read from the path itself, not the router's match: Starlette's ``$`` also matches before a final
    newline, so an id of ``"abc\\n"`` would otherwise be taken for ``"abc"``.
    """
    path: str = request.scope["path"]
    return path[len(ENDPOINTS_PATH) + 1 :]


def _unknown_environments(targets: object, environments: frozenset[str] | None) -> list[str]:
    """``unknown environment`` (documented 400) for targets naming an environment the workspace lacks.

    Runs on targets that passed the rules, so each is a mapping with a string provider.
    """
    if environments is None or not isinstance(targets, list):
        return []
    return [
        f"targets[{index}].environment_name: unknown environment {target['environment_name']!r} "
        f"(this workspace has: {', '.join(sorted(environments))})"
        for index, target in enumerate(targets)
        if target.get("environment_name") is not None and target["environment_name"] not in environments
    ]


def _ok(row: StoredEndpoint) -> JSONResponse:
    return JSONResponse(row.to_api())


# -- routes ------------------------------------------------------------------------------------------------


@router.post(
    ENDPOINTS_PATH,
    summary="Creates a Gateway endpoint",
    operation_id="create_endpoint",
    response_model=pydantic_twin(models.EndpointInfo),
    responses=error_responses(400, 401, 403, 413, 429),
    openapi_extra=json_request_body("CreateEndpointRequestV1", "The slug, its one target, and the region."),
)
async def create_endpoint(request: Request, principal: Manager) -> Response:
    store = endpoints_of(request.app.state)
    body = await json_object(request)
    slug, targets, region = body.get("slug"), body.get("targets"), body.get("region")
    problems = unknown_fields(body, _CREATE_FIELDS)
    problems += map(str, rules.validate_endpoint(slug, targets, region, owned_prefixes=principal.prefixes))
    raise_if(problems or _unknown_environments(targets, principal.environments))
    assert isinstance(slug, str)
    assert isinstance(targets, list)
    try:
        row = store.create(
            principal.workspace,
            slug,
            region or models.Region.UNRESTRICTED.value,
            rules.canonical_targets(targets),
        )
    except SlugTakenError:
        raise ApiError(400, f"slug: an endpoint with slug {slug!r} already exists") from None
    return _ok(row)


@router.get(
    ENDPOINTS_PATH,
    summary="Lists Gateway endpoints",
    operation_id="list_endpoints",
    response_model=pydantic_twin(models.EndpointPage),
    responses=error_responses(400, 401, 403, 429),
    openapi_extra={"parameters": PAGE_PARAMETERS},
)
async def list_endpoints(request: Request, principal: Manager) -> Response:
    fetch = partial(endpoints_of(request.app.state).page, principal.workspace)
    return JSONResponse(list_page(request, fetch, StoredEndpoint.to_api))


@router.get(
    ENDPOINT_PATH,
    summary="Gets a Gateway endpoint",
    operation_id="get_endpoint",
    response_model=pydantic_twin(models.EndpointInfo),
    responses=error_responses(401, 403, 404, 429),
)
async def get_endpoint(endpoint_id: str, request: Request, principal: Manager) -> Response:
    store = endpoints_of(request.app.state)
    return _ok(store.get(_path_id(request), principal.workspace))


@router.patch(
    ENDPOINT_PATH,
    summary="Updates a Gateway endpoint",
    operation_id="update_endpoint",
    response_model=pydantic_twin(models.EndpointInfo),
    responses=error_responses(400, 401, 403, 404, 413, 429),
    openapi_extra=json_request_body(
        "UpdateEndpointRequestV1", "The new full target list; omit it (or send null) to change nothing."
    ),
)
async def update_endpoint(endpoint_id: str, request: Request, principal: Manager) -> Response:
    store = endpoints_of(request.app.state)
    endpoint_id = _path_id(request)
    body = await json_object(request)
    problems = [
        f"{key}: is immutable after creation; to change it, create a new endpoint and delete this one"
        if key in _IMMUTABLE_FIELDS
        else f"{key}: is not a known field (known: targets)"
        for key in body
        if key != "targets"
    ]
    targets = body.get("targets")
    if targets is not None:
        problems += map(str, rules.validate_targets(targets))
    raise_if(problems or _unknown_environments(targets, principal.environments))
    if targets is None:
        return _ok(store.get(endpoint_id, principal.workspace))
    assert isinstance(targets, list)
    return _ok(store.update_targets(endpoint_id, principal.workspace, rules.canonical_targets(targets)))


@router.delete(
    ENDPOINT_PATH,
    summary="Deletes a Gateway endpoint",
    operation_id="delete_endpoint",
    response_model=pydantic_twin(models.EndpointTombstone),
    responses=error_responses(401, 403, 404, 429),
)
async def delete_endpoint(endpoint_id: str, request: Request, principal: Manager) -> Response:
    store = endpoints_of(request.app.state)
    row = store.delete(_path_id(request), principal.workspace)
    return JSONResponse({"id": row.id, "slug": row.slug})


# -- OpenAPI -----------------------------------------------------------------------------------------------


#: The response models' schemas, renamed to the public spec's names (the models are the provider's too,
#: and keep their short names there).
SCHEMA_NAMES = {
    "EndpointInfo": "EndpointV1",
    "Target": "EndpointTargetV1",
    "VertexConfig": "VertexTargetConfigV1",
    "TargetProvider": "GatewayProvider",
    "Region": "SharedEndpointRegionV1",
    "EndpointPage": "EndpointsResponseV1",
    "Pagination": "PaginationResponseV1",
    "EndpointTombstone": "EndpointTombstoneV1",
}


def request_schemas() -> dict[str, Any]:
    """Component schemas of the two request bodies, from the request models, under the spec's names.

    The target schema forbids unknown fields (as the API does), and the PATCH body allows ``targets``
    to be omitted or null (a no-op), as the public spec's ``UpdateEndpointRequestV1`` does.
    """
    schemas = model_schemas(pydantic_twin(models.CreateEndpointRequest))
    create = schemas.pop(models.CreateEndpointRequest.__name__)
    target = dict(schemas["Target"], additionalProperties=False, title="EndpointTargetRequestV1")
    schemas["EndpointTargetRequestV1"] = target
    target_list = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/EndpointTargetRequestV1"},
        "minItems": 1,
        "maxItems": 1,
    }
    create["properties"]["targets"] = dict(create["properties"]["targets"], **target_list)
    schemas["CreateEndpointRequestV1"] = dict(create, title="CreateEndpointRequestV1")
    schemas["UpdateEndpointRequestV1"] = {
        "title": "UpdateEndpointRequestV1",
        "description": "Replaces the endpoint's full target list. The slug and region are immutable.",
        "type": "object",
        "properties": {"targets": {"anyOf": [target_list, {"type": "null"}], "default": None}},
        "additionalProperties": False,
    }
    return schemas


def edit_document(document: dict[str, Any]) -> None:
    """Give the endpoint schemas the spec's names, and make ``region`` required in ``EndpointV1``.

    The provider's ``Endpoint`` model defaults ``region`` (older answers lacked it); the API always
    sends it and the spec requires it, so a client generated from either document has the same shape.
    """
    rename_schemas(document, SCHEMA_NAMES)
    endpoint = document["components"]["schemas"]["EndpointV1"]
    required = endpoint.setdefault("required", [])
    if "region" not in required:
        required.append("region")
    endpoint["properties"]["region"].pop("default", None)
