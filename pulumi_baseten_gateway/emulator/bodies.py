"""What every router reads from a request: a bounded JSON body, and the list parameters.

- :class:`BodyLimit` (ASGI, in front of the API) answers 413 to a declared ``Content-Length`` over
  :data:`MAX_BODY_BYTES` before any route runs; :func:`read_body` enforces the same bound while reading
  a body sent without one (chunked). Neither parses anything past the bound.
- :func:`json_object` parses a body into a JSON object, with a 400 naming what is wrong.
- :func:`list_page` answers every list route with the documented cursor pagination ("Page size.
  Default 100, maximum 1000"; an opaque cursor): :func:`parse_limit` and :func:`decode_cursor` read the
  query, :func:`page_json` writes the page; :data:`PAGE_PARAMETERS` documents them in the OpenAPI
  document.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_BODY_BYTES",
    "MAX_PAGE_SIZE",
    "PAGE_PARAMETERS",
    "BodyLimit",
    "decode_cursor",
    "encode_cursor",
    "json_object",
    "json_type",
    "list_page",
    "page_json",
    "parse_limit",
    "raise_if",
    "read_body",
    "unknown_fields",
]

#: The largest request body the emulator reads: 1 MiB (a group with every model is a few KiB).
MAX_BODY_BYTES = 1 << 20
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

_CURSOR_PREFIX = "seq:"
_MAX_SEQ_DIGITS = 18  # below SQLite's 64-bit integer limit
_MAX_DRAIN_BYTES = 16 << 20  # an oversized body is read and dropped up to here, so the client sees the 413
_TOO_LARGE = f"body: larger than the {MAX_BODY_BYTES}-byte limit"

#: The documented ``limit`` and ``cursor`` query parameters of every list operation.
PAGE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": f"Page size. Default {DEFAULT_PAGE_SIZE}, maximum {MAX_PAGE_SIZE}.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
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


class BodyLimit:
    """ASGI wrapper: 413 for a declared ``Content-Length`` over the limit, before the API sees the request.

    The body is drained (not parsed) up to 16 MiB first, so the client, still sending, reads the answer
    instead of a reset connection.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length", b"")
            if declared.isdigit() and (len(declared) > 18 or int(declared) > self.limit):
                await _drain(receive)
                payload = json.dumps({"error": _TOO_LARGE}, separators=(",", ":")).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": payload, "more_body": False})
                return
        await self.app(scope, receive, send)


async def _drain(receive: Receive) -> None:
    drained = 0
    while drained <= _MAX_DRAIN_BYTES:
        message: Message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def read_body(request: Request) -> bytes:
    """The raw body, read in chunks; 413 once it passes :data:`MAX_BODY_BYTES` (the rest is dropped)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            if size > _MAX_DRAIN_BYTES:
                break
            continue  # drained, not kept: the client finishes sending, then reads the 413
        chunks.append(chunk)
    if size > MAX_BODY_BYTES:
        raise ApiError(413, _TOO_LARGE)
    return b"".join(chunks)


def json_type(value: object) -> str:
    """The JSON type name of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return (
        "array" if isinstance(value, list) else "object" if isinstance(value, dict) else type(value).__name__
    )


def parse_json_object(raw: bytes, *, empty: dict[str, Any] | None = None) -> dict[str, Any]:
    """``raw`` parsed as a JSON object; an empty body is ``empty`` when given, else a 400."""
    if not raw.strip():
        if empty is not None:
            return empty
        raise ApiError(400, "body: is required: send a JSON object")
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ApiError(400, "body: invalid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise ApiError(400, f"body: invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"body: must be a JSON object, got {json_type(data)}")
    return data


async def json_object(request: Request, *, empty: dict[str, Any] | None = None) -> dict[str, Any]:
    """The request body as a JSON object (bounded, see :func:`read_body`)."""
    return parse_json_object(await read_body(request), empty=empty)


def unknown_fields(body: dict[str, Any], known: Sequence[str], path: str = "") -> list[str]:
    """One problem per key of ``body`` that is not in ``known`` (``path`` prefixes nested ones)."""
    return [
        f"{path}{key}: is not a known field (known: {', '.join(known)})" for key in body if key not in known
    ]


def raise_if(problems: Sequence[str]) -> None:
    """A 400 listing every problem, if there is any."""
    if problems:
        raise ApiError(400, "; ".join(problems))


def encode_cursor(seq: int) -> str:
    """The opaque cursor of the page after the row ``seq``."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{seq}".encode()).decode()


def decode_cursor(raw: str | None) -> int:
    """The ``seq`` a cursor continues after (0 without one); 400 for one this API did not hand out."""
    if not raw:
        return 0
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


def parse_limit(raw: str | None) -> int:
    """The page size: default 100, 1 to 1000, else a 400."""
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


class Sequenced(Protocol):
    """A stored row: ``seq`` orders the rows of a list and keys its cursor."""

    @property
    def seq(self) -> int: ...


Row = TypeVar("Row", bound=Sequenced)


def list_page(
    request: Request,
    fetch: Callable[[int, int], tuple[Sequence[Row], bool]],
    item: Callable[[Row], dict[str, Any]],
) -> dict[str, Any]:
    """The answer of a list request: ``fetch(after_seq, limit)``'s page, each row made JSON by ``item``.

    ``after_seq`` and ``limit`` come from the query's ``cursor`` and ``limit``: a 400 when either is
    malformed, ``limit`` checked first.
    """
    params = request.query_params
    limit = parse_limit(params.get("limit"))
    rows, has_more = fetch(decode_cursor(params.get("cursor")), limit)
    return page_json(rows, has_more, item)


def page_json(rows: Sequence[Row], has_more: bool, item: Callable[[Row], dict[str, Any]]) -> dict[str, Any]:
    """``{"items": [...], "pagination": {"has_more", "cursor"}}``; the cursor is null on the last page.

    ``item`` makes each row's JSON object; the cursor continues after the last row.
    """
    return {
        "items": [item(row) for row in rows],
        "pagination": {
            "has_more": has_more,
            "cursor": encode_cursor(rows[-1].seq) if has_more and rows else None,
        },
    }
