"""``/v1/secrets`` and ``/v1/teams/{team_id}/secrets``: upsert, list and delete Baseten secrets, as the
public spec declares them.

The spec: "Creates or updates a secret by name. Scoped to the caller's primary team", "Gets all secrets"
(of every team of the caller), and "Deletes a secret by name ... in the caller's organization default team
when no team is specified"; the team routes do the same in the team they name ("Upserts a secret in a
team", "Gets all secrets for a team", "Deletes a secret by name in the specified team"), a team id the
workspace does not have answering 404. A workspace's primary team is ``team_name`` in the config (default:
the workspace name), its other teams ``teams``; a secret's ``team_name`` is its team's. A name is unique in
a team, not across teams. The list is metadata only: values are never
returned. These routes sit outside ``/v1/gateway``, so they are not gated on Frontier Gateway
onboarding; they need management scope, and share the per-key, per-route rate limit and the faults.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import openapi_schemas
from ..auth import Principal
from ..bodies import json_object, raise_if, unknown_fields
from ..dependencies import SecretsManager
from ..openapi import error_responses, json_request_body, model_schemas
from ..responses import JSONResponse
from ..secret_store import TeamNotFoundError, validate_secret
from ..state import secrets_of

__all__ = [
    "SECRETS_PATH",
    "SECRET_PATH",
    "TEAM_SECRETS_PATH",
    "TEAM_SECRET_PATH",
    "request_schemas",
    "router",
]

SECRETS_PATH = "/v1/secrets"
SECRET_PATH = f"{SECRETS_PATH}/{{secret_name}}"
TEAM_SECRETS_PATH = "/v1/teams/{team_id}/secrets"
TEAM_SECRET_PATH = f"{TEAM_SECRETS_PATH}/{{secret_name}}"

_FIELDS = ("name", "value")

router = APIRouter(default_response_class=JSONResponse)


def _team(principal: Principal, team_id: str | None) -> str:
    """The name of the team a route names (404 when the workspace has none with that id), else the
    primary team's."""
    if team_id is None:
        return principal.team
    team = principal.team_named(team_id)
    if team is None:
        raise TeamNotFoundError(team_id)
    return team


async def _upsert(request: Request, principal: Principal, team_id: str | None) -> Response:
    body = await json_object(request)
    name, value = body.get("name"), body.get("value")
    raise_if(unknown_fields(body, _FIELDS) + validate_secret(name, value))
    assert isinstance(name, str)
    assert isinstance(value, str)
    team = _team(principal, team_id)
    secret = secrets_of(request.app.state).upsert(principal.workspace, team, name, value)
    return JSONResponse(secret.to_api())


def _listing(request: Request, principal: Principal, team_id: str | None) -> Response:
    team = None if team_id is None else _team(principal, team_id)
    rows = secrets_of(request.app.state).list_live(principal.workspace, team)
    return JSONResponse({"secrets": [row.to_api() for row in rows]})


def _delete(request: Request, principal: Principal, team_id: str | None, name: str) -> Response:
    secret = secrets_of(request.app.state).delete(principal.workspace, _team(principal, team_id), name)
    return JSONResponse({"name": secret.name})


_UPSERT_BODY = json_request_body("UpsertSecretRequestV1", "The secret's name and (new) value.")


@router.post(
    SECRETS_PATH,
    summary="Upserts a secret",
    operation_id="upsert_secret",
    response_model=openapi_schemas.SecretV1,
    responses=error_responses(400, 401, 403, 413, 429),
    openapi_extra=_UPSERT_BODY,
)
async def upsert_secret(request: Request, principal: SecretsManager) -> Response:
    return await _upsert(request, principal, None)


@router.get(
    SECRETS_PATH,
    summary="Gets all secrets (metadata only, no plain text keys)",
    operation_id="list_secrets",
    response_model=openapi_schemas.SecretsV1,
    responses=error_responses(401, 403, 429),
)
async def list_secrets(request: Request, principal: SecretsManager) -> Response:
    return _listing(request, principal, None)


@router.delete(
    SECRET_PATH,
    summary="Deletes a secret by name",
    operation_id="delete_secret",
    response_model=openapi_schemas.SecretTombstoneV1,
    responses=error_responses(401, 403, 404, 429),
)
async def delete_secret(secret_name: str, request: Request, principal: SecretsManager) -> Response:
    return _delete(request, principal, None, secret_name)


@router.post(
    TEAM_SECRETS_PATH,
    summary="Upserts a secret in a team",
    operation_id="upsert_team_secret",
    response_model=openapi_schemas.SecretV1,
    responses=error_responses(400, 401, 403, 404, 413, 429),
    openapi_extra=_UPSERT_BODY,
)
async def upsert_team_secret(team_id: str, request: Request, principal: SecretsManager) -> Response:
    return await _upsert(request, principal, team_id)


@router.get(
    TEAM_SECRETS_PATH,
    summary="Gets all secrets for a team (metadata only, no plain text keys)",
    operation_id="list_team_secrets",
    response_model=openapi_schemas.SecretsV1,
    responses=error_responses(401, 403, 404, 429),
)
async def list_team_secrets(team_id: str, request: Request, principal: SecretsManager) -> Response:
    return _listing(request, principal, team_id)


@router.delete(
    TEAM_SECRET_PATH,
    summary="Deletes a secret by name in a team",
    operation_id="delete_team_secret",
    response_model=openapi_schemas.SecretTombstoneV1,
    responses=error_responses(401, 403, 404, 429),
)
async def delete_team_secret(
    team_id: str, secret_name: str, request: Request, principal: SecretsManager
) -> Response:
    return _delete(request, principal, team_id, secret_name)


def request_schemas() -> dict[str, Any]:
    """Component schema of the upsert body."""
    return model_schemas(openapi_schemas.UpsertSecretRequestV1)
