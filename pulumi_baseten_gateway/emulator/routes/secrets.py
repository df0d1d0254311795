"""``/v1/secrets``: upsert, list and delete Baseten secrets, as the public spec declares them.

The spec: "Creates or updates a secret by name. Scoped to the caller's primary team" (the team-scoped
variant is not emulated), and "Deletes a secret by name ... in the caller's organization default team
when no team is specified". Each workspace has one team, its ``team_name`` in the config (default: the
workspace name), echoed as every secret's ``team_name``. The list is metadata only: values are never
returned. These routes sit outside ``/v1/gateway``, so they are not gated on Frontier Gateway
onboarding; they need management scope, and share the per-key, per-route rate limit and the faults.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import openapi_schemas
from ..bodies import json_object, raise_if, unknown_fields
from ..dependencies import SecretsManager
from ..openapi import error_responses, json_request_body, model_schemas
from ..responses import JSONResponse
from ..secret_store import validate_secret
from ..state import secrets_of

__all__ = ["SECRETS_PATH", "SECRET_PATH", "request_schemas", "router"]

SECRETS_PATH = "/v1/secrets"
SECRET_PATH = f"{SECRETS_PATH}/{{secret_name}}"

_FIELDS = ("name", "value")

router = APIRouter(default_response_class=JSONResponse)


@router.post(
    SECRETS_PATH,
    summary="Upserts a secret",
    operation_id="upsert_secret",
    response_model=openapi_schemas.SecretV1,
    responses=error_responses(400, 401, 403, 413, 429),
    openapi_extra=json_request_body("UpsertSecretRequestV1", "The secret's name and (new) value."),
)
async def upsert_secret(request: Request, principal: SecretsManager) -> Response:
    body = await json_object(request)
    name, value = body.get("name"), body.get("value")
    raise_if(unknown_fields(body, _FIELDS) + validate_secret(name, value))
    assert isinstance(name, str)
    assert isinstance(value, str)
    secret = secrets_of(request.app.state).upsert(principal.workspace, principal.team, name, value)
    return JSONResponse(secret.to_api())


@router.get(
    SECRETS_PATH,
    summary="Gets all secrets (metadata only, no plain text keys)",
    operation_id="list_secrets",
    response_model=openapi_schemas.SecretsV1,
    responses=error_responses(401, 403, 429),
)
async def list_secrets(request: Request, principal: SecretsManager) -> Response:
    rows = secrets_of(request.app.state).list_live(principal.workspace)
    return JSONResponse({"secrets": [row.to_api() for row in rows]})


@router.delete(
    SECRET_PATH,
    summary="Deletes a secret by name",
    operation_id="delete_secret",
    response_model=openapi_schemas.SecretTombstoneV1,
    responses=error_responses(401, 403, 404, 429),
)
async def delete_secret(secret_name: str, request: Request, principal: SecretsManager) -> Response:
    secret = secrets_of(request.app.state).delete(principal.workspace, secret_name)
    return JSONResponse({"name": secret.name})


def request_schemas() -> dict[str, Any]:
    """Component schema of the upsert body."""
    return model_schemas(openapi_schemas.UpsertSecretRequestV1)
