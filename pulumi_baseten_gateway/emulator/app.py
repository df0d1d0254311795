"""The emulated Frontier Gateway management API (``/v1/gateway/endpoints``) and its admin routes.

Bodies are read as raw JSON and checked with the endpoint rules first, because the rules name the field and
the broken rule (``targets[0].secret_id: is required for OPENAI targets``) where pydantic would not. The
OpenAPI document still describes every body and response (from the API models) so the emulator can be fuzzed
from its own schema. Success responses skip FastAPI's response validation (they are built from validated
rows) to keep the hot path cheap.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse as _FastAPIJSONResponse
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..resources.endpoint import model as models
from ..resources.endpoint import rules
from .config import MANAGE_SCOPE, EmulatorConfig, FaultSettings
from .faults import RATE_LIMIT_MESSAGE, FaultInjector, Stats, retry_after_header
from .store import (
    EndpointForbiddenError,
    EndpointNotFoundError,
    EndpointStore,
    SlugTakenError,
    StoredEndpoint,
)

__all__ = ["EmulatorApp", "RateLimiter", "create_app"]

ENDPOINTS_PATH = "/v1/gateway/endpoints"


class _AnyIdConvertor(Convertor[str]):
    """Matches the whole rest of the path, newlines included (``path`` stops at one)."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("gateway_id", _AnyIdConvertor())

# Starlette routes on the percent-decoded path: an id sent as `a%2Fb` or `a%0A` arrives as `a/b` or
# `a\n` and must still reach these handlers (and get its own 404), not a router 404 or a redirect.
ENDPOINT_PATH = "/v1/gateway/endpoints/{endpoint_id:gateway_id}"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

_CREATE_FIELDS = ("slug", "targets", "region")
_IMMUTABLE_FIELDS = ("slug", "region")
_CURSOR_PREFIX = "seq:"
_MAX_SEQ_DIGITS = 18  # below SQLite's 64-bit integer limit


class JSONResponse(_FastAPIJSONResponse):
    """JSON with non-ASCII escaped: a lone surrogate (legal in JSON input) must never make a 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


class ErrorBody(BaseModel):
    """Every error answer: one human-readable sentence naming the field or rule."""

    error: str


class RateLimitBody(BaseModel):
    """A 429 answer; ``retry_after`` is the seconds until the current one-second window resets."""

    error: str
    retry_after: float


class ApiError(Exception):
    """Raised by handlers; turned into ``{"error": message}`` (plus ``retry_after`` for a 429)."""

    def __init__(self, status: int, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


class RateLimiter:
    """Fixed one-second windows per API key, as documented: ``retry_after`` runs to the window's end."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._windows: dict[int, list[int]] = {}
        self._lock = threading.Lock()

    def check(self, key: int) -> float | None:
        """None when the request may proceed, else the seconds until the key's window resets."""
        if self.limit <= 0:
            return None
        now = self._clock()
        window = math.floor(now)
        with self._lock:
            state = self._windows.get(key)
            if state is None or state[0] != window:
                self._windows[key] = [window, 1]
                return None
            if state[1] >= self.limit:
                return max(0.001, round(window + 1 - now, 3))
            state[1] += 1
            return None


@dataclass(frozen=True)
class _Principal:
    """What an API key stands for; ``index`` keys the rate limiter so raw keys are held only once."""

    index: int
    workspace: str
    prefixes: frozenset[str]
    manage: bool
    onboarded: bool
    environments: frozenset[str] | None


def _error_response(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else type(value).__name__


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode()


def _decode_cursor(raw: str) -> int:
    try:
        text = base64.b64decode(raw.encode("ascii"), altchars=b"-_", validate=True).decode("ascii")
    except (ValueError, binascii.Error, UnicodeError):
        text = ""
    digits = text.removeprefix(_CURSOR_PREFIX)
    valid = digits.isascii() and digits.isdigit() and len(digits) <= _MAX_SEQ_DIGITS
    if not text.startswith(_CURSOR_PREFIX) or not valid:
        raise ApiError(
            400,
            "cursor: is not a cursor this API returned; pass pagination.cursor from the previous page, "
            "or omit it for the first page",
        )
    return int(digits)


def _parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if (
        raw.isascii()
        and raw.isdigit()
        and len(raw) <= len(str(MAX_PAGE_SIZE))
        and 1 <= int(raw) <= MAX_PAGE_SIZE
    ):
        return int(raw)
    raise ApiError(400, f"limit: must be an integer from 1 to {MAX_PAGE_SIZE}, got {raw!r}")


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "body: is required: send a JSON object")
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ApiError(400, "body: invalid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise ApiError(400, f"body: invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"body: must be a JSON object, got {_json_type(data)}")
    return data


def _unknown_fields(body: dict[str, Any], known: tuple[str, ...]) -> list[str]:
    return [f"{key}: is not a known field (known: {', '.join(known)})" for key in body if key not in known]


def _lookup_error(exc: EndpointNotFoundError | EndpointForbiddenError) -> ApiError:
    """The documented answer to an id the caller may not see: 403 if another workspace's, else 404."""
    endpoint_id = exc.args[0]
    if isinstance(exc, EndpointForbiddenError):
        return ApiError(403, f"endpoint_id: endpoint {endpoint_id!r} belongs to another workspace")
    return ApiError(404, f"endpoint_id: no endpoint with id {endpoint_id!r}")


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


def _raise_if(problems: list[str]) -> None:
    if problems:
        raise ApiError(400, "; ".join(problems))


def _ok(row: StoredEndpoint) -> JSONResponse:
    return JSONResponse(row.to_api())


def _error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "Invalid payload: the message names the field and the broken rule.",
        401: "Missing or unknown API key.",
        403: "No management scope, workspace not onboarded, or the endpoint belongs to another workspace.",
        404: "No live endpoint with this id (never created, or deleted).",
        429: "Over the per-key rate limit; retry after `retry_after` seconds.",
    }
    return {
        status: {"model": RateLimitBody if status == 429 else ErrorBody, "description": descriptions[status]}
        for status in statuses
    }


def _request_body(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
        }
    }


_LIST_PARAMETERS = {
    "parameters": [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "description": f"Page size. Default {DEFAULT_PAGE_SIZE}, maximum {MAX_PAGE_SIZE}.",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            },
        },
        {
            "name": "cursor",
            "in": "query",
            "required": False,
            "description": "Opaque cursor from `pagination.cursor` of the previous page; "
            "omit it for the first page.",
            "schema": {"type": "string"},
        },
    ]
}


def _request_schemas() -> dict[str, Any]:
    """Component schemas of the two request bodies, from the request models.

    The target schema forbids unknown fields (as the API does), and the PATCH body allows ``targets``
    to be omitted or null (a no-op), as the public spec's ``UpdateEndpointRequestV1`` does.
    """
    ref_template = "#/components/schemas/{model}"
    create = models.CreateEndpointRequest.model_json_schema(ref_template=ref_template)
    schemas: dict[str, Any] = create.pop("$defs", {})
    vertex_ref = {"$ref": "#/components/schemas/VertexConfigRequest"}
    schemas["VertexConfigRequest"] = dict(
        schemas["VertexConfig"], additionalProperties=False, title="VertexConfigRequest"
    )
    target = dict(schemas["Target"], additionalProperties=False, title="TargetRequest")
    target["properties"] = dict(
        target["properties"], vertex_config={"anyOf": [vertex_ref, {"type": "null"}], "default": None}
    )
    schemas["TargetRequest"] = target
    target_list = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/TargetRequest"},
        "minItems": 1,
        "maxItems": 1,
    }
    create["properties"]["targets"] = dict(create["properties"]["targets"], **target_list)
    schemas["CreateEndpointRequest"] = create
    schemas["UpdateEndpointRequest"] = {
        "title": "UpdateEndpointRequest",
        "description": "Replaces the endpoint's full target list. The slug and region are immutable.",
        "type": "object",
        "properties": {"targets": {"anyOf": [target_list, {"type": "null"}], "default": None}},
        "additionalProperties": False,
    }
    return schemas


class EmulatorApp(FaultInjector):
    """The ASGI application to serve: the API behind the fault-injection layer.

    ``api`` is the FastAPI app (its OpenAPI document, routes), ``store`` the database; call
    :meth:`close` when done serving.
    """

    def __init__(
        self,
        api: FastAPI,
        *,
        store: EndpointStore,
        limiter: RateLimiter,
        stats: Stats,
        settings: FaultSettings,
    ) -> None:
        self.api = api
        self.store = store
        self.limiter = limiter
        super().__init__(api, routes=api.routes, stats=stats, settings=settings)

    def configure(self, settings: FaultSettings) -> None:
        """Replace the fault settings; ``rate_limit``, when given, also resets the real limiter's limit."""
        if settings.rate_limit is not None:
            self.limiter.limit = settings.rate_limit
        super().configure(settings)

    def fault_settings(self) -> dict[str, Any]:
        """The current settings, with the seed in use and the real rate limit."""
        return dict(self.settings.model_dump(), seed=self.seed, rate_limit=self.limiter.limit)

    def stats_snapshot(self) -> dict[str, Any]:
        """Counters plus live and deleted endpoint counts."""
        live, deleted = self.store.counts()
        return dict(self.stats.snapshot(), endpoints={"live": live, "deleted": deleted})

    def close(self) -> None:
        """Close the database."""
        self.store.close()


def create_app(
    config: EmulatorConfig | None = None,
    *,
    db_path: str = ":memory:",
    faults: FaultSettings | None = None,
) -> EmulatorApp:
    """Build the emulator: ``config`` (default: the demo workspace), data in ``db_path``, ``faults`` off."""
    config = config or EmulatorConfig.default()
    principals: dict[str, _Principal] = {}
    for workspace in config.workspaces:
        for api_key in workspace.api_keys:
            principals[api_key.key.get_secret_value()] = _Principal(
                index=len(principals),
                workspace=workspace.name,
                prefixes=frozenset(workspace.prefixes),
                manage=MANAGE_SCOPE in api_key.scopes,
                onboarded=workspace.onboarded,
                environments=None
                if workspace.environments is None
                else frozenset({rules.PRODUCTION_ENVIRONMENT, *workspace.environments}),
            )
    store = EndpointStore(db_path)
    stats = Stats()
    limiter = RateLimiter(config.rate_limit_per_second)

    api = FastAPI(
        title="Baseten Frontier Gateway management API (emulator)",
        version="1.0.0",
        description="A local emulator of the documented `/v1/gateway/endpoints` routes.",
        separate_input_output_schemas=False,
        default_response_class=JSONResponse,
    )
    api.router.redirect_slashes = False  # the real API documents no redirects; a 307 would be a surprise

    def authorize(request: Request) -> _Principal:
        """401 for a missing or unknown key, 429 over its rate limit, 403 without management scope."""
        header = request.headers.get("authorization")
        if not header:
            raise ApiError(
                401, "missing API key: send 'Authorization: Api-Key <key>' or 'Authorization: Bearer <key>'"
            )
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("api-key", "bearer") or not token.strip():
            raise ApiError(401, "malformed Authorization header: expected 'Api-Key <key>' or 'Bearer <key>'")
        principal = principals.get(token.strip())
        if principal is None:
            raise ApiError(401, "invalid API key")
        wait = limiter.check(principal.index)
        if wait is not None:
            stats.rate_limited += 1
            raise ApiError(429, RATE_LIMIT_MESSAGE, retry_after=wait)
        if not principal.onboarded:
            raise ApiError(403, f"workspace {principal.workspace!r} is not onboarded to Frontier Gateway")
        if not principal.manage:
            raise ApiError(
                403, "this API key lacks management scope, which every endpoint operation requires"
            )
        return principal

    @api.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        body: dict[str, Any] = {"error": exc.message}
        headers = None
        if exc.retry_after is not None:
            body["retry_after"] = exc.retry_after
            headers = {"Retry-After": retry_after_header(exc.retry_after)}
        return _error_response(exc.status, body, headers)

    @api.exception_handler(EndpointNotFoundError)
    @api.exception_handler(EndpointForbiddenError)
    async def lookup_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, (EndpointNotFoundError, EndpointForbiddenError))
        return await api_error(request, _lookup_error(exc))

    @api.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            loc = list(error.get("loc", ()))
            if (
                len(loc) > 1
                and loc[0] in ("body", "query", "path", "header", "cookie")
                and isinstance(loc[1], str)
            ):
                loc = loc[1:]
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "body"
            problems.append(f"{path}: {error.get('msg', 'is invalid')}")
        return _error_response(400, {"error": "; ".join(problems) or "invalid request"})

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error_response(exc.status_code, {"error": str(exc.detail)}, exc.headers)

    @api.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        # A bug in the emulator, not an injected fault: still the documented error shape.
        return _error_response(500, {"error": f"internal emulator error: {type(exc).__name__}"})

    @api.post(
        ENDPOINTS_PATH,
        summary="Creates a Gateway endpoint",
        operation_id="create_endpoint",
        response_model=models.Endpoint,
        responses=_error_responses(400, 401, 403, 429),
        openapi_extra=_request_body("CreateEndpointRequest", "The slug, its one target, and the region."),
    )
    async def create_endpoint(request: Request) -> Response:
        principal = authorize(request)
        body = await _json_object(request)
        slug, targets, region = body.get("slug"), body.get("targets"), body.get("region")
        problems = _unknown_fields(body, _CREATE_FIELDS)
        problems += map(
            str, rules.validate_endpoint(slug, targets, region, owned_prefixes=principal.prefixes)
        )
        _raise_if(problems or _unknown_environments(targets, principal.environments))
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

    @api.get(
        ENDPOINTS_PATH,
        summary="Lists Gateway endpoints",
        operation_id="list_endpoints",
        response_model=models.EndpointPage,
        responses=_error_responses(400, 401, 403, 429),
        openapi_extra=_LIST_PARAMETERS,
    )
    async def list_endpoints(request: Request) -> Response:
        principal = authorize(request)
        params = request.query_params
        limit = _parse_limit(params.get("limit"))
        raw_cursor = params.get("cursor")
        after = _decode_cursor(raw_cursor) if raw_cursor else 0
        rows, has_more = store.page(principal.workspace, after, limit)
        return JSONResponse(
            {
                "items": [row.to_api() for row in rows],
                "pagination": {
                    "has_more": has_more,
                    "cursor": _encode_cursor(rows[-1].seq) if has_more else None,
                },
            }
        )

    @api.get(
        ENDPOINT_PATH,
        summary="Gets a Gateway endpoint",
        operation_id="get_endpoint",
        response_model=models.Endpoint,
        responses=_error_responses(401, 403, 404, 429),
    )
    async def get_endpoint(endpoint_id: str, request: Request) -> Response:
        principal = authorize(request)
        return _ok(store.get(_path_id(request), principal.workspace))

    @api.patch(
        ENDPOINT_PATH,
        summary="Updates a Gateway endpoint",
        operation_id="update_endpoint",
        response_model=models.Endpoint,
        responses=_error_responses(400, 401, 403, 404, 429),
        openapi_extra=_request_body(
            "UpdateEndpointRequest", "The new full target list; omit it (or send null) to change nothing."
        ),
    )
    async def update_endpoint(endpoint_id: str, request: Request) -> Response:
        principal = authorize(request)
        endpoint_id = _path_id(request)
        body = await _json_object(request)
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
        _raise_if(problems or _unknown_environments(targets, principal.environments))
        if targets is None:
            return _ok(store.get(endpoint_id, principal.workspace))
        assert isinstance(targets, list)
        return _ok(store.update_targets(endpoint_id, principal.workspace, rules.canonical_targets(targets)))

    @api.delete(
        ENDPOINT_PATH,
        summary="Deletes a Gateway endpoint",
        operation_id="delete_endpoint",
        response_model=models.EndpointTombstone,
        responses=_error_responses(401, 403, 404, 429),
    )
    async def delete_endpoint(endpoint_id: str, request: Request) -> Response:
        principal = authorize(request)
        row = store.delete(_path_id(request), principal.workspace)
        return JSONResponse({"id": row.id, "slug": row.slug})

    # -- admin routes: no auth, not rate limited, not counted, not in the OpenAPI document ----------------

    @api.get("/_emulator/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/_emulator/stats", include_in_schema=False)
    async def get_stats() -> dict[str, Any]:
        return emulator.stats_snapshot()

    @api.post("/_emulator/reset-stats", include_in_schema=False)
    async def reset_stats() -> dict[str, Any]:
        stats.reset()
        return emulator.stats_snapshot()

    @api.get("/_emulator/faults", include_in_schema=False)
    async def get_faults() -> dict[str, Any]:
        return emulator.fault_settings()

    @api.put("/_emulator/faults", include_in_schema=False)
    async def put_faults(settings: FaultSettings) -> dict[str, Any]:
        emulator.configure(settings)
        return emulator.fault_settings()

    def openapi() -> dict[str, Any]:
        """FastAPI's document plus the request-body schemas and the API's security scheme."""
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
            for name, schema in _request_schemas().items():
                schemas.setdefault(name, schema)
            components["securitySchemes"] = {
                "BearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`Authorization: Bearer <api_key>`; `Authorization: Api-Key <api_key>` "
                    "is accepted too.",
                }
            }
            document["security"] = [{"BearerAuth": []}]
            api.openapi_schema = document
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]

    emulator = EmulatorApp(api, store=store, limiter=limiter, stats=stats, settings=faults or FaultSettings())
    return emulator
