"""How the API key travels: an ``Authorization`` header added to each request, never a client-wide one."""

from __future__ import annotations

from collections.abc import Generator

import httpx


class _ApiKeyAuth(httpx.Auth):
    """Adds the ``Authorization`` header per request, so the key is on no client-wide header map."""

    __slots__ = ("_header",)

    def __init__(self, header: str) -> None:
        self._header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "_ApiKeyAuth(<redacted>)"
