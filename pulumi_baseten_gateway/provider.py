"""``EndpointProvider``: the dynamic provider behind the ``Endpoint`` resource.

Stable API: Pulumi pickles this class *by reference* into every stack's state, so the module path
``pulumi_baseten_gateway.provider`` and the name ``EndpointProvider`` must never change; a rename breaks
refresh and destroy of resources already deployed.

The provider holds nothing worth pickling. Settings (above all the API key) are read in ``configure``,
which only ever runs inside the plugin process, and ``__getstate__`` drops them anyway.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc

from .api.client import DEFAULT_BASE_URL, GatewayClient
from .errors import BadRequestError, ConfigurationError, ConflictError, GatewayError, NotFoundError
from .resources.endpoint import rules
from .resources.endpoint.model import Endpoint, Region

__all__ = ["DEFAULT_MAX_REQUESTS_PER_SECOND", "EndpointOperationError", "EndpointProvider"]

#: Client-side pacing. The documented management-API limit is 100 requests/s per key; staying just
#: under it means bulk runs never bounce off 429s.
DEFAULT_MAX_REQUESTS_PER_SECOND = 95.0

API_KEY_CONFIG = "baseten:apiKey"
API_URL_CONFIG = "baseten:apiUrl"
RATE_CONFIG = "baseten:maxRequestsPerSecond"
API_KEY_ENV = "BASETEN_API_KEY"
API_URL_ENV = "BASETEN_API_URL"
RATE_ENV = "BASETEN_MAX_REQUESTS_PER_SECOND"

#: Changing one of these replaces the endpoint (the API cannot change them in place).
REPLACE_ON_CHANGES = ("slug", "region")

_T = TypeVar("_T")


def _is_unknown(value: object) -> bool:
    """A value not known until apply: ``Unknown`` once deserialised, or the raw wire sentinel."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def _contains_unknown(value: object) -> bool:
    if _is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_unknown(v) for v in value)
    return False


def _normalized_targets(targets: Any) -> Any:
    """Canonical targets for state and diffs; anything not a list of objects is passed through as is."""
    if not isinstance(targets, (list, tuple)):
        return targets
    return [rules.canonical_target(t) if isinstance(t, Mapping) else t for t in targets]


def _region(value: Any) -> Any:
    return Region.UNRESTRICTED.value if value is None else value


def _outputs(endpoint: Endpoint) -> dict[str, Any]:
    """The resource's output properties, from what the API returned."""
    return {
        "endpoint_id": endpoint.id,
        "slug": endpoint.slug,
        "targets": rules.endpoint_targets(endpoint),
        "region": endpoint.region.value,
        "created_at": endpoint.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": endpoint.updated_at.isoformat().replace("+00:00", "Z"),
    }


@dataclass(frozen=True)
class _Settings:
    """The provider's configuration as read: stack config first, then the environment."""

    api_key: str | None = field(repr=False)
    base_url: str
    rate: str | None

    @classmethod
    def read(cls, config_get: Callable[[str], Any]) -> _Settings:
        def setting(key: str, env: str) -> str | None:
            value = config_get(key) or os.environ.get(env)
            return str(value) if value not in (None, "") else None

        return cls(
            api_key=setting(API_KEY_CONFIG, API_KEY_ENV),
            base_url=setting(API_URL_CONFIG, API_URL_ENV) or DEFAULT_BASE_URL,
            rate=setting(RATE_CONFIG, RATE_ENV),
        )

    def client(self) -> GatewayClient:
        """A client for these settings; problems surface here, at the first call that needs the API."""
        if not self.api_key:
            raise ConfigurationError(
                "no Baseten API key: set it with `pulumi config set --secret baseten:apiKey <key>` "
                f"or the {API_KEY_ENV} environment variable"
            )
        try:
            rate = float(self.rate) if self.rate is not None else DEFAULT_MAX_REQUESTS_PER_SECOND
        except ValueError:
            raise ConfigurationError(
                f"{RATE_CONFIG} / {RATE_ENV} must be a number of requests per second (0 = no pacing), "
                f"got {self.rate!r}"
            ) from None
        return GatewayClient(self.api_key, base_url=self.base_url, max_requests_per_second=rate or None)


class EndpointProvider(ResourceProvider):
    """Check, diff, create, read, update and delete Frontier Gateway endpoints."""

    def __init__(self) -> None:
        super().__init__()
        self._settings: _Settings | None = None
        self._client: GatewayClient | None = None
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type[EndpointProvider], tuple[()]]:
        # Pickled as "a fresh EndpointProvider()": nothing of a configured provider (API key, client)
        # can reach the `__provider` blob in the stack's state.
        return (type(self), ())

    def __repr__(self) -> str:
        return "EndpointProvider()"

    # -- configuration ---------------------------------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        """Read settings from stack config, else the environment. Called once per plugin process."""
        self._settings = _Settings.read(req.config.get)

    def _gateway(self) -> GatewayClient:
        """The shared client (one connection pool and one pacer for the plugin's worker threads)."""
        with self._lock:
            if self._client is None:
                settings = self._settings or _Settings.read(lambda _: None)
                self._client = settings.client()
            return self._client

    # -- lifecycle -------------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate with the shared rules and normalise, without any request. Unknowns are skipped."""
        slug, targets, region, adopt = (news.get(k) for k in ("slug", "targets", "region", "adopt"))
        violations = rules.validate_endpoint(slug, targets, region, is_unknown=_is_unknown)
        failures = [CheckFailure(v.path, f"{v.message} [{v.rule}]") for v in violations]
        if adopt is not None and not _is_unknown(adopt) and not isinstance(adopt, bool):
            failures.append(CheckFailure("adopt", f"must be true or false, got {adopt!r} [field-type]"))
        inputs = dict(news)
        inputs["targets"] = _normalized_targets(targets)
        inputs["region"] = _region(region)
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Slug or region change => replace; target change => update in place; else no change."""
        old = {"slug": olds.get("slug"), "region": _region(olds.get("region"))}
        new = {"slug": news.get("slug"), "region": _region(news.get("region"))}
        replaces = [key for key in REPLACE_ON_CHANGES if _contains_unknown(new[key]) or old[key] != new[key]]
        targets_changed = _contains_unknown(news.get("targets")) or _normalized_targets(
            olds.get("targets")
        ) != _normalized_targets(news.get("targets"))
        changed = bool(replaces) or targets_changed
        # Same slug, new region: the old endpoint must go first, since the slug is globally unique.
        delete_first = bool(replaces) and "slug" not in replaces
        return DiffResult(
            changes=changed,
            replaces=replaces,
            stables=[],
            delete_before_replace=delete_first,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        """POST (with the client's duplicate-safe retries); with ``adopt``, take over an existing slug."""
        slug = str(props.get("slug"))

        def create() -> Endpoint:
            client = self._gateway()
            try:
                return client.create_endpoint(slug, props["targets"], region=_region(props.get("region")))
            except (BadRequestError, ConflictError) as exc:
                # A duplicate slug: a 400, or (after an ambiguous attempt) a conflict found by the client.
                existing = client.find_endpoint_by_slug(slug)
                if existing is None:
                    raise
                if props.get("adopt") is True:
                    return self._adopt(client, existing, props)
                raise ConflictError(
                    f"slug {slug!r} already exists in this workspace (endpoint id {existing.id!r}); "
                    f"to manage that endpoint with this resource, set adopt=True on it. ({exc})",
                    slug=slug,
                    endpoint_id=existing.id,
                ) from None

        endpoint = _call("create", slug, create)
        return CreateResult(endpoint.id, _outputs(endpoint))

    @staticmethod
    def _adopt(client: GatewayClient, existing: Endpoint, props: Mapping[str, Any]) -> Endpoint:
        region = _region(props.get("region"))
        if existing.region.value != region:
            raise ConfigurationError(
                f"cannot adopt {existing.slug!r}: it serves region {existing.region.value}, "
                f"the resource asks for {region} (a region cannot change in place)"
            )
        current = rules.endpoint_targets(existing)
        if current == _normalized_targets(props["targets"]):
            return existing
        return client.update_endpoint(existing.id, props["targets"])

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """GET by id. Gone => empty id; else fresh outputs and inputs, so drift shows in the next preview."""
        slug = props.get("slug") or id_

        def read() -> Endpoint | None:
            try:
                return self._gateway().get_endpoint(id_)
            except NotFoundError:
                return None

        endpoint = _call("read", slug, read)
        if endpoint is None:
            return ReadResult("", {})
        outputs = _outputs(endpoint)
        inputs = {"slug": outputs["slug"], "targets": outputs["targets"], "region": outputs["region"]}
        if props.get("adopt") is not None:
            inputs["adopt"] = props["adopt"]
        return ReadResult(endpoint.id, outputs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH the full target list (the only mutable field)."""
        endpoint = _call(
            "update",
            news.get("slug") or olds.get("slug"),
            lambda: self._gateway().update_endpoint(id_, news["targets"]),
        )
        return UpdateResult(_outputs(endpoint))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """DELETE; an endpoint that is already gone counts as deleted."""

        def delete() -> None:
            with contextlib.suppress(NotFoundError):
                self._gateway().delete_endpoint(id_)

        _call("delete", props.get("slug") or id_, delete)


class EndpointOperationError(GatewayError):
    """An Endpoint lifecycle step failed; the message names the step, the slug and the cause.

    ``cause`` is the underlying ``GatewayError`` (``NotFoundError``, ``BadRequestError``, ...).
    """

    def __init__(self, message: str, cause: GatewayError) -> None:
        super().__init__(message)
        self.cause = cause


def _call(operation: str, slug: Any, fn: Callable[[], _T]) -> _T:
    """Run one lifecycle step; a failure becomes one short message naming step, slug and cause."""
    try:
        return fn()
    except GatewayError as exc:
        raise EndpointOperationError(f"Endpoint {slug!r}: {operation} failed: {exc}", exc) from None
