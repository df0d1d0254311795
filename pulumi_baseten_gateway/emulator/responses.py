"""The one response class of the emulator: compact JSON, ASCII only."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse as _FastAPIJSONResponse

__all__ = ["JSONResponse"]


class JSONResponse(_FastAPIJSONResponse):
    """JSON with non-ASCII escaped: a lone surrogate (legal in JSON input) must never make a 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")
