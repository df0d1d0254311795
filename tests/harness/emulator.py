"""The test workspaces of the gateway emulator, and helpers around them.

The emulator runs as a real subprocess (uvicorn, TCP, SQLite file) through
:class:`pulumi_baseten_gateway.emulator.process.EmulatorProcess`, re-exported here. The constants describe the
default test workspaces, so every test file uses the same keys and prefixes.

Never change faults or the rate limit on the session-wide emulator (the ``emulator`` fixture): start a
private one with the ``make_emulator`` fixture instead.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi_baseten_gateway.emulator.process import EmulatorProcess

__all__ = [
    "ACME_KEY",
    "ACME_PREFIXES",
    "ACME_VIEWER_KEY",
    "ACME_WORKSPACE",
    "DEFAULT_WORKSPACES",
    "ENDPOINTS_PATH",
    "GLOBEX_KEY",
    "GLOBEX_PREFIX",
    "GLOBEX_WORKSPACE",
    "TEST_RATE_LIMIT",
    "EmulatorProcess",
    "auth_headers",
    "unique_slug",
    "write_config",
]

ACME_WORKSPACE = "acme"
ACME_PREFIXES = ("acme", "acme-labs")
ACME_KEY = "acme-key"  # management scope
ACME_VIEWER_KEY = "acme-viewer"  # view scope only: every endpoint operation is 403
GLOBEX_WORKSPACE = "globex"
GLOBEX_PREFIX = "globex"
GLOBEX_KEY = "globex-key"  # management scope
#: High enough that the per-key limit never disturbs a test that does not ask for it.
TEST_RATE_LIMIT = 10_000

ENDPOINTS_PATH = "/v1/gateway/endpoints"

DEFAULT_WORKSPACES: tuple[dict[str, Any], ...] = (
    {
        "name": ACME_WORKSPACE,
        "prefixes": list(ACME_PREFIXES),
        "api_keys": [{"key": ACME_KEY, "scopes": ["manage"]}, {"key": ACME_VIEWER_KEY, "scopes": ["view"]}],
    },
    {
        "name": GLOBEX_WORKSPACE,
        "prefixes": [GLOBEX_PREFIX],
        "api_keys": [{"key": GLOBEX_KEY, "scopes": ["manage"]}],
    },
)


def write_config(
    path: str | os.PathLike[str],
    workspaces: Sequence[Mapping[str, Any]] = DEFAULT_WORKSPACES,
    *,
    rate_limit_per_second: int = TEST_RATE_LIMIT,
) -> Path:
    """Write an emulator config file (several workspaces by default) and return its path."""
    target = Path(path)
    document = {"workspaces": [dict(w) for w in workspaces], "rate_limit_per_second": rate_limit_per_second}
    target.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return target


def auth_headers(key: str = ACME_KEY, scheme: str = "Api-Key") -> dict[str, str]:
    """``Authorization`` header for ``key`` (``Api-Key`` or ``Bearer``)."""
    return {"Authorization": f"{scheme} {key}"}


def unique_slug(prefix: str = ACME_PREFIXES[0], name: str = "t") -> str:
    """A slug no other test uses (slugs are global on the shared emulator)."""
    return f"{prefix}/{name}-{uuid.uuid4().hex[:12]}"
