"""``baseten-gateway-emulator``: serve the emulator with uvicorn until SIGTERM or SIGINT.

The socket is bound here, before uvicorn starts, so ``--port 0`` works and the base URL can be
printed as the first line of stdout: a parent process reads that line and knows the server is
accepting connections (the listen backlog holds them until uvicorn's loop picks them up).
"""

from __future__ import annotations

import argparse
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable, Sequence
from types import FrameType

import uvicorn
from pydantic import ValidationError

from .app import create_app
from .config import (
    DEFAULT_API_KEY,
    DEFAULT_PREFIX,
    DEFAULT_WORKSPACE,
    ConfigError,
    FaultSettings,
    describe_validation_error,
    load_config,
)

__all__ = ["main"]

PROG = "baseten-gateway-emulator"
DEFAULT_DB = "baseten-gateway-emulator.sqlite3"


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, got {text!r}")
    return value


def _non_negative(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a non-negative {kind.__name__}, got {text!r}"
            ) from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"must be a non-negative {kind.__name__}, got {text!r}")
        return value

    return parse


_EPILOG = f"""\
Without --config there is one workspace {DEFAULT_WORKSPACE!r} owning prefix {DEFAULT_PREFIX!r}, with API
key {DEFAULT_API_KEY!r} (management scope) and no public key.

--config is a JSON file:
  {{"workspaces": [{{"name": "acme", "prefixes": ["acme"],
                   "api_keys": [{{"key": "acme-key", "scopes": ["manage"]}},
                                {{"key": "acme-viewer", "scopes": ["view"]}}],
                   "public_key": "<Ed25519 public key>",
                   "team_name": "Acme",
                   "onboarded": true,
                   "environments": ["staging"]}}],
   "rate_limit_per_second": 100}}
Only "name" and "api_keys" are required.

public_key: the workspace's Ed25519 public key, against which "Register an API key" checks the
X-Baseten-Signature header (base64 Ed25519 signature of the raw body). Either the 32-byte raw key in
base64, as the docs register it:
  openssl pkey -in priv.pem -pubout -outform DER | tail -c 32 | base64
or the PEM block "openssl pkey -in priv.pem -pubout" prints (newlines as \\n in JSON). Without it,
registering answers 400 "Must configure a public key before registering API keys".
team_name: the primary team echoed by /v1/secrets (default: the workspace name)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Local emulator of the Baseten Frontier Gateway management API (/v1/gateway/endpoints, "
        "/v1/gateway/groups and their API keys) and of /v1/secrets. Prints the base URL as the first line "
        "of stdout, then serves until SIGTERM or SIGINT. /docs describes the API (offline), /openapi.json "
        "is its OpenAPI document.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    parser.add_argument(
        "--port", type=_non_negative(int), default=0, help="port to bind; 0 picks a free one (default: 0)"
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="SQLite database file, or :memory: (default: %(default)s)"
    )
    parser.add_argument(
        "--config", help="JSON file of workspaces: prefixes, API keys, public key, team (see below)"
    )
    parser.add_argument("--seed", type=int, help="seed of the fault generator (default: 0)")
    parser.add_argument(
        "--rate-limit",
        type=_non_negative(int),
        help="requests per second per API key; 0 turns limiting off (default: the config's, or 100)",
    )
    parser.add_argument(
        "--latency-ms", type=_non_negative(float), default=0.0, help="latency added to every /v1 request"
    )
    parser.add_argument("--error-rate", type=_rate, default=0.0, help="share of /v1 requests answered 5xx")
    parser.add_argument(
        "--rate-limit-rate",
        type=_rate,
        default=0.0,
        help="share of /v1 requests answered with an injected 429",
    )
    parser.add_argument(
        "--drop-rate",
        type=_rate,
        default=0.0,
        help="share of /v1 writes that commit but get no response (the connection is aborted)",
    )
    parser.add_argument(
        "--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.add_argument("--access-log", action="store_true", help="log every request (off by default)")
    return parser


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on the first address ``host`` resolves to.

    The protocol must be ``IPPROTO_TCP`` explicitly (``socket.create_server`` leaves it 0): asyncio
    only sets ``TCP_NODELAY`` on accepted sockets whose proto says TCP, and without it every response
    (headers and body are separate writes) waits ~40 ms on Nagle and delayed ACKs.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator; returns the process exit status (0 after SIGTERM/SIGINT)."""
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    try:
        faults = FaultSettings(
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            rate_limit_rate=args.rate_limit_rate,
            drop_rate=args.drop_rate,
            seed=args.seed,
            rate_limit=args.rate_limit,
        )
    except ValidationError as exc:
        print(f"{PROG}: invalid fault settings: {describe_validation_error(exc)}", file=sys.stderr)
        return 2
    try:
        app = create_app(config, db_path=args.db, faults=faults)
    except sqlite3.Error as exc:
        print(f"{PROG}: cannot open database {args.db!r}: {exc}", file=sys.stderr)
        return 1
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        app.close()
        print(f"{PROG}: cannot bind {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1

    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"http://{host}:{sock.getsockname()[1]}", flush=True)

    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level=args.log_level,
            access_log=args.access_log,
            lifespan="off",
            proxy_headers=False,
            timeout_graceful_shutdown=5,
        )
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        # Installed before uvicorn's own handlers (which it restores and re-raises into on exit), so a
        # signal arriving before or after uvicorn's run ends in a clean exit 0 rather than a re-kill.
        server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.close()
    return 0
