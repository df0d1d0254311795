"""The bounds of one exchange: whatever the server does, an attempt ends by its deadline, in bounded memory.

- **in time**: every attempt (connect, send, headers, the whole body) ends by its deadline, which
  :class:`~.transport.Transport` sets in :data:`_DEADLINE` while the attempt runs. Every socket operation of
  the connection pool waits at most until that deadline (a network backend wrapped around httpcore's,
  :class:`_DeadlineBackend`, installed by :func:`_bound_connection_pools`), so a reply that trickles one
  byte at a time cannot stretch an attempt;
- **in memory**: a body is streamed and refused past its limit after decoding, a compressed one decoded
  in bounded steps (:func:`_read_body`, :class:`_Decoder`).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

#: Raw bytes read per step, and the most one decoding step yields (a gzip bomb expands a thousandfold).
_READ_CHUNK = 16 * 1024
_DECODE_STEP = 256 * 1024

# -- time --------------------------------------------------------------------------------------------------

#: The deadline (``time.monotonic()``) of the attempt running on this thread, read by every socket
#: operation of the connection pool while it runs.
_DEADLINE: ContextVar[float | None] = ContextVar("pulumi_baseten_gateway_deadline", default=None)


def _until_deadline(timeout: float | None, overdue: type[Exception]) -> float | None:
    """``timeout`` cut to what is left of the current attempt; ``overdue`` when nothing is."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise overdue("the attempt's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the current attempt's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _until_deadline(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _until_deadline(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        left = _until_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's network backend, with connects and every stream bounded by the attempt's deadline.

    httpx's per-phase timeouts bound each socket operation, not their sum: a server sending one byte
    every few seconds never trips them. Bounding each operation by what is left of the attempt does.
    """

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = _until_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, left, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        left = _until_deadline(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _bound_connection_pools(client: httpx.Client) -> int:
    """Wrap the network backend of each of ``client``'s connection pools (its own, and a proxy's).

    httpx does not take a network backend, so this sets the pools' backend before any connection is
    made. Returns how many pools it bounded (0 for a transport that is not httpx's, e.g. in tests).
    """
    bounded = 0
    for transport in [client._transport, *client._mounts.values()]:
        if not isinstance(transport, httpx.HTTPTransport):
            continue
        pool: Any = transport._pool
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend):
            if not isinstance(backend, _DeadlineBackend):
                pool._network_backend = _DeadlineBackend(backend)
            bounded += 1
    return bounded


class _Overdue(Exception):
    """The attempt's deadline passed while its body was still arriving (a transport not bounded above)."""


# -- memory ------------------------------------------------------------------------------------------------


class _Decoder:
    """Decodes a ``Content-Encoding`` in pieces of at most ``_DECODE_STEP`` bytes.

    httpx decodes each network read whole: up to 64 KiB in, and a thousand times that out for a gzip
    bomb, before any cap could look at it. zlib's ``max_length`` keeps every piece small instead.
    Encodings other than gzip and deflate (the only ones the client asks for) pass through, as httpx
    passes unknown ones.
    """

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        zipped = encoding in ("gzip", "x-gzip", "deflate")
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 32) if zipped else None  # gzip or zlib header
        self._started = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._zlib is None:
            yield data
            return
        try:
            out = self._zlib.decompress(data, _DECODE_STEP)
        except zlib.error:
            if self._encoding != "deflate" or self._started:
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, without the zlib header
            out = self._zlib.decompress(data, _DECODE_STEP)
        self._started = True
        yield out
        while self._zlib.unconsumed_tail or len(out) == _DECODE_STEP:  # more input, or more output, left
            out = self._zlib.decompress(self._zlib.unconsumed_tail, _DECODE_STEP)
            if not out:
                return
            yield out

    def flush(self) -> bytes:
        return self._zlib.flush() if self._zlib is not None else b""


def _content_encoding(headers: httpx.Headers) -> str:
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > 1:
        raise zlib.error(f"more than one content coding ({', '.join(codings)})")
    return codings[0] if codings else "identity"


def _read_body(response: httpx.Response, limit: int, deadline: float) -> tuple[bytes, bool]:
    """The decoded body, read while it stays within ``limit`` bytes; ``(what was read, over)``.

    Stops reading at the first byte over the limit. Also stops at ``deadline`` (``_Overdue``) for a
    transport whose reads the deadline does not bound already.
    """
    if response.is_stream_consumed:  # built from bytes already in memory (a mock transport in tests)
        content = response.content
        return content[: limit + 1], len(content) > limit
    encoding = _content_encoding(response.headers)
    declared = response.headers.get("content-length", "")
    if response.is_success and encoding == "identity" and declared.isdigit() and int(declared) > limit:
        return b"", True  # refused unread
    decoder = _Decoder(encoding)
    parts: list[bytes] = []
    size = 0
    for raw in response.iter_raw(_READ_CHUNK):
        for data in decoder.decode(raw):
            size += len(data)
            parts.append(data)
            if size > limit:  # an error answer keeps what it has for its message; a 2xx keeps nothing
                return (b"" if response.is_success else b"".join(parts)[:limit]), True
        if time.monotonic() > deadline:
            raise _Overdue
    data = decoder.flush()
    size += len(data)
    parts.append(data)
    return b"".join(parts), size > limit
