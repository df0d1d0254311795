"""Every error in the documented shape: ``{"error": "<one sentence>"}``, plus ``retry_after`` on a 429.

Routes and dependencies raise :class:`ApiError`; :func:`install_exception_handlers` turns it, the stores'
lookup errors (:class:`~.database.RowNotFoundError` 404, :class:`~.database.ForbiddenError` 403), FastAPI's
validation errors (never a 422: a 400 naming the field), Starlette's HTTP errors (router 404 and 405)
and any emulator bug (a 500) into that shape. ``retry_after`` is whole seconds, as documented.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .database import ForbiddenError, RowNotFoundError
from .faults import retry_after_header
from .responses import JSONResponse

__all__ = ["ApiError", "install_exception_handlers", "lookup_error"]


class ApiError(Exception):
    """Raised by handlers; turned into ``{"error": message}`` (plus ``retry_after`` for a 429)."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def lookup_error(exc: RowNotFoundError | ForbiddenError) -> ApiError:
    """The documented answer to an id the caller may not see: 403 if another workspace's, else 404."""
    return ApiError(403 if isinstance(exc, ForbiddenError) else 404, exc.message)


def _error_response(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _api_error_response(exc: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"error": exc.message}
    headers = None
    if exc.retry_after is not None:
        body["retry_after"] = exc.retry_after
        headers = {"Retry-After": retry_after_header(exc.retry_after)}
    return _error_response(exc.status, body, headers)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _api_error_response(exc)


async def _lookup_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, (RowNotFoundError, ForbiddenError))
    return _api_error_response(lookup_error(exc))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
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


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    raw_path: bytes = request.scope.get("raw_path") or b""
    if exc.status_code == 405 and b"%2f" in raw_path.lower():
        # Routing runs on the decoded path, so an id holding an encoded "/" can land on another route
        # (PATCH .../groups/x%2Fusage reaches .../groups/x/usage). On the wire that is one segment,
        # an id no resource has: the 404 the API gives for an unknown id, not a 405.
        return _error_response(404, {"error": "no resource at this path (an id holds an encoded '/')"})
    return _error_response(exc.status_code, {"error": str(exc.detail)}, exc.headers)


async def _internal_error(_: Request, exc: Exception) -> JSONResponse:
    # A bug in the emulator, not an injected fault: still the documented error shape.
    return _error_response(500, {"error": f"internal emulator error: {type(exc).__name__}"})


def install_exception_handlers(api: FastAPI) -> None:
    """Register the handlers that give every error the documented ``{"error": ...}`` body."""
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(ForbiddenError, _lookup_error)
    api.add_exception_handler(RowNotFoundError, _lookup_error)
    api.add_exception_handler(RequestValidationError, _validation_error)
    api.add_exception_handler(StarletteHTTPException, _http_error)
    api.add_exception_handler(Exception, _internal_error)
