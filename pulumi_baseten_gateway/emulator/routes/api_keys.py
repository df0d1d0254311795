"""``/v1/gateway/groups/{group_id}/api_keys``: create, register, list, get and revoke keys (K1-K5).

Every operation first finds the group (404 if none or deleted, 403 if another workspace's). Then:

- Create: a generated ``sky_...`` key, returned once as ``prefix.secret`` with its 16-character prefix.
- Register: the documented checks in this order: the workspace has a public key (else 400 "Must
  configure a public key before registering API keys"); ``X-Baseten-Signature`` is the base64 Ed25519
  signature of the raw body under it (else 400 "Signature verification failed", whether the header is
  missing, not base64, or wrong); only then is the body parsed, and the key checked (length, entropy,
  a prefix not already registered in the workspace). Answers ``{"ok": true}``; the key is not echoed.
- List, get: ``{prefix, name}`` of live keys; a revoked key reads as gone (404).
- Revoke: ``{"prefix": ...}``; irreversible, and a second revoke is a 404.

The prefix segment matches the rest of the path (a registered key's first 16 characters may hold a
``/``, sent percent-encoded), and is read from the raw path, like endpoint ids.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import openapi_schemas
from ..bodies import (
    PAGE_PARAMETERS,
    json_object,
    list_page,
    parse_json_object,
    raise_if,
    read_body,
    unknown_fields,
)
from ..dependencies import Manager
from ..errors import ApiError
from ..group_checks import validate_text
from ..group_store import StoredGroup
from ..id_convertor import ANY_ID
from ..key_store import PrefixTakenError, StoredKey, validate_registered_key
from ..openapi import error_responses, json_request_body, model_schemas
from ..responses import JSONResponse
from ..signatures import verify_signature
from ..state import groups_of, keys_of
from .groups import GROUP_PATH

__all__ = [
    "KEYS_PATH",
    "KEY_PATH",
    "NO_PUBLIC_KEY_MESSAGE",
    "SIGNATURE_HEADER",
    "SIGNATURE_MESSAGE",
    "request_schemas",
    "router",
]

KEYS_PATH = f"{GROUP_PATH}/api_keys"
KEY_PATH = f"{KEYS_PATH}/{{api_key_prefix:{ANY_ID}}}"
SIGNATURE_HEADER = "X-Baseten-Signature"
#: The documented messages of a failed registration.
SIGNATURE_MESSAGE = "Signature verification failed"
NO_PUBLIC_KEY_MESSAGE = "Must configure a public key before registering API keys"

_NAME_FIELDS = ("name",)
_REGISTER_FIELDS = ("key", "name")

router = APIRouter(default_response_class=JSONResponse)


def _group(request: Request, group_id: str, workspace: str) -> StoredGroup:
    return groups_of(request.app.state).get(group_id, workspace)


def _prefix(request: Request) -> str:
    """The key prefix: the whole (percent-decoded) path after ``/api_keys/`` (see module docstring)."""
    path: str = request.scope["path"]
    return path.split("/api_keys/", 1)[1]


@router.post(
    KEYS_PATH,
    summary="Creates an API key for a group",
    operation_id="create_api_key",
    response_model=openapi_schemas.CreateApiKeyForGroupResponseV1,
    responses=error_responses(400, 401, 403, 404, 413, 429),
    openapi_extra=json_request_body("CreateApiKeyForGroupRequestV1", "An optional display name."),
)
async def create_api_key(group_id: str, request: Request, principal: Manager) -> Response:
    group = _group(request, group_id, principal.workspace)
    body = await json_object(request, empty={})
    raise_if(unknown_fields(body, _NAME_FIELDS) + validate_text(body.get("name"), "name", nullable=True))
    key, plaintext = keys_of(request.app.state).create(principal.workspace, group.id, body.get("name"))
    return JSONResponse({"api_key": plaintext, "prefix": key.prefix, "name": key.name})


@router.post(
    f"{KEYS_PATH}/register",
    summary="Registers an API key for a group",
    operation_id="register_api_key",
    response_model=openapi_schemas.RegisterAPIKeyResponseV1,
    responses=error_responses(400, 401, 403, 404, 413, 429),
    openapi_extra={
        **json_request_body("RegisterAPIKeyRequestV1", "The key to register, and an optional name."),
        "parameters": [
            {
                "name": SIGNATURE_HEADER,
                "in": "header",
                "required": True,
                "description": "Base64-encoded Ed25519 signature of the raw request body, made with the "
                "workspace's private key.",
                "schema": {"type": "string"},
            }
        ],
    },
)
async def register_api_key(group_id: str, request: Request, principal: Manager) -> Response:
    group = _group(request, group_id, principal.workspace)
    if principal.public_key is None:
        raise ApiError(400, NO_PUBLIC_KEY_MESSAGE)
    raw = await read_body(request)
    if not verify_signature(principal.public_key, request.headers.get(SIGNATURE_HEADER), raw):
        raise ApiError(400, SIGNATURE_MESSAGE)
    body = parse_json_object(raw)
    key = body.get("key")
    problems = unknown_fields(body, _REGISTER_FIELDS)
    problems += ["key: is required"] if key is None else validate_registered_key(key)
    raise_if(problems + validate_text(body.get("name"), "name", nullable=True))
    assert isinstance(key, str)
    try:
        keys_of(request.app.state).register(principal.workspace, group.id, key, body.get("name"))
    except PrefixTakenError:
        raise ApiError(
            400, f"key: its first 16 characters, {key[:16]!r}, are already registered in this workspace"
        ) from None
    return JSONResponse({"ok": True})


@router.get(
    KEYS_PATH,
    summary="Lists API keys for a group",
    operation_id="list_api_keys",
    response_model=openapi_schemas.KeysForGroupResponseV1,
    responses=error_responses(400, 401, 403, 404, 429),
    openapi_extra={"parameters": PAGE_PARAMETERS},
)
async def list_api_keys(group_id: str, request: Request, principal: Manager) -> Response:
    group = _group(request, group_id, principal.workspace)
    fetch = partial(keys_of(request.app.state).page, group.id)
    return JSONResponse(list_page(request, fetch, StoredKey.to_api))


@router.get(
    KEY_PATH,
    summary="Gets an API key for a group",
    operation_id="get_api_key",
    response_model=openapi_schemas.GatewayKeyInfoV1,
    responses=error_responses(401, 403, 404, 429),
)
async def get_api_key(group_id: str, api_key_prefix: str, request: Request, principal: Manager) -> Response:
    group = _group(request, group_id, principal.workspace)
    key = keys_of(request.app.state).get(principal.workspace, group.id, _prefix(request))
    return JSONResponse(key.to_api())


@router.delete(
    KEY_PATH,
    summary="Revokes an API key",
    operation_id="revoke_api_key",
    response_model=openapi_schemas.ApiKeyTombstoneV1,
    responses=error_responses(401, 403, 404, 429),
)
async def revoke_api_key(
    group_id: str, api_key_prefix: str, request: Request, principal: Manager
) -> Response:
    group = _group(request, group_id, principal.workspace)
    key = keys_of(request.app.state).revoke(principal.workspace, group.id, _prefix(request))
    return JSONResponse({"prefix": key.prefix})


# -- OpenAPI -----------------------------------------------------------------------------------------------


def request_schemas() -> dict[str, Any]:
    """Component schemas of the create and register bodies."""
    return model_schemas(
        openapi_schemas.CreateApiKeyForGroupRequestV1, openapi_schemas.RegisterAPIKeyRequestV1
    )
