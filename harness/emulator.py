"""The test workspaces of the gateway emulator, and helpers around them.

The emulator runs as a real subprocess (uvicorn, TCP, SQLite file) through
:class:`pulumi_baseten_gateway.emulator.process.EmulatorProcess`, re-exported here. The constants describe the
default test workspaces, so every test file uses the same keys and prefixes. :class:`InProcessEmulator` serves
the same application inside the test's process instead (no socket, an in-memory database), for tests of what
runs in-process (the lifecycle cores) that must stay fast: milliseconds per request, nothing to start.

Never change faults or the rate limit on the session-wide emulator (the ``emulator`` fixture): start a
private one with the ``make_emulator`` fixture instead.

The ``acme`` workspace has an Ed25519 public key (``ACME_PUBLIC_KEY``), so "Register an API key" works
there with bodies signed by :func:`sign`; ``globex`` has none (the documented "Must configure a public
key" 400). The signing key is derived from a fixed seed: it protects nothing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from pulumi_baseten_gateway.emulator.process import EmulatorProcess

__all__ = [
    "ACME_KEY",
    "ACME_ML_TEAM",
    "ACME_ML_TEAM_ID",
    "ACME_PREFIXES",
    "ACME_PUBLIC_KEY",
    "ACME_SIGNING_SEED",
    "ACME_TEAM_ID",
    "ACME_VIEWER_KEY",
    "ACME_WORKSPACE",
    "DEFAULT_WORKSPACES",
    "ENDPOINTS_PATH",
    "GLOBEX_KEY",
    "GLOBEX_PREFIX",
    "GLOBEX_WORKSPACE",
    "TEST_RATE_LIMIT",
    "EmulatorProcess",
    "InProcessEmulator",
    "auth_headers",
    "public_key_of",
    "sign",
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
#: The seed of acme's Ed25519 signing key, and its public key as the docs register it (raw, base64).
ACME_SIGNING_SEED = bytes.fromhex("b1f848216fe0385b2cf727c8b64901350ca71d2205fb669881be944ac036512f")
ACME_PUBLIC_KEY = "xkfpWR66nVSvAArmK3kxltqWIQYRHW6Ll9/lgaAfbpY="
#: acme's primary team (its id, as the config leaves it to the default) and a second team, ``ml``.
ACME_TEAM_ID = "team-acme"
ACME_ML_TEAM_ID = "team-acme-ml"
ACME_ML_TEAM = "ml"
#: High enough that the per-key limit never disturbs a test that does not ask for it.
TEST_RATE_LIMIT = 10_000

ENDPOINTS_PATH = "/v1/gateway/endpoints"

DEFAULT_WORKSPACES: tuple[dict[str, Any], ...] = (
    {
        "name": ACME_WORKSPACE,
        "prefixes": list(ACME_PREFIXES),
        "api_keys": [{"key": ACME_KEY, "scopes": ["manage"]}, {"key": ACME_VIEWER_KEY, "scopes": ["view"]}],
        "public_key": ACME_PUBLIC_KEY,
        "teams": [{"id": ACME_ML_TEAM_ID, "name": ACME_ML_TEAM}],
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


def sign(body: bytes, seed: bytes = ACME_SIGNING_SEED) -> str:
    """The ``X-Baseten-Signature`` of ``body``: its Ed25519 signature by the key of ``seed``, in base64."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return base64.b64encode(Ed25519PrivateKey.from_private_bytes(seed).sign(body)).decode("ascii")


def public_key_of(seed: bytes, *, pem: bool = False) -> str:
    """The public key of ``seed`` for a workspace's ``public_key``: raw base64, or a PEM block."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    if pem:
        return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def unique_slug(prefix: str = ACME_PREFIXES[0], name: str = "t") -> str:
    """A slug no other test uses (slugs are global on the shared emulator)."""
    return f"{prefix}/{name}-{uuid.uuid4().hex[:12]}"


class _ASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport that hands each request to an ASGI application in this process."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def send() -> tuple[int, httpx.Headers, bytes]:
            copy = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            answer = await self._asgi.handle_async_request(copy)
            return answer.status_code, answer.headers, await answer.aread()

        status, headers, content = asyncio.run(send())
        return httpx.Response(status, headers=headers, content=content, request=request)


class InProcessEmulator:
    """The emulator's application in this process, with the default test workspaces and an in-memory database.

    ``client(key)`` is a :class:`~pulumi_baseten_gateway.GatewayClient` that talks to it through a transport
    (no socket) and never retries unless told to; ``set_faults`` injects faults as the process's admin route
    does. Use as a context manager, or call :meth:`close`.
    """

    base_url = "http://127.0.0.1"

    def __init__(self, workspaces: Sequence[Mapping[str, Any]] = DEFAULT_WORKSPACES) -> None:
        from pulumi_baseten_gateway.emulator import create_app
        from pulumi_baseten_gateway.emulator.config import EmulatorConfig

        config = EmulatorConfig.from_dict(
            {"workspaces": [dict(w) for w in workspaces], "rate_limit_per_second": TEST_RATE_LIMIT}
        )
        self.app = create_app(config)

    def client(self, key: str = ACME_KEY, **options: Any) -> Any:
        from pulumi_baseten_gateway import GatewayClient, RetryPolicy

        options.setdefault("retry", RetryPolicy.none())
        return GatewayClient(key, base_url=self.base_url, transport=_ASGITransport(self.app), **options)

    def set_faults(self, **settings: Any) -> None:
        from pulumi_baseten_gateway.emulator.config import FaultSettings

        self.app.configure(FaultSettings(**settings))

    def stats(self) -> dict[str, Any]:
        """What ``GET /_emulator/stats`` answers: request, status, fault and row counters."""
        snapshot: dict[str, Any] = self.app.stats_snapshot()
        return snapshot

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> InProcessEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
