"""FastAPI dependencies shared by the resource routers: the checked caller.

A route that declares ``principal: Manager`` gets, before its body runs, the documented checks in
order: 401 for a missing, malformed or unknown key; 429 over the key's rate limit for this API endpoint
(counted in ``stats.rate_limited``); 403 for a workspace without Frontier Gateway or a key without
management scope. ``Viewer`` (List groups) accepts view scope too, and ``SecretsManager`` (``/v1/secrets``,
outside the Frontier Gateway gate) skips the onboarding check. Admin routes use none of this: they are
neither authenticated nor rate limited.

One dependency does all three checks, and routes read the stores from ``request.app.state`` rather than
through another dependency: FastAPI spends several microseconds resolving each dependency on every
request, and the emulator's hot path is benchmarked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from .auth import (
    Principal,
    authenticate,
    check_management_scope,
    check_secrets_scope,
    check_view_scope,
)
from .errors import ApiError
from .faults import RATE_LIMIT_MESSAGE
from .state import limiter_of, principals_of, stats_of

__all__ = ["Manager", "SecretsManager", "Viewer", "authorized", "rate_limit_key"]


def rate_limit_key(request: Request) -> str:
    """The API endpoint a request counts against: method and route template (ids don't split it)."""
    route = request.scope.get("route")
    template = getattr(route, "path_format", None) or request.url.path
    return f"{request.method} {template}"


def _checked(scope_check: Callable[[Principal], None]) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        state = request.app.state
        principal = authenticate(request.headers.get("authorization"), principals_of(state))
        wait = limiter_of(state).check((principal.index, rate_limit_key(request)))
        if wait is not None:
            stats_of(state).rate_limited += 1
            raise ApiError(429, RATE_LIMIT_MESSAGE, retry_after=wait)
        scope_check(principal)
        return principal

    return dependency


#: Authenticated (else 401), under its rate limit (else 429), with management scope (else 403).
authorized = _checked(check_management_scope)

#: A caller allowed to manage its workspace's gateway resources (authenticated, under its limit, scoped).
Manager = Annotated[Principal, Depends(authorized)]
#: A caller allowed to read the group list: view or management scope.
Viewer = Annotated[Principal, Depends(_checked(check_view_scope))]
#: A caller allowed to manage secrets: management scope, Frontier Gateway or not.
SecretsManager = Annotated[Principal, Depends(_checked(check_secrets_scope))]
