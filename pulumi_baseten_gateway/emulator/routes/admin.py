"""``/_emulator/...``: health, stats, faults and the rate limiter's clock, for tests, benchmarks and demos.

Not part of the emulated API: no authentication, no rate limit, not counted in the stats (the fault
injector lets ``/_emulator/`` through untouched) and not in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from .. import state
from ..config import FaultSettings
from ..responses import JSONResponse

__all__ = ["ADMIN_PREFIX", "router"]

ADMIN_PREFIX = "/_emulator"

router = APIRouter(prefix=ADMIN_PREFIX, include_in_schema=False, default_response_class=JSONResponse)


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/stats")
async def get_stats(request: Request) -> dict[str, Any]:
    return state.stats_snapshot(request.app.state)


@router.post("/reset-stats")
async def reset_stats(request: Request) -> dict[str, Any]:
    state.stats_of(request.app.state).reset()
    return state.stats_snapshot(request.app.state)


@router.get("/faults")
async def get_faults(request: Request) -> dict[str, Any]:
    return state.fault_settings(request.app.state)


@router.put("/faults")
async def put_faults(settings: FaultSettings, request: Request) -> dict[str, Any]:
    state.configure(request.app.state, settings)
    return state.fault_settings(request.app.state)


class ClockChange(BaseModel):
    """Body of ``PUT /_emulator/clock``: ``frozen`` stops (true) or restarts (false) the rate limiter's
    clock, omitted leaves it as it is; then ``advance`` moves it on by that many seconds."""

    model_config = ConfigDict(extra="forbid", strict=True)

    frozen: bool | None = None
    advance: float = Field(0.0, ge=0, le=86_400)


def _clock_snapshot(request: Request) -> dict[str, Any]:
    limiter = state.limiter_of(request.app.state)
    return {"now": limiter.now(), "frozen": limiter.frozen}


@router.get("/clock")
async def get_clock(request: Request) -> dict[str, Any]:
    """The rate limiter's clock: ``now`` (seconds) and whether it is ``frozen``."""
    return _clock_snapshot(request)


@router.put("/clock")
async def put_clock(change: ClockChange, request: Request) -> dict[str, Any]:
    """Freeze, advance or thaw the rate limiter's clock, so a test decides which one-second window each
    request lands in instead of the scheduler."""
    limiter = state.limiter_of(request.app.state)
    if change.frozen is True:
        limiter.freeze()
    elif change.frozen is False:
        limiter.thaw()
    if change.advance:
        limiter.advance(change.advance)
    return _clock_snapshot(request)
