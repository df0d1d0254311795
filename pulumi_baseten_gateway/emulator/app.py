"""The emulated Frontier Gateway management API, assembled: :func:`create_app` and :class:`EmulatorApp`.

The parts live in their own modules: one router per resource (:mod:`.routes`) and one store per
resource on a shared SQLite database (:mod:`.database`), the caller checks as dependencies
(:mod:`.dependencies`, :mod:`.auth`), shared state on ``app.state`` (:mod:`.state`), the error handlers
(:mod:`.errors`), the OpenAPI edits (:mod:`.openapi`) and the offline ``/docs`` page (:mod:`.docs`).
The fault injector (:mod:`.faults`) wraps the FastAPI app from outside, so injected faults happen before
the API runs; inside it, :class:`~.bodies.BodyLimit` answers 413 to an oversized body before any route.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from . import state
from .auth import RateLimiter, principals_from_config
from .bodies import BodyLimit
from .config import EmulatorConfig, FaultSettings
from .database import Database
from .docs import install_docs
from .endpoint_store import EndpointStore
from .errors import install_exception_handlers
from .faults import FaultInjector, Stats
from .openapi import install_openapi
from .responses import JSONResponse
from .routes import ADMIN_ROUTER, RESOURCES

__all__ = ["EmulatorApp", "RateLimiter", "create_app"]


class EmulatorApp:
    """The ASGI application to serve: the API behind the fault-injection layer.

    ``api`` is the FastAPI app (its OpenAPI document, routes, ``state``), ``injector`` the
    :class:`FaultInjector` in front of it, ``store`` the endpoint rows (every store shares
    ``api.state.db``); call :meth:`close` when done serving.
    ``routes`` (default: ``api.routes``) are the ones whose templates key the request counters.
    """

    def __init__(
        self,
        api: FastAPI,
        *,
        routes: Sequence[BaseRoute] | None = None,
        settings: FaultSettings | None = None,
    ) -> None:
        self.api = api
        self.injector = FaultInjector(
            BodyLimit(api),
            routes=api.routes if routes is None else routes,
            stats=state.stats_of(api.state),
            settings=FaultSettings(),
        )
        api.state.faults = self.injector
        self.configure(settings or FaultSettings())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.injector(scope, receive, send)

    @property
    def store(self) -> EndpointStore:
        return state.endpoints_of(self.api.state)

    @property
    def limiter(self) -> RateLimiter:
        return state.limiter_of(self.api.state)

    @property
    def stats(self) -> Stats:
        return state.stats_of(self.api.state)

    @property
    def settings(self) -> FaultSettings:
        """The fault settings in force (``seed`` is the one in use)."""
        return self.injector.settings

    @property
    def seed(self) -> int:
        return self.injector.seed

    def configure(self, settings: FaultSettings) -> None:
        """Replace the fault settings; ``rate_limit``, when given, also resets the real limiter's limit."""
        state.configure(self.api.state, settings)

    def fault_settings(self) -> dict[str, Any]:
        """The current settings, with the seed in use and the real rate limit."""
        return state.fault_settings(self.api.state)

    def stats_snapshot(self) -> dict[str, Any]:
        """Counters plus live and deleted endpoint counts."""
        return state.stats_snapshot(self.api.state)

    def close(self) -> None:
        """Close the database."""
        state.db_of(self.api.state).close()


def create_app(
    config: EmulatorConfig | None = None,
    *,
    db_path: str = ":memory:",
    faults: FaultSettings | None = None,
) -> EmulatorApp:
    """Build the emulator: ``config`` (default: the demo workspace), data in ``db_path``, ``faults`` off."""
    config = config or EmulatorConfig.default()
    api = FastAPI(
        title="Baseten Frontier Gateway management API (emulator)",
        version="1.0.0",
        description="A local emulator of the documented Frontier Gateway routes (`/v1/gateway/endpoints`, "
        "`/v1/gateway/groups` and their API keys) and of `/v1/secrets`.",
        separate_input_output_schemas=False,
        default_response_class=JSONResponse,
        docs_url=None,  # FastAPI's Swagger UI loads assets from a CDN: install_docs serves an offline page
        redoc_url=None,
    )
    api.router.redirect_slashes = False  # the real API documents no redirects; a 307 would be a surprise
    state.install_state(
        api.state,
        db=Database(db_path),
        limiter=RateLimiter(config.rate_limit_per_second),
        stats=Stats(),
        principals=principals_from_config(config),
    )
    install_exception_handlers(api)
    routers = [*(resource.router for resource in RESOURCES), ADMIN_ROUTER]
    for router in routers:
        api.include_router(router)
    install_openapi(
        api,
        (resource.request_schemas for resource in RESOURCES),
        (resource.edit_document for resource in RESOURCES),
    )
    install_docs(api)
    # The counters need every route's template. Newer FastAPI versions keep an included router's routes
    # behind one entry of ``api.routes``, so they are listed from the routers themselves.
    routes = [*api.routes, *(route for router in routers for route in router.routes)]
    return EmulatorApp(api, routes=routes, settings=faults)
