"""The HTTP layer every API call goes through: auth, pacing, retries, bounds, typed errors, parsing.

:class:`Transport` owns the connection pool and the retry machinery; the operations of each API live
in their own resource object (``api/endpoints.py``, ...: an :class:`APIResource` each), and
:class:`~.client.GatewayClient` is the transport with one of each. It does not import Pulumi: scripts
and other tools can use it on its own, and the provider plugin's cold start stays short.

Retries (429, 5xx, dropped connections, timeouts) go through tenacity with exponential backoff, jitter,
a bounded number of attempts and a total time budget; a 429's ``retry_after`` is honoured when it fits
in the budget, and fails the call at once when it does not.

Whatever the server does, a call is bounded:

- **in time**: every attempt (connect, send, headers, the whole body) ends by its deadline, the sooner
  of ``RetryPolicy.attempt_timeout`` from its start and ``RetryPolicy.total_timeout`` from the start of
  the operation; every socket operation waits at most until that deadline (``bounds.py``). Waits
  between attempts and the pacer (``pacing.py``) never go past the operation's deadline either;
- **in memory**: a body is streamed and refused past ``max_response_bytes`` after decoding, a
  compressed one decoded in bounded steps (``bounds.py``);
- **in what it repeats**: the API key and any ``Authorization``/``Api-Key``/``Bearer`` value are
  scrubbed from everything the server says before it reaches an exception or a log (``scrub.py``).

The options a client is built from are checked, and the key sent, by ``options.py``; an answer is read
whole into a :class:`Reply` (``answers.py``, with what the typed errors read from it).
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
import zlib
from collections.abc import Callable, Sequence
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
import msgspec
from tenacity import RetryCallState, Retrying, retry_if_exception

from ..errors import (
    APIStatusError,
    InvalidInputError,
    MalformedResponseError,
    RateLimitError,
    RequestContext,
    ResponseTooLargeError,
    TransportError,
    error_class_for_status,
)
from .answers import Reply, _json_body, _retry_after, _shorten, _utc_after
from .auth import _ApiKeyAuth
from .bounds import _DEADLINE, _bound_connection_pools, _Overdue, _read_body
from .clock import OperationClock
from .models.base import decode_hook
from .options import _base_url_error, _check_options, check_base_url
from .pacing import _Pacer
from .retry import DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, RetryPolicy
from .rules.common import Violation
from .scrub import _scrub_credentials, _Scrubber
from .signing import SigningKey

__all__ = [
    "DEFAULT_ATTEMPT_TIMEOUT",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOTAL_TIMEOUT",
    "LOGGER_NAME",
    "APIResource",
    "Reply",
    "RetryPolicy",
    "Transport",
    "item_path",
    "parse",
    "raise_if_invalid",
]

DEFAULT_BASE_URL = "https://api.baseten.co"
#: httpx's own per-phase timeouts (connect, each read, each write, waiting for a pooled connection);
#: each is also cut short by the attempt's deadline.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: The largest body accepted, after decoding. The largest legitimate answer, a page of 1,000
#: endpoints, is about 0.3 MB (0.8 MB with long names in every field): ten times that and more.
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
#: How much of an error answer is read: its message is shortened to 500 characters anyway.
_MAX_ERROR_BYTES = 64 * 1024

#: The logger of every API module: requests at DEBUG (method, path, status, time), retries at WARNING.
LOGGER_NAME = "pulumi_baseten_gateway.api"
_logger = logging.getLogger(LOGGER_NAME)
_T = TypeVar("_T")
_ModelT = TypeVar("_ModelT")  # a msgspec struct, or a protocol such structs meet (pages.Page)
_ClientT = TypeVar("_ClientT", bound="Transport")


class Transport:
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
        signing_key: SigningKey | None = None,
    ) -> None:
        _check_options(api_key, auth_scheme, max_requests_per_second, max_response_bytes)
        self.base_url = check_base_url(base_url)
        self.auth_scheme = auth_scheme
        self.max_response_bytes = max_response_bytes
        #: The workspace's Ed25519 private key: signs key registrations (``client.keys.register``) only.
        self.signing_key = signing_key
        self._retry = retry or RetryPolicy()
        self._pacer = _Pacer(max_requests_per_second) if max_requests_per_second else None
        self._scrub = _Scrubber(api_key.strip())
        self._clock = OperationClock(self._retry.total_timeout)
        # A wait between attempts, ended at once by cancel(); tests swap it to observe waits without waiting.
        self._sleep: Callable[[float], object] = self._clock.cancelled.wait
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
        self._compose()

    def _compose(self) -> None:
        """What a subclass builds over this transport, once it is ready (the client: its API resources)."""

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

    def time_limit(self, seconds: float | None) -> contextlib.AbstractContextManager[None]:
        """Give every operation run inside (on this thread) ``seconds`` from now, all retries and waits
        included, instead of ``RetryPolicy.total_timeout``: the time the caller was given for its work (the
        engine's ``customTimeouts``). None or 0: no change."""
        return self._clock.time_limit(seconds)

    def cancel(self) -> None:
        """Stop: a wait between attempts ends now, no request is sent from now on, and nothing is retried
        (the provider plugin's ``Cancel``, when the engine is interrupted). For good: the client is done."""
        self._clock.cancel()

    def _retrying(self) -> Retrying:
        policy = self._retry

        def retryable(exc: BaseException) -> bool:
            if self._clock.cancelled.is_set():
                return False
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
            return time.monotonic() + state.upcoming_sleep >= self._clock.deadline()

        return Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception(retryable),
            reraise=True,
            before_sleep=self._log_retry,
            sleep=self._wait,
        )

    def _wait(self, seconds: float) -> None:
        self._sleep(seconds)

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
        return self._retried(lambda: self._send(context, **kwargs), write=False)

    def _retried(self, attempt: Callable[[], _T], *, write: bool = True) -> _T:
        """``attempt()`` until it succeeds, under the retry policy, within one operation's time budget: the
        bounded-attempt loop of every operation. What must outlive an attempt (a look-up done, an ambiguous
        answer seen) lives in the caller's closure. A write's attempts may run requests of their own
        (look-ups, read-backs: ``write=False``), never another write's loop."""
        with self._clock.budget():
            return (self._write_retrying if write else self._request_retrying)(attempt)

    def _send(self, context: RequestContext, **kwargs: Any) -> Reply:
        """One HTTP exchange, within its deadline and size cap; a failure becomes a typed ``GatewayError``."""
        method, path = context.method, context.path
        if self._clock.cancelled.is_set():
            raise TransportError(context, "not sent: the run was cancelled")
        overall = self._clock.deadline()
        if self._pacer is not None:
            wait, held = self._pacer.wait_turn(overall)
            if wait:
                raise self._held(context, wait, held)
        now = time.monotonic()
        deadline = min(now + self._retry.attempt_timeout, overall)
        if deadline <= now:
            budget = self._clock.seconds()
            raise TransportError(context, f"not sent: the operation's {budget:g} s time budget ran out")
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
        return msgspec.json.decode(response.content, type=model, dec_hook=decode_hook)
    except msgspec.DecodeError as exc:  # not JSON, or JSON of another shape (``ValidationError``)
        # The key itself never reaches here (``_Scrubber.body``); other credentials are scrubbed.
        raise MalformedResponseError(
            context, response.status_code, _shorten(_scrub_credentials(str(exc)))
        ) from None


class APIResource:
    """The operations of one API (``client.endpoints``, ...) over the client's one :class:`Transport`."""

    #: The collection's path (``/v1/gateway/endpoints``), and what one item is called (``endpoint``).
    path: str
    noun: str

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._send = transport._send
        self._request = transport._request
        self._retried = transport._retried

    def _item_path(self, item: object, *, field: str, rule: str, what: str = "id") -> str:
        """The path of one item of this API's collection (``{path}/{item}``), the item percent-encoded so
        it cannot leave its segment; anything that cannot be an item (not text, empty, ``.``, ``..``, a
        lone surrogate) is refused, naming ``field``, before any request."""
        return item_path(self.path, item, self.noun, field=field, rule=rule, what=what)


def item_path(collection: str, item: object, noun: str, *, field: str, rule: str, what: str = "id") -> str:
    """``collection/item`` (see :meth:`APIResource._item_path`), for paths below another API's item."""
    try:
        if isinstance(item, str) and item not in ("", ".", ".."):
            return f"{collection}/{quote(item, safe='')}"
    except UnicodeEncodeError:  # a lone surrogate: not text any server could have issued
        pass
    raise InvalidInputError(f"{noun} path", [Violation(field, rule, f"is not a valid {what}: {item!r}")])
