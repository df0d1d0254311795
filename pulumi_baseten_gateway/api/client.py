"""``GatewayClient``: a typed, retrying client for the Frontier Gateway endpoint API.

It does not import Pulumi: scripts and other tools can use it on its own, and the provider plugin's
cold start stays short.

Retries (429, 5xx, dropped connections, timeouts) go through tenacity with exponential backoff, jitter,
a bounded number of attempts and a total time budget; a 429's ``retry_after`` is honoured. A create
(POST) is not idempotent, so after an ambiguous failure the client looks the slug up before it posts
again: it never creates a duplicate. An update whose answer was lost is read back the same way.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import random
import threading
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx
import pydantic
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_before_delay

from ..errors import (
    APIStatusError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InvalidInputError,
    MalformedResponseError,
    RateLimitError,
    RequestContext,
    ServerError,
    TransportError,
    error_class_for_status,
)
from ..resources.endpoint import rules
from ..resources.endpoint.model import (
    Endpoint,
    EndpointPage,
    EndpointTombstone,
    Region,
    Target,
)

__all__ = ["DEFAULT_BASE_URL", "MAX_PAGE_SIZE", "GatewayClient", "RetryPolicy"]

DEFAULT_BASE_URL = "https://api.baseten.co"
ENDPOINTS_PATH = "/v1/gateway/endpoints"
MAX_PAGE_SIZE = 1000
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_MAX_RETRY_AFTER = 86_400.0
#: How far the server's clock may run behind ours when telling our own ambiguous create from an
#: endpoint that existed before it (see ``create_endpoint``).
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)

_logger = logging.getLogger(__name__)
_ModelT = TypeVar("_ModelT", bound=pydantic.BaseModel)
TargetInput = Target | Mapping[str, Any]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries before an error reaches the caller.

    ``max_attempts`` counts the first try. Backoff doubles from ``initial_backoff`` up to ``max_backoff``
    with full jitter in its upper half; a 429's ``retry_after`` replaces the backoff. No retry starts that
    would end after ``total_timeout`` seconds from the first try.
    """

    max_attempts: int = 8
    total_timeout: float = 120.0
    initial_backoff: float = 0.25
    max_backoff: float = 10.0
    retry_statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 500, 502, 503, 504}))

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError("RetryPolicy.max_attempts must be at least 1")
        if self.total_timeout <= 0 or self.initial_backoff < 0 or self.max_backoff < 0:
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


class _Pacer:
    """Spaces requests at most ``rate`` per second across threads, and holds everyone after a 429.

    Pacing to the server's limit costs less than bouncing off it: a bounced request waits a whole
    ``retry_after`` and costs the caller an attempt.
    """

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait_turn(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str) -> str:
    """The base URL without a trailing ``/``; refuses what would leak or go somewhere unintended.

    A refused URL is echoed only once it is known to carry no credentials, query or fragment.
    """
    try:
        parts = urlsplit(base_url)
        hostname, _ = parts.hostname, parts.port  # both parse lazily and may raise
        if not isinstance(base_url, str) or not base_url.isprintable() or any(c.isspace() for c in base_url):
            raise ValueError("whitespace or control characters")
    except (ValueError, TypeError):
        raise ConfigurationError("base_url is not a valid URL") from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ConfigurationError("base_url must not carry credentials (user:password@); use the api_key")
    if parts.query or parts.fragment:
        raise ConfigurationError("base_url must not carry a query or a fragment")
    if parts.scheme not in ("https", "http") or not hostname:
        raise ConfigurationError(f"base_url must be an https:// URL with a host, got {base_url!r}")
    if parts.scheme == "http" and not _is_loopback(hostname):
        raise ConfigurationError(
            f"base_url {base_url!r} uses plain http:// to a non-loopback host; use https:// "
            "(plain http is allowed only for 127.0.0.1, ::1 or localhost, e.g. the local emulator)"
        )
    return base_url.rstrip("/")


def _endpoint_path(endpoint_id: str) -> str:
    """The path of one endpoint; the id cannot leave its path segment."""
    try:
        if isinstance(endpoint_id, str) and endpoint_id not in ("", ".", ".."):
            return f"{ENDPOINTS_PATH}/{quote(endpoint_id, safe='')}"
    except UnicodeEncodeError:  # a lone surrogate: not text any server could have issued
        pass
    raise InvalidInputError(
        "endpoint path",
        [rules.Violation("endpoint_id", "endpoint-id", f"is not a valid id: {endpoint_id!r}")],
    )


def _json_body(response: httpx.Response) -> Any:
    """The body as JSON, or None when it is not (whatever its charset or nesting claims)."""
    try:
        return json.loads(response.content.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None


def _server_message(response: httpx.Response) -> str:
    """The server's ``error`` text, else its body, shortened."""
    body = _json_body(response)
    text = response.content.decode("utf-8", errors="replace")
    if isinstance(body, dict):
        for key in ("error", "detail", "message"):
            if isinstance(body.get(key), str):
                return str(body[key])
    text = text.strip() or response.reason_phrase or "(empty body)"
    return text if len(text) <= 500 else text[:500] + "..."


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a 429: the body's ``retry_after``, else the ``Retry-After`` header.

    Capped at a day: the retry budget decides whether to wait that long, not the server.
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


class GatewayClient:
    """Client of ``/v1/gateway/endpoints``. Thread-safe; one connection pool per client.

    ``api_key`` is a workspace key with management scope. ``auth_scheme`` picks the header form
    (``Api-Key`` or ``Bearer``; the API accepts both). ``max_requests_per_second`` paces requests below
    the API's per-key limit (off when None). ``transport`` swaps the HTTP layer (tests only).
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
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ConfigurationError("api_key is empty")
        if any(ch.isspace() for ch in api_key.strip()) or not api_key.isprintable():
            raise ConfigurationError("api_key contains whitespace or control characters")
        if auth_scheme not in ("Api-Key", "Bearer"):
            raise ConfigurationError(f"auth_scheme must be 'Api-Key' or 'Bearer', got {auth_scheme!r}")
        if max_requests_per_second is not None and max_requests_per_second <= 0:
            raise ConfigurationError("max_requests_per_second must be positive (or None for no pacing)")
        self.base_url = _check_base_url(base_url)
        self.auth_scheme = auth_scheme
        self._retry = retry or RetryPolicy()
        self._pacer = _Pacer(max_requests_per_second) if max_requests_per_second else None
        self._sleep = time.sleep  # tests swap it to observe waits without waiting
        # Built once: tenacity keeps per-run state thread-locally, so threads may share them. A write's
        # loop runs look-ups (each under the request loop) inside it, hence two, never nested in themselves.
        self._write_retrying = self._retrying()
        self._request_retrying = self._retrying()
        try:
            self._http = httpx.Client(
                base_url=self.base_url,
                auth=_ApiKeyAuth(f"{auth_scheme} {api_key.strip()}"),
                timeout=timeout,
                headers={"Accept": "application/json", "User-Agent": "pulumi-baseten-gateway"},
                transport=transport,
            )
        except httpx.InvalidURL:
            raise ConfigurationError(f"base_url {self.base_url!r} is not a valid URL") from None

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy (fixed at construction)."""
        return self._retry

    def __repr__(self) -> str:
        return f"GatewayClient(base_url={self.base_url!r}, auth_scheme={self.auth_scheme!r})"

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- operations ------------------------------------------------------------------------------------

    def create_endpoint(
        self, slug: str, targets: Sequence[TargetInput], *, region: Region | str = Region.UNRESTRICTED
    ) -> Endpoint:
        """Create an endpoint; safe to retry: an ambiguous failure never leads to a duplicate.

        After a timeout, dropped connection or 5xx the request may have been applied, so before posting
        again the client looks the slug up: with the requested targets it returns that endpoint, with
        other targets it raises ``ConflictError``; only when the slug is free does it post again.
        """
        context = RequestContext("create endpoint", "POST", ENDPOINTS_PATH, slug)
        region_value = region.value if isinstance(region, Region) else region
        target_dicts = _target_dicts(context, targets)
        _raise_if_invalid(context, rules.validate_endpoint(slug, target_dicts, region_value))
        body = {"slug": slug, "targets": rules.canonical_targets(target_dicts), "region": region_value}
        started = datetime.now(timezone.utc)
        ambiguous = False
        for attempt in self._write_retrying:
            with attempt:
                if ambiguous:
                    existing = self._created_by_us(body, started)
                    if existing is not None:
                        return existing
                try:
                    response = self._send(context, json=body)
                except (TransportError, ServerError):
                    ambiguous = True
                    raise
                except BadRequestError:
                    # A 400 "duplicate slug" after an ambiguous attempt is our own earlier create.
                    existing = self._created_by_us(body, started) if ambiguous else None
                    if existing is not None:
                        return existing
                    raise
                return _parse(response, Endpoint, context)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def get_endpoint(self, endpoint_id: str) -> Endpoint:
        """Fetch one endpoint by id (``NotFoundError`` when it does not exist or was deleted)."""
        context = RequestContext("get endpoint", "GET", _endpoint_path(endpoint_id), endpoint_id)
        return _parse(self._request(context), Endpoint, context)

    def list_endpoints_page(self, *, limit: int | None = None, cursor: str | None = None) -> EndpointPage:
        """One page of the workspace's endpoints; pass the previous page's ``pagination.cursor``."""
        context = RequestContext("list endpoints", "GET", ENDPOINTS_PATH)
        params: dict[str, str | int] = {}
        if limit is not None:
            if not 1 <= limit <= MAX_PAGE_SIZE:
                message = f"must be between 1 and {MAX_PAGE_SIZE}, got {limit}"
                _raise_if_invalid(context, [rules.Violation("limit", "page-size", message)])
            params["limit"] = limit
        if cursor is not None:
            params["cursor"] = cursor
        return _parse(self._request(context, params=params), EndpointPage, context)

    def list_endpoints(self, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[Endpoint]:
        """Every endpoint of the workspace, following ``cursor`` across pages lazily."""
        cursor: str | None = None
        seen_cursors: set[str] = set()
        while True:
            page = self.list_endpoints_page(limit=page_size, cursor=cursor)
            yield from page.items
            if not page.pagination.has_more:
                return
            cursor = page.pagination.cursor
            if cursor is None or cursor in seen_cursors:
                raise MalformedResponseError(
                    RequestContext("list endpoints", "GET", ENDPOINTS_PATH),
                    200,
                    "has_more is true but the cursor is missing or repeats",
                )
            seen_cursors.add(cursor)

    def find_endpoint_by_slug(self, slug: str) -> Endpoint | None:
        """The workspace's endpoint with this slug, or None (the API has no slug filter: lists all pages)."""
        return next((endpoint for endpoint in self.list_endpoints() if endpoint.slug == slug), None)

    def update_endpoint(self, endpoint_id: str, targets: Sequence[TargetInput]) -> Endpoint:
        """Replace the endpoint's full target list (PATCH; the slug and region are immutable).

        After an ambiguous failure the endpoint is read back first: if it already has the requested
        targets, the update is done.
        """
        context = RequestContext("update endpoint", "PATCH", _endpoint_path(endpoint_id), endpoint_id)
        target_dicts = _target_dicts(context, targets)
        _raise_if_invalid(context, rules.validate_targets(target_dicts))
        body = {"targets": rules.canonical_targets(target_dicts)}
        ambiguous = False
        for attempt in self._write_retrying:
            with attempt:
                if ambiguous:  # the last PATCH may have applied: if so, it is done
                    current = self.get_endpoint(endpoint_id)
                    if rules.endpoint_targets(current) == body["targets"]:
                        return current
                try:
                    return _parse(self._send(context, json=body), Endpoint, context)
                except (TransportError, ServerError):
                    ambiguous = True
                    raise
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def delete_endpoint(self, endpoint_id: str) -> EndpointTombstone:
        """Delete an endpoint and free its slug (``NotFoundError`` if already gone)."""
        context = RequestContext("delete endpoint", "DELETE", _endpoint_path(endpoint_id), endpoint_id)
        return _parse(self._request(context), EndpointTombstone, context)

    # -- machinery -------------------------------------------------------------------------------------

    def _created_by_us(self, body: Mapping[str, Any], started: datetime) -> Endpoint | None:
        """After an ambiguous create: the endpoint if our earlier POST applied, None if the slug is free.

        The API has no idempotency key, so "ours" means: the requested targets and region, created no
        earlier than this call began (less a margin for clock skew). An identical endpoint that existed
        before is someone else's and is not silently taken over.
        """
        slug: str = body["slug"]
        existing = self.find_endpoint_by_slug(slug)
        if existing is None:
            return None
        found = rules.endpoint_targets(existing)
        same = found == body["targets"] and existing.region.value == body["region"]
        if same and existing.created_at >= started - CLOCK_SKEW_ALLOWANCE:
            _logger.info("create endpoint %r: an earlier attempt had applied; using it", slug)
            return existing
        detail = (
            f"it was created at {existing.created_at.isoformat()}, before this create began"
            if same
            else f"with targets {found} in region {existing.region.value}, "
            f"not the requested {body['targets']}"
        )
        raise ConflictError(
            f"create endpoint {slug!r} failed: the slug already exists (id {existing.id!r}) {detail}",
            slug=slug,
            endpoint_id=existing.id,
        )

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

        return Retrying(
            stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.total_timeout),
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

    def _request(self, context: RequestContext, **kwargs: Any) -> httpx.Response:
        """``_send`` under the retry policy (for idempotent requests)."""
        for attempt in self._request_retrying:
            with attempt:
                return self._send(context, **kwargs)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _send(self, context: RequestContext, **kwargs: Any) -> httpx.Response:
        """One HTTP exchange; any failure becomes a typed ``GatewayError``."""
        if self._pacer is not None:
            self._pacer.wait_turn()
        method, path = context.method, context.path
        started = time.perf_counter()
        try:
            response = self._http.request(method, path, **kwargs)
        except (httpx.TransportError, httpx.DecodingError) as exc:
            # DecodingError: a body that does not decode as its Content-Encoding claims; as good as lost.
            _logger.debug("%s %s failed after %.3fs: %s", method, path, time.perf_counter() - started, exc)
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise TransportError(context, reason) from None
        _logger.debug(
            "%s %s -> %d in %.3fs", method, path, response.status_code, time.perf_counter() - started
        )
        if response.is_success:
            return response
        status = response.status_code
        if status == 429:
            retry_after = _retry_after(response)
            if self._pacer is not None and retry_after:
                self._pacer.hold(retry_after)
            raise RateLimitError(context, status, _server_message(response), retry_after)
        raise error_class_for_status(status)(context, status, _server_message(response))


def _target_dicts(context: RequestContext, targets: Sequence[TargetInput]) -> list[Any]:
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Sequence):
        _raise_if_invalid(context, [rules.Violation("targets", "field-type", "must be a list of targets")])
    return [t.to_api() if isinstance(t, Target) else t for t in targets]


def _raise_if_invalid(context: RequestContext, violations: Sequence[rules.Violation]) -> None:
    """Refuse input that breaks the rules before any request is sent."""
    if violations:
        raise InvalidInputError(str(context), violations)


def _parse(response: httpx.Response, model: type[_ModelT], context: RequestContext) -> _ModelT:
    try:
        return model.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise MalformedResponseError(context, response.status_code, problems) from None
