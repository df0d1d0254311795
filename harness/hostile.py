"""A hostile HTTP server of our own, on raw sockets: it answers however a test tells it to, badly.

Well-behaved answers come from the emulator; this one trickles bodies and headers a byte at a time,
stalls, asks for absurd ``retry_after`` waits, sends gzip bombs, echoes the request's headers back, sets
cookies, and misstates its clock. It listens on 127.0.0.1 on an ephemeral port, serves each connection
on a thread of its own (one request per connection, then ``Connection: close``), records every request,
and on :meth:`HostileServer.stop` wakes every waiting behaviour, closes every socket and joins every
thread: nothing it started outlives it. Connections are bounded in number (``max_connections``), and a
behaviour's waits all end when the server stops.

::

    def handler(request: Request, index: int) -> Behaviour:
        return trickle(interval=0.05) if request.method == "GET" else json_reply(502, {"error": "bad"})

    with HostileServer(handler) as server:
        client = GatewayClient(KEY, base_url=server.base_url, ...)
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

__all__ = [
    "Behaviour",
    "Exchange",
    "HostileServer",
    "Request",
    "bomb",
    "echo",
    "gzip_bomb",
    "http_date",
    "json_reply",
    "reply",
    "stall",
    "trickle",
    "trickle_headers",
    "unsized",
]

_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 429: "Too Many Requests", 502: "Bad Gateway"}


@dataclass(frozen=True)
class Request:
    """One request as received: the raw head (request line and headers) is kept for echoing."""

    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    head: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Exchange:
    """One connection's request, and the means to answer it (raw bytes, on the server's terms)."""

    def __init__(self, request: Request, sock: socket.socket, stopping: threading.Event) -> None:
        self.request = request
        self._sock = sock
        self.stopping = stopping
        self.sent = 0

    def send(self, data: bytes) -> bool:
        """Send ``data``; False when the client has gone (or the server is stopping)."""
        if self.stopping.is_set():
            return False
        try:
            self._sock.sendall(data)
        except OSError:
            return False
        self.sent += len(data)
        return True

    def pause(self, seconds: float) -> bool:
        """Wait ``seconds`` (a pace the server keeps, not a synchronisation); False when stopping."""
        return not self.stopping.wait(seconds)


Behaviour = Callable[[Exchange], None]
Handler = Callable[[Request, int], Behaviour]


def _head(status: int, headers: Mapping[str, str] | None, length: int | None) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Whatever')}", "Connection: close"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reply(status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Behaviour:
    """A complete, ordinary answer."""

    def behave(exchange: Exchange) -> None:
        if exchange.send(_head(status, headers, len(body))):  # two sends: no copy of a large body
            exchange.send(body)

    return behave


def json_reply(status: int, obj: Any, headers: Mapping[str, str] | None = None) -> Behaviour:
    return reply(status, json.dumps(obj).encode(), {"Content-Type": "application/json", **(headers or {})})


def trickle(*, length: int = 100_000, interval: float = 0.05, status: int = 200) -> Behaviour:
    """Complete headers announcing ``length`` bytes, then the body one byte every ``interval`` seconds."""

    def behave(exchange: Exchange) -> None:
        if not exchange.send(_head(status, {"Content-Type": "application/json"}, length)):
            return
        for _ in range(length):
            if not (exchange.pause(interval) and exchange.send(b" ")):
                return

    return behave


def trickle_headers(*, interval: float = 0.05) -> Behaviour:
    """A status line, then one never-ending header, one byte every ``interval`` seconds."""

    def behave(exchange: Exchange) -> None:
        if not exchange.send(b"HTTP/1.1 200 OK\r\nX-Slow: "):
            return
        while exchange.pause(interval) and exchange.send(b"a"):
            pass

    return behave


def stall() -> Behaviour:
    """Read the request, answer nothing, hold the connection open until the server stops."""

    def behave(exchange: Exchange) -> None:
        exchange.stopping.wait()

    return behave


def echo(
    status: int = 400,
    *,
    as_json: bool = False,
    header: bool = False,
    reason: bool = False,
    form: str = "authorization",
) -> Behaviour:
    """Answer with the request's own head (its headers, the API key among them) in the error.

    ``as_json`` puts it in ``{"error": ...}`` and adds the headers as an object; ``header`` sends the
    ``Authorization`` value as a malformed header line instead (a protocol error that quotes it), and
    ``reason`` as the status line's reason phrase, with an empty body. ``form`` is what of the key is
    echoed: the whole ``authorization`` value (``Api-Key <key>``), or the key alone, ``bare``, ``base64``
    or ``url``-encoded, with no scheme word beside it for a pattern to recognise.
    """

    def behave(exchange: Exchange) -> None:
        request = exchange.request
        authorization = request.headers.get("authorization", "")
        if form != "authorization":
            key = authorization.split(" ", 1)[-1]
            authorization = {
                "bare": key,
                "base64": base64.b64encode(key.encode()).decode(),
                "url": urllib.parse.quote(key, safe=""),
            }[form]
            if not (header or reason):
                text = f"bad request; the key {authorization} is not valid here"
                reply(status, text.encode(), {"Content-Type": "text/plain"})(exchange)
                return
        if header or reason:
            line = f"HTTP/1.1 {status} {authorization if reason else 'Bad'}\r\n"
            rest = "Content-Length: 0\r\nConnection: close\r\n\r\n" if reason else f"{authorization}\r\n\r\n"
            exchange.send((line + rest).encode("latin-1"))
            return
        text = request.head.decode("latin-1")
        if as_json:
            body = json.dumps({"error": f"bad request; you sent: {text}", "headers": dict(request.headers)})
        else:
            body = f"bad request; you sent:\n{text}"
        content_type = "application/json" if as_json else "text/plain"
        reply(status, body.encode(), {"Content-Type": content_type})(exchange)

    return behave


_bombs: dict[tuple[int, str], bytes] = {}


def gzip_bomb(decoded_size: int, encoding: str = "gzip") -> bytes:
    """``decoded_size`` zero bytes compressed (about a thousandth of that), cached.

    ``encoding`` is ``gzip`` (the gzip format) or ``deflate`` (the zlib format HTTP's deflate means).
    """
    if (decoded_size, encoding) not in _bombs:
        wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
        block = bytes(1 << 20)
        parts = [compressor.compress(block) for _ in range(decoded_size >> 20)]
        parts.append(compressor.compress(bytes(decoded_size & ((1 << 20) - 1))))
        parts.append(compressor.flush())
        _bombs[decoded_size, encoding] = b"".join(parts)
    return _bombs[decoded_size, encoding]


def unsized(size: int, *, status: int = 200, block: int = 64 * 1024) -> Behaviour:
    """``size`` bytes of body with no ``Content-Length``: the end of the body is the end of the connection."""

    def behave(exchange: Exchange) -> None:
        if not exchange.send(_head(status, {"Content-Type": "application/json"}, None)):
            return
        chunk = b" " * block
        for _ in range(size // block):
            if not exchange.send(chunk):
                return

    return behave


def bomb(decoded_size: int, *, status: int = 200, encoding: str = "gzip") -> Behaviour:
    """A small ``Content-Encoding: gzip`` (or ``deflate``) body that decodes to ``decoded_size`` bytes."""
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    return reply(status, gzip_bomb(decoded_size, encoding), headers)


def http_date(offset: float = 0.0) -> str:
    """An HTTP ``Date`` value, ``offset`` seconds from now."""
    return formatdate(time.time() + offset, usegmt=True)


class HostileServer:
    """The server: ``handler(request, index)`` picks each request's behaviour (``index`` counts from 0)."""

    def __init__(self, handler: Handler, *, max_connections: int = 200, read_timeout: float = 10.0) -> None:
        self._handler = handler
        self._max_connections = max_connections
        self._read_timeout = read_timeout
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()
        self.requests: list[Request] = []
        self.exchanges: list[Exchange] = []
        self.errors: list[BaseException] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._acceptor = threading.Thread(target=self._accept, name="hostile-accept", daemon=True)
        self._acceptor.start()

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if method is None or r.method == method)

    def stop(self) -> None:
        """Wake every behaviour, close every socket, join every thread (each within a few seconds)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
            pass  # wakes the acceptor's accept()
        self._acceptor.join(5)
        self._listener.close()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5)
        assert not self._acceptor.is_alive(), "the hostile server's acceptor did not stop"
        assert not any(t.is_alive() for t in threads), "a hostile server connection did not stop"

    # -- serving -----------------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._stopping.is_set() or len(self._threads) >= self._max_connections:
                    sock.close()
                    continue
                self._sockets.add(sock)
                thread = threading.Thread(target=self._serve, args=(sock,), name="hostile-conn", daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            request = self._read_request(sock)
            if request is None:
                return
            with self._lock:
                index = len(self.requests)
                self.requests.append(request)
            exchange = Exchange(request, sock, self._stopping)
            with self._lock:
                self.exchanges.append(exchange)
            self._handler(request, index)(exchange)
        except Exception as exc:  # a broken test handler: kept for the test to see
            self.errors.append(exc)
        finally:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            with self._lock:
                self._sockets.discard(sock)

    def _read_request(self, sock: socket.socket) -> Request | None:
        sock.settimeout(self._read_timeout)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                body += chunk
        except (OSError, ValueError):
            return None
        sock.settimeout(None)
        return Request(method, path, headers, body, head)
