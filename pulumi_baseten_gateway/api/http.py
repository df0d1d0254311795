"""The HTTP layer every API call goes through: auth, pacing, retries, bounds, typed errors, parsing.

:class:`BaseClient` owns the connection pool and the retry machinery; the operations of each API live
in their own module (``api/endpoints.py``, ...) as subclasses, and :class:`~.client.GatewayClient`
combines them. It does not import Pulumi: scripts and other tools can use it on its own, and the
provider plugin's cold start stays short.

Retries (429, 5xx, dropped connections, timeouts) go through tenacity with exponential backoff, jitter,
a bounded number of attempts and a total time budget; a 429's ``retry_after`` is honoured when it fits
in the budget, and fails the call at once when it does not.

Whatever the server does, a call is bounded:

- **in time**: every attempt (connect, send, headers, the whole body) ends by its deadline, the sooner
  of ``RetryPolicy.attempt_timeout`` from its start and ``RetryPolicy.total_timeout`` from the start of
  the operation. Every socket operation of the connection pool waits at most until that deadline (a
  network backend wrapped around httpcore's, :class:`_DeadlineBackend`), so a reply that trickles one
  byte at a time cannot stretch an attempt; waits between attempts and the pacer never go past the
  operation's deadline either;
- **in memory**: a body is streamed and refused past ``max_response_bytes`` after decoding, a
  compressed one decoded in bounded steps (:func:`_read_body`);
- **in what it repeats**: the API key and any ``Authorization``/``Api-Key``/``Bearer`` value are
  scrubbed from everything the server says before it reaches an exception or a log (:class:`_Scrubber`).
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import json
import logging
import math
import random
import re
import threading
import time
import weakref
import zlib
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpcore
import httpx
import pydantic
from tenacity import RetryCallState, Retrying, retry_if_exception

from ..errors import (
    APIStatusError,
    ConfigurationError,
    InvalidInputError,
    MalformedResponseError,
    RateLimitError,
    RequestContext,
    ResponseTooLargeError,
    TransportError,
    error_class_for_status,
)
from ..resources.common import Violation

__all__ = [
    "DEFAULT_ATTEMPT_TIMEOUT",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOTAL_TIMEOUT",
    "LOGGER_NAME",
    "BaseClient",
    "Reply",
    "RetryPolicy",
    "parse",
    "raise_if_invalid",
]

DEFAULT_BASE_URL = "https://api.baseten.co"
#: httpx's own per-phase timeouts (connect, each read, each write, waiting for a pooled connection);
#: each is also cut short by the attempt's deadline.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: Wall-clock bound of one attempt: connect, send, headers and the whole body.
DEFAULT_ATTEMPT_TIMEOUT = 30.0
#: Wall-clock bound of one operation, retries, waits and look-ups included.
DEFAULT_TOTAL_TIMEOUT = 120.0
#: The largest body accepted, after decoding. The largest legitimate answer, a page of 1,000
#: endpoints, is about 0.3 MB (0.8 MB with long names in every field): ten times that and more.
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
#: How much of an error answer is read: its message is shortened to 500 characters anyway.
_MAX_ERROR_BYTES = 64 * 1024
#: Raw bytes read per step, and the most one decoding step yields (a gzip bomb expands a thousandfold).
_READ_CHUNK = 16 * 1024
_DECODE_STEP = 256 * 1024
_MAX_RETRY_AFTER = 86_400.0
_MAX_MESSAGE = 500
_REDACTED = "<redacted>"
_MIN_SECRET = 8

#: The logger of every API module: requests at DEBUG (method, path, status, time), retries at WARNING.
LOGGER_NAME = "pulumi_baseten_gateway.api"
_logger = logging.getLogger(LOGGER_NAME)
_ModelT = TypeVar("_ModelT", bound=pydantic.BaseModel)
_ClientT = TypeVar("_ClientT", bound="BaseClient")


def _positive_seconds(value: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < math.inf


@dataclass(frozen=True)
class RetryPolicy:
    """How hard, and how long, the client tries before an error reaches the caller.

    ``max_attempts`` counts the first try. Backoff doubles from ``initial_backoff`` up to ``max_backoff``
    with full jitter in its upper half; a 429's ``retry_after`` replaces the backoff.

    Time is bounded twice, by the wall clock: one attempt (connect, send, the answer's headers and its
    whole body) ends after ``attempt_timeout`` seconds at most, and one operation (every attempt, the
    waits between them, a create's look-ups) after ``total_timeout`` seconds from its start: no wait
    or attempt runs past it, and a 429 asking to wait longer than what is left fails at once.
    """

    max_attempts: int = 8
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT
    initial_backoff: float = 0.25
    max_backoff: float = 10.0
    retry_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 500, 502, 503, 504}))
    attempt_timeout: float = DEFAULT_ATTEMPT_TIMEOUT

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError("RetryPolicy.max_attempts must be at least 1")
        if not (_positive_seconds(self.total_timeout) and _positive_seconds(self.attempt_timeout)):
            raise ConfigurationError("RetryPolicy.total_timeout and attempt_timeout must be positive seconds")
        if self.initial_backoff < 0 or self.max_backoff < 0:
            raise ConfigurationError("RetryPolicy times must not be negative")

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries: every failure reaches the caller at once."""
        return cls(max_attempts=1)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1))
        return float(ceiling * random.uniform(0.5, 1.0))


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


# -- scrubbing ---------------------------------------------------------------------------------------------

#: ``Authorization: <value>`` (a header line, a JSON or dict echo) whose value is not ``Api-Key <token>``
#: or ``Bearer <token>`` (those are ``_SCHEME_TOKEN``'s) nor a placeholder such as ``<key>``.
_AUTHORIZATION_VALUE = re.compile(
    r"""(?ix)
    (\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)   # the name, a separator, maybe a quote
    (?!(?:api-key|bearer)\s)                           # not a scheme: that is the next pattern's
    ([^\s"'<][^"'\r\n]*)                                # the value, to a quote or the line's end
    """
)
#: ``Api-Key <token>`` and ``Bearer <token>``, wherever they appear.
_SCHEME_TOKEN = re.compile(r"(?i)\b(api-key|bearer)(\s+|%20|\+)([^\s\"'<>,;\\]+)")


def _scrub_credentials(text: str) -> str:
    """``text`` with every ``Authorization``, ``Api-Key`` and ``Bearer`` value redacted."""
    text = _AUTHORIZATION_VALUE.sub(lambda m: m.group(1) + _REDACTED, text)
    return _SCHEME_TOKEN.sub(lambda m: m.group(1) + m.group(2) + _REDACTED, text)


class _Scrubber:
    """Removes the API key, in any form a server could echo it, and any credential from server text.

    One per client. The key's forms are kept in a slot that no repr shows; nothing else keeps them. A
    key shorter than ``_MIN_SECRET`` characters (no real key is) is left to the generic patterns: as a
    plain string it would match ordinary text and data.
    """

    __slots__ = ("__weakref__", "_byte_needles", "_needles")

    def __init__(self, secret: str) -> None:
        forms = {secret, json.dumps(secret)[1:-1], quote(secret, safe="")}
        for text in (secret, f"Api-Key {secret}", f"Bearer {secret}"):
            forms.add(base64.b64encode(text.encode()).decode())
        forms = forms if len(secret) >= _MIN_SECRET else set()
        self._needles = tuple(sorted((f for f in forms if f), key=len, reverse=True))
        self._byte_needles = tuple(needle.encode() for needle in self._needles)
        _live_scrubbers.add(self)

    def text(self, text: str) -> str:
        """``text`` with the key and every ``Authorization``/``Api-Key``/``Bearer`` value redacted."""
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, _REDACTED)
        return _scrub_credentials(text)

    def body(self, content: bytes) -> bytes:
        """``content`` with the key redacted: no answer, not even a 2xx, brings it into the process."""
        for needle in self._byte_needles:
            if needle in content:
                content = content.replace(needle, _REDACTED.encode())
        return content

    def __repr__(self) -> str:
        return "_Scrubber(<redacted>)"

    def __reduce__(self) -> Any:
        raise TypeError("the scrubber holds the API key and is not picklable")


_live_scrubbers: weakref.WeakSet[_Scrubber] = weakref.WeakSet()


class _ScrubRecords(logging.Filter):
    """Scrubs what httpx and httpcore log about an exchange, as ours: their records can quote the server.

    httpx logs the reason phrase (INFO), httpcore a protocol error's text (DEBUG), both verbatim. Runs
    only for records their loggers' levels let through (none by default).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a record that cannot be formatted: the handler reports it, as without us
            return True
        scrubbed = _scrub_credentials(text)
        for scrubber in list(_live_scrubbers):
            scrubbed = scrubber.text(scrubbed)
        if scrubbed != text:
            record.msg, record.args = scrubbed, None
        return True


_SCRUB_RECORDS = _ScrubRecords()
for _name in (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
):
    logging.getLogger(_name).addFilter(_SCRUB_RECORDS)


# -- time bounds -------------------------------------------------------------------------------------------

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


class _Pacer:
    """Spaces requests at most ``rate`` per second across threads, and holds everyone after a 429.

    Pacing to the server's limit costs less than bouncing off it: a bounced request waits a whole
    ``retry_after`` and costs the caller an attempt. A hold is never longer than what is left of the
    budget of the call that was told to wait, and no caller waits past its own deadline for its turn.
    """

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._held_until = 0.0
        self._lock = threading.Lock()

    def wait_turn(self, deadline: float) -> tuple[float, bool]:
        """Wait for a turn, unless it would come after ``deadline``.

        Returns ``(0, False)`` after waiting, or ``(seconds until the turn, held after a 429)`` without
        waiting or taking a turn when it comes too late.
        """
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            if slot > deadline:
                return slot - now, self._held_until > now
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)
        return 0.0, False

    def hold(self, seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            self._next = max(self._next, until)
            self._held_until = max(self._held_until, until)


# -- answers -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One answer, read whole and within bounds: status, headers, the decoded (and scrubbed) body.

    ``received`` is the wall-clock time (``time.time()``) at which the body was complete.
    """

    status_code: int
    headers: httpx.Headers
    content: bytes
    reason_phrase: str
    received: float

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def server_time_offset(self) -> timedelta | None:
        """The server's clock minus ours, from the ``Date`` header (None without a usable one).

        ``Date`` has one-second resolution and is stamped before the answer travels, so the estimate
        errs low by up to a second plus the transfer time: the server's clock is never behind it.
        """
        header = self.headers.get("date")
        try:
            stamped = parsedate_to_datetime(header) if header else None
        except (TypeError, ValueError, IndexError):
            return None
        if stamped is None or stamped.tzinfo is None:
            return None
        return stamped - datetime.fromtimestamp(self.received, timezone.utc)


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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base_url_error(reason: str) -> ConfigurationError:
    return ConfigurationError(f"base_url {reason}", setting="base_url", reason=reason)


def _check_base_url(base_url: str) -> str:
    """The base URL without a trailing ``/``; refuses what would leak or go somewhere unintended.

    No message echoes the URL: it may carry credentials, or be a key pasted into the wrong setting.
    """
    try:
        parts = urlsplit(base_url)
        hostname, _ = parts.hostname, parts.port  # both parse lazily and may raise
        if not isinstance(base_url, str) or not base_url.isprintable() or any(c.isspace() for c in base_url):
            raise ValueError("whitespace or control characters")
    except (ValueError, TypeError):
        raise _base_url_error("is not a valid URL") from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _base_url_error("must not carry credentials (user:password@); use the API key setting")
    if parts.query or parts.fragment:
        raise _base_url_error("must not carry a query or a fragment")
    if parts.scheme not in ("https", "http") or not hostname:
        raise _base_url_error("must be an https:// URL with a host")
    if parts.scheme == "http" and not _is_loopback(hostname):
        raise _base_url_error(
            "uses plain http:// to a non-loopback host; use https:// "
            "(plain http is allowed only for 127.0.0.1, ::1 or localhost, e.g. the local emulator)"
        )
    return base_url.rstrip("/")


def _json_body(response: Reply) -> Any:
    """The body as JSON, or None when it is not (whatever its charset or nesting claims)."""
    try:
        return json.loads(response.content.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "..."


def _retry_after(response: Reply) -> float | None:
    """Seconds to wait from a 429: the body's ``retry_after``, else the ``Retry-After`` header.

    Capped at a day; whether to wait that long is the retry budget's decision, not the server's.
    """
    body = _json_body(response)
    value: object = body.get("retry_after") if isinstance(body, dict) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        header = response.headers.get("Retry-After")
        try:
            value = float(header) if header is not None else None
        except ValueError:
            try:
                value = parsedate_to_datetime(header).timestamp() - time.time()
            except (TypeError, ValueError, OverflowError):
                value = None
    if not isinstance(value, (int, float)) or value != value:  # absent or NaN
        return None
    return float(min(max(value, 0), _MAX_RETRY_AFTER))


def _utc_after(seconds: float) -> str:
    when = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


class BaseClient:
    """One connection pool, the API key, pacing, the retry policy and the bounds. Thread-safe.

    ``api_key`` is a workspace key with management scope. ``auth_scheme`` picks the header form
    (``Api-Key`` or ``Bearer``; the API accepts both). ``max_requests_per_second`` paces requests below
    the API's per-key limit (off when None). ``timeout`` is httpx's per-phase timeouts (each also cut by
    the attempt's wall-clock deadline, ``retry.attempt_timeout``). ``max_response_bytes`` caps a body
    after decoding (:class:`~pulumi_baseten_gateway.errors.ResponseTooLargeError` above it).
    ``transport`` swaps the HTTP layer (tests only: the deadline then bounds the body between reads).
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        auth_scheme: Literal["Api-Key", "Bearer"] = "Api-Key",
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        max_requests_per_second: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ConfigurationError("api_key is empty", setting="api_key", reason="is empty")
        if any(ch.isspace() for ch in api_key.strip()) or not api_key.isprintable():
            reason = "contains whitespace or control characters"
            raise ConfigurationError(f"api_key {reason}", setting="api_key", reason=reason)
        if auth_scheme not in ("Api-Key", "Bearer"):
            raise ConfigurationError(f"auth_scheme must be 'Api-Key' or 'Bearer', got {auth_scheme!r}")
        if max_requests_per_second is not None and max_requests_per_second <= 0:
            reason = "must be positive (or None for no pacing)"
            raise ConfigurationError(
                f"max_requests_per_second {reason}", setting="max_requests_per_second", reason=reason
            )
        if (
            isinstance(max_response_bytes, bool)
            or not isinstance(max_response_bytes, int)
            or max_response_bytes < 1
        ):
            reason = "must be a positive number of bytes"
            raise ConfigurationError(
                f"max_response_bytes {reason}", setting="max_response_bytes", reason=reason
            )
        self.base_url = _check_base_url(base_url)
        self.auth_scheme = auth_scheme
        self.max_response_bytes = max_response_bytes
        self._retry = retry or RetryPolicy()
        self._pacer = _Pacer(max_requests_per_second) if max_requests_per_second else None
        self._scrub = _Scrubber(api_key.strip())
        self._sleep = time.sleep  # tests swap it to observe waits without waiting
        self._operation = threading.local()  # .deadline: the running operation's, on this thread
        http_timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self._timeouts = http_timeout.as_dict()
        # Built once: tenacity keeps per-run state thread-locally, so threads may share them. A write's
        # loop may run requests of its own inside it (never a loop in itself), hence two.
        self._write_retrying = self._retrying()
        self._request_retrying = self._retrying()
        try:
            self._http = httpx.Client(
                base_url=self.base_url,
                auth=_ApiKeyAuth(f"{auth_scheme} {api_key.strip()}"),
                timeout=http_timeout,
                # Only what _read_body decodes in bounded steps.
                headers={
                    "Accept": "application/json",
                    "Accept-Encoding": "gzip, deflate",
                    "User-Agent": "pulumi-baseten-gateway",
                },
                # An API client authenticated by its key keeps no cookies: none is stored, none sent.
                cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
                transport=transport,
            )
        except httpx.InvalidURL:
            raise _base_url_error("is not a valid URL") from None
        _bound_connection_pools(self._http)

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy (fixed at construction)."""
        return self._retry

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, auth_scheme={self.auth_scheme!r})"

    def __enter__(self: _ClientT) -> _ClientT:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- machinery -------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _budget(self) -> Iterator[float]:
        """The running operation's deadline on this thread; starts one (``total_timeout``) if none runs.

        A write's look-ups and read-backs run inside the write's budget, never one of their own.
        """
        deadline: float | None = getattr(self._operation, "deadline", None)
        if deadline is not None:
            yield deadline
            return
        deadline = time.monotonic() + self._retry.total_timeout
        self._operation.deadline = deadline
        try:
            yield deadline
        finally:
            self._operation.deadline = None

    def _deadline(self) -> float:
        deadline: float | None = getattr(self._operation, "deadline", None)
        return deadline if deadline is not None else time.monotonic() + self._retry.total_timeout

    def _retrying(self) -> Retrying:
        policy = self._retry

        def retryable(exc: BaseException) -> bool:
            if isinstance(exc, RateLimitError):
                return 429 in policy.retry_statuses
            if isinstance(exc, APIStatusError):
                return exc.status in policy.retry_statuses
            return isinstance(exc, TransportError)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, RateLimitError) and exc.retry_after is not None:
                return exc.retry_after + random.uniform(0.0, 0.05)
            return policy.backoff(state.attempt_number)

        def stop(state: RetryCallState) -> bool:
            """No more attempts, or the next one would start at or after the operation's deadline."""
            if state.attempt_number >= policy.max_attempts:
                return True
            return time.monotonic() + state.upcoming_sleep >= self._deadline()

        return Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception(retryable),
            reraise=True,
            before_sleep=self._log_retry,
            sleep=lambda seconds: self._sleep(seconds),
        )

    @staticmethod
    def _log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        _logger.warning(
            "retrying after attempt %d (%.2fs to next): %s",
            state.attempt_number,
            state.upcoming_sleep,
            exc,
        )

    def _request(self, context: RequestContext, **kwargs: Any) -> Reply:
        """``_send`` under the retry policy, within one operation's budget (for idempotent requests)."""
        with self._budget():
            for attempt in self._request_retrying:
                with attempt:
                    return self._send(context, **kwargs)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _send(self, context: RequestContext, **kwargs: Any) -> Reply:
        """One HTTP exchange, within its deadline and size cap; a failure becomes a typed ``GatewayError``."""
        method, path = context.method, context.path
        overall = self._deadline()
        if self._pacer is not None:
            wait, held = self._pacer.wait_turn(overall)
            if wait:
                raise self._held(context, wait, held)
        now = time.monotonic()
        deadline = min(now + self._retry.attempt_timeout, overall)
        if deadline <= now:
            raise TransportError(
                context, f"not sent: the operation's {self._retry.total_timeout:g} s time budget ran out"
            )
        started = time.perf_counter()
        token = _DEADLINE.set(deadline)
        try:
            left = deadline - now
            timeouts = {phase: left if t is None else min(t, left) for phase, t in self._timeouts.items()}
            request = self._http.build_request(method, path, extensions={"timeout": timeouts}, **kwargs)
            response = self._http.send(request, stream=True)
            try:
                limit = self.max_response_bytes if response.is_success else _MAX_ERROR_BYTES
                content, over = _read_body(response, limit, deadline)
            finally:
                response.close()
        except (httpx.TransportError, httpx.DecodingError, zlib.error, _Overdue) as exc:
            # DecodingError/zlib.error: a body that does not decode as its Content-Encoding claims.
            reason = self._failure_reason(exc, deadline, now, by_attempt=deadline < overall)
            _logger.debug("%s %s failed after %.3fs: %s", method, path, time.perf_counter() - started, reason)
            raise TransportError(context, reason) from None
        finally:
            _DEADLINE.reset(token)
        status = response.status_code
        _logger.debug("%s %s -> %d in %.3fs", method, path, status, time.perf_counter() - started)
        if over and response.is_success:
            raise ResponseTooLargeError(context, status, self.max_response_bytes)
        reply = Reply(
            status, response.headers, self._scrub.body(content), response.reason_phrase, time.time()
        )
        if reply.is_success:
            return reply
        message = self._server_message(reply)
        if status == 429:
            retry_after = _retry_after(reply)
            if retry_after is not None and time.monotonic() + retry_after >= overall:
                # Waiting is pointless, and holding the pacer would freeze every later call.
                detail = (
                    f"{method} {path} returned HTTP 429: {message}; the server asks to wait "
                    f"{retry_after:g} s, more than this call's time budget has left: "
                    f"retry after {_utc_after(retry_after)}"
                )
                raise RateLimitError(context, status, message, retry_after, detail=detail)
            if self._pacer is not None and retry_after:
                self._pacer.hold(retry_after)
            raise RateLimitError(context, status, message, retry_after)
        raise error_class_for_status(status)(context, status, message)

    def _held(self, context: RequestContext, wait: float, held: bool) -> RateLimitError:
        why = "after the server's HTTP 429" if held else "to keep to max_requests_per_second"
        detail = (
            f"{context.method} {context.path} not sent: this client holds its requests {why} for "
            f"{wait:.1f} s more, past this call's time budget: retry after {_utc_after(wait)}"
        )
        return RateLimitError(context, 429, f"not sent: held {why}", wait, detail=detail)

    def _failure_reason(
        self, exc: BaseException, deadline: float, started: float, *, by_attempt: bool
    ) -> str:
        """Why an exchange got no usable answer, in words, scrubbed (a protocol error quotes the server)."""
        if isinstance(exc, (httpx.TimeoutException, _Overdue)) and time.monotonic() >= deadline - 0.001:
            bound = "the per-attempt time bound" if by_attempt else "the end of the operation's time budget"
            return f"timed out: no complete answer within {deadline - started:.3g} s ({bound})"
        if isinstance(exc, (httpx.DecodingError, zlib.error)):
            return f"the body does not decode as its Content-Encoding claims ({type(exc).__name__})"
        text = str(exc)
        return self._scrub.text(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)

    def _server_message(self, response: Reply) -> str:
        """The server's ``error`` text, else its body: scrubbed, then shortened."""
        body = _json_body(response)
        if isinstance(body, dict):
            for key in ("error", "detail", "message"):
                if isinstance(body.get(key), str):
                    return _shorten(self._scrub.text(str(body[key])))
        text = response.content.decode("utf-8", errors="replace").strip()
        return _shorten(self._scrub.text(text or response.reason_phrase or "(empty body)"))


def raise_if_invalid(context: RequestContext, violations: Sequence[Violation]) -> None:
    """Refuse input that breaks the rules before any request is sent."""
    if violations:
        raise InvalidInputError(str(context), violations)


def parse(response: Reply, model: type[_ModelT], context: RequestContext) -> _ModelT:
    """The body as ``model``; a body that is not the documented JSON is a ``MalformedResponseError``."""
    try:
        return model.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}" for err in exc.errors()[:5]
        )
        # The key itself never reaches here (``_Scrubber.body``); other credentials are scrubbed.
        raise MalformedResponseError(
            context, response.status_code, _shorten(_scrub_credentials(problems))
        ) from None
