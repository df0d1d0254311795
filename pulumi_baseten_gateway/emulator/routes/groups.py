"""``/v1/gateway/groups``: create, list, get, usage, update and delete a group (G1-G6).

Bodies are read as raw JSON and checked with :mod:`..group_checks` (messages name the field and the
rule); the OpenAPI document describes them with :mod:`..openapi_schemas` under the public spec's names.
The documented answers, beyond the common 401/403/429:

- Create: 400 for an invalid payload, a duplicate ``external_entity_id`` (400, not 409), mixed
  enforcement modes, a sixth level, or (cascading) a child above an ancestor ("Child group exceeds
  parent group limit."); 404 when ``hierarchy.parent_group_id`` names no group the workspace can see.
- List: filter by ``external_entity_id``; ``limit``/``cursor`` pages as for endpoints. The docs ask
  only "view scope" here, so a view-scoped key may list (every other operation needs management scope).
- Update: ``{}`` is the documented 400; ``models`` replaces the set (``[]`` clears it); in a cascading
  hierarchy a change may not put the group above an ancestor nor below a descendant.
- Delete: the group and every descendant are soft-deleted in one transaction and all their keys
  revoked; the answer is ``{id, metadata, deleted_at}`` of the group alone.
- Usage: the group's usage limits per slug, with no consumption (the emulator serves no inference).

Group ids are the emulator's own (letters and digits), so the plain ``{group_id}`` segment matches them;
any other id simply answers 404.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import group_checks, openapi_schemas
from ..bodies import PAGE_PARAMETERS, json_object, list_page, raise_if
from ..dependencies import Manager, Viewer
from ..errors import ApiError
from ..group_store import EntityTakenError, GroupStore, StoredGroup
from ..openapi import error_responses, json_request_body, model_schemas, rename_schemas
from ..responses import JSONResponse
from ..state import db_of, groups_of, keys_of

__all__ = ["GROUPS_PATH", "GROUP_PATH", "edit_document", "group_json", "request_schemas", "router"]

GROUPS_PATH = "/v1/gateway/groups"
GROUP_PATH = f"{GROUPS_PATH}/{{group_id}}"

router = APIRouter(default_response_class=JSONResponse)


def group_json(store: GroupStore, group: StoredGroup) -> dict[str, Any]:
    """The ``GroupV1`` object, with ``effective_models`` computed up the group's current hierarchy."""
    chain = [group_checks.ChainLink(link.id, link.models) for link in store.iter_chain(group)]
    return group.to_api(group_checks.effective_models(chain, group.enforcement))


def _hierarchy(store: GroupStore, body: dict[str, Any], workspace: str) -> tuple[StoredGroup | None, str]:
    """The parent (404 if not visible) and the enforcement mode, after the documented hierarchy checks."""
    hierarchy = body["hierarchy"]
    mode: str | None = hierarchy.get("limit_enforcement")
    parent_id = hierarchy.get("parent_group_id")
    if parent_id is None:
        return None, mode or group_checks.INDEPENDENT
    parent = store.parent(parent_id, workspace)
    if mode is not None and mode != parent.enforcement:
        raise ApiError(
            400,
            f"hierarchy.limit_enforcement: mixed enforcement modes in the same hierarchy: {mode} under a "
            f"{parent.enforcement} parent (omit it to inherit the parent's)",
        )
    if parent.depth >= group_checks.MAX_DEPTH:
        raise ApiError(
            400,
            f"hierarchy.parent_group_id: the hierarchy would exceed {group_checks.MAX_DEPTH} levels "
            f"(group {parent.id!r} is at level {parent.depth})",
        )
    return parent, parent.enforcement


@router.post(
    GROUPS_PATH,
    summary="Creates a group",
    operation_id="create_group",
    response_model=openapi_schemas.GroupV1,
    responses=error_responses(400, 401, 403, 404, 413, 429),
    openapi_extra=json_request_body("CreateGroupRequestV1", "The group's metadata, model set and hierarchy."),
)
async def create_group(request: Request, principal: Manager) -> Response:
    store = groups_of(request.app.state)
    body = await json_object(request)
    raise_if(group_checks.validate_create(body))
    models = group_checks.canonical_models(body["models"])
    parent, mode = _hierarchy(store, body, principal.workspace)
    ancestors = [] if parent is None else [link.models for link in store.iter_chain(parent)]
    if mode == group_checks.CASCADING and group_checks.cascade_violation(models, ancestors):
        raise ApiError(400, group_checks.CASCADE_MESSAGE)
    metadata = body["metadata"]
    try:
        group = store.create(
            principal.workspace, metadata["external_entity_id"], metadata.get("name"), parent, mode, models
        )
    except EntityTakenError:
        raise ApiError(
            400,
            f"metadata.external_entity_id: a group with external_entity_id "
            f"{metadata['external_entity_id']!r} already exists in this workspace",
        ) from None
    return JSONResponse(group_json(store, group))


@router.get(
    GROUPS_PATH,
    summary="Lists groups",
    operation_id="list_groups",
    response_model=openapi_schemas.GroupsResponseV1,
    responses=error_responses(400, 401, 403, 429),
    openapi_extra={
        "parameters": [
            {
                "name": "external_entity_id",
                "in": "query",
                "required": False,
                "description": "Only the group whose `metadata.external_entity_id` is exactly this value.",
                "schema": {"type": "string"},
            },
            *PAGE_PARAMETERS,
        ]
    },
)
async def list_groups(request: Request, principal: Viewer) -> Response:
    store = groups_of(request.app.state)
    entity = request.query_params.get("external_entity_id")
    fetch = partial(store.page, principal.workspace, external_entity_id=entity)
    return JSONResponse(list_page(request, fetch, partial(group_json, store)))


@router.get(
    GROUP_PATH,
    summary="Gets a group",
    operation_id="get_group",
    response_model=openapi_schemas.GroupV1,
    responses=error_responses(401, 403, 404, 429),
)
async def get_group(group_id: str, request: Request, principal: Manager) -> Response:
    store = groups_of(request.app.state)
    return JSONResponse(group_json(store, store.get(group_id, principal.workspace)))


@router.get(
    f"{GROUP_PATH}/usage",
    summary="Gets a group's usage",
    operation_id="get_group_usage",
    response_model=openapi_schemas.GroupUsageV1,
    responses=error_responses(401, 403, 404, 429),
)
async def get_group_usage(group_id: str, request: Request, principal: Manager) -> Response:
    group = groups_of(request.app.state).get(group_id, principal.workspace)
    return JSONResponse(
        {"customer_id": group.external_entity_id, "usage": group_checks.usage_of(group.models)}
    )


@router.patch(
    GROUP_PATH,
    summary="Updates a group",
    operation_id="update_group",
    response_model=openapi_schemas.GroupV1,
    responses=error_responses(400, 401, 403, 404, 413, 429),
    openapi_extra=json_request_body(
        "UpdateGroupRequestV1", "At least one of `metadata` and `models`; `models` replaces the whole set."
    ),
)
async def update_group(group_id: str, request: Request, principal: Manager) -> Response:
    store = groups_of(request.app.state)
    body = await json_object(request)
    raise_if(group_checks.validate_update(body))
    group = store.get(group_id, principal.workspace)
    models = None if body.get("models") is None else group_checks.canonical_models(body["models"])
    if models is not None and group.enforcement == group_checks.CASCADING:
        ancestors = [link.models for link in store.ancestors(group)]
        descendants = [link.models for link in store.descendants(group)]
        if group_checks.cascade_violation(models, ancestors, descendants):
            raise ApiError(400, group_checks.CASCADE_MESSAGE)
    metadata = body.get("metadata")
    set_name = isinstance(metadata, dict) and "name" in metadata
    name = metadata.get("name") if isinstance(metadata, dict) else None
    updated = store.update(group, name=name, set_name=set_name, models=models)
    return JSONResponse(group_json(store, updated))


@router.delete(
    GROUP_PATH,
    summary="Deletes a group",
    operation_id="delete_group",
    response_model=openapi_schemas.GroupTombstoneV1,
    responses=error_responses(401, 403, 404, 429),
)
async def delete_group(group_id: str, request: Request, principal: Manager) -> Response:
    state = request.app.state
    group = groups_of(state).get(group_id, principal.workspace)
    with db_of(state).transaction():
        deleted_at, ids = groups_of(state).delete(group)
        keys_of(state).revoke_groups(ids, deleted_at)
    return JSONResponse({"id": group.id, "metadata": group.metadata(), "deleted_at": deleted_at})


# -- OpenAPI -----------------------------------------------------------------------------------------------


def request_schemas() -> dict[str, Any]:
    """Component schemas of the create and update bodies (and the types they use)."""
    return model_schemas(openapi_schemas.CreateGroupRequestV1, openapi_schemas.UpdateGroupRequestV1)


def edit_document(document: dict[str, Any]) -> None:
    """The shared pagination model under the spec's name (as the endpoint routes also do)."""
    rename_schemas(document, {"Pagination": "PaginationResponseV1"})
