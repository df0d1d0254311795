"""The provider's settings: stack config first, then the environment, then defaults.

The native provider plugin is handed its own package's config, ``baseten-gateway:*`` (Pulumi gives a
provider the config of its package's namespace). The Python dynamic provider sees the whole stack config
and reads ``baseten:*`` (its documented names), then ``baseten-gateway:*``, so one stack can configure
both the same way. Both adapters read them here, and share one client per distinct setting set within a
process, so every resource type of a plugin goes through one connection pool and one pacer (the API's
rate limit is per key). Configuration errors name the setting as the user's adapter reads it
(``baseten:apiUrl``, ``baseten-gateway:apiUrl``) and never echo its value, which could be a key pasted
in the wrong place.

Each rule is written once, where the client applies it (``api/options.py`` for the key and the URL,
``api/signing.py`` for the signing key, here for the pace and the time bounds): :meth:`Settings.client`
applies them before its first request, and :meth:`Settings.problems` applies the same ones without making
a client, which is how both providers refuse a missing or malformed setting at preview.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from .api.options import check_api_key, check_base_url
from .api.retry import DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, RetryPolicy
from .api.signing import SigningKey
from .errors import ConfigurationError

if TYPE_CHECKING:
    from .api import GatewayClient

# The HTTP layer (httpx, tenacity and the API modules) is imported when a client is first made, not with
# this module: the plugin reads and checks its settings in CheckConfig, Configure and its first Check,
# which need none of it (and ``pulumi preview`` never makes a client at all).

__all__ = [
    "API_KEY",
    "API_URL",
    "ATTEMPT_TIMEOUT",
    "DEFAULT_ATTEMPT_TIMEOUT",
    "DEFAULT_MAX_REQUESTS_PER_SECOND",
    "DEFAULT_TOTAL_TIMEOUT",
    "DYNAMIC_NAMESPACES",
    "MAX_REQUESTS_PER_SECOND",
    "NATIVE_NAMESPACE",
    "SETTINGS",
    "SIGNING_KEY",
    "TERRAFORM_PROVIDER",
    "TOTAL_TIMEOUT",
    "ProviderClients",
    "Setting",
    "Settings",
    "close_shared_clients",
]

#: Client-side pacing. The documented management-API limit is 100 requests/s per key; staying just
#: under it means bulk runs never bounce off 429s.
DEFAULT_MAX_REQUESTS_PER_SECOND = 95.0


#: The config namespaces the Python dynamic provider reads, first to last.
DYNAMIC_NAMESPACES: Final = ("baseten", "baseten-gateway")
#: The native provider's: its package's.
NATIVE_NAMESPACE: Final = "baseten-gateway"
#: The OpenTofu/Terraform provider's type name; its settings are the provider block's attributes, named in
#: snake_case (``api_key``), as Terraform names them.
TERRAFORM_PROVIDER: Final = "basetengateway"


@dataclass(frozen=True)
class Setting:
    """One setting: its config name (``apiKey``), its environment variable and the client parameter."""

    name: str
    env: str
    parameter: str
    #: What it is, for every provider's docs (each adds how its users set it).
    summary: str = ""
    #: A credential: sensitive wherever it is shown.
    secret: bool = False
    #: What it holds: text, or a number (``str`` or ``float``), for every provider's schema.
    type: type = str

    @property
    def attribute(self) -> str:
        """The Terraform provider block's name for it: ``api_key``."""
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in self.name)

    def key(self, namespace: str = DYNAMIC_NAMESPACES[0]) -> str:
        """The stack-config key in a namespace: ``baseten:apiKey``; in the Terraform provider's, the
        provider block's attribute: ``api_key``."""
        if namespace == TERRAFORM_PROVIDER:
            return self.attribute
        return f"{namespace}:{self.name}"

    def named(self, namespace: str = DYNAMIC_NAMESPACES[0]) -> str:
        return f"{self.key(namespace)} (or {self.env})"


API_KEY: Final = Setting(
    "apiKey",
    "BASETEN_API_KEY",
    "api_key",
    "Baseten workspace API key with management scope (sent as `Authorization: Api-Key <key>`).",
    secret=True,
)
API_URL: Final = Setting(
    "apiUrl",
    "BASETEN_API_URL",
    "base_url",
    "Base URL of the Baseten management API (default `https://api.baseten.co`); point it at a local "
    "emulator for tests.",
)
MAX_REQUESTS_PER_SECOND: Final = Setting(
    "maxRequestsPerSecond",
    "BASETEN_MAX_REQUESTS_PER_SECOND",
    "max_requests_per_second",
    "Client-side pacing of management API requests per second (default 95, under the documented 100/s "
    "per key; `0` disables pacing).",
    type=float,
)
ATTEMPT_TIMEOUT: Final = Setting(
    "attemptTimeout",
    "BASETEN_ATTEMPT_TIMEOUT",
    "attempt_timeout",
    "Wall-clock bound, in seconds, of one HTTP attempt (a slower one fails and is retried).",
    type=float,
)
TOTAL_TIMEOUT: Final = Setting(
    "totalTimeout",
    "BASETEN_TOTAL_TIMEOUT",
    "total_timeout",
    "Wall-clock bound, in seconds, of one API operation with all its retries and waits.",
    type=float,
)
#: The workspace's Ed25519 private key, which signs key registrations (RegisteredGatewayApiKey).
SIGNING_KEY: Final = Setting(
    "signingKey",
    "BASETEN_SIGNING_KEY",
    "signing_key",
    "The workspace's Ed25519 private key (PEM, or the 32-byte raw key in base64) that signs "
    "`RegisteredGatewayApiKey` registrations.",
    secret=True,
)
#: Every setting, in the order :meth:`Settings.problems` reports them.
SETTINGS: Final = (API_KEY, API_URL, MAX_REQUESTS_PER_SECOND, ATTEMPT_TIMEOUT, TOTAL_TIMEOUT, SIGNING_KEY)

_clients: dict[tuple[str | None, str, float | None, float, float, str | None], GatewayClient] = {}
_clients_lock = threading.Lock()


@dataclass(frozen=True)
class Settings:
    """The settings as read; the key is never in a repr."""

    api_key: str | None = field(repr=False)
    #: None: the client's default (``DEFAULT_BASE_URL``, the real API).
    base_url: str | None
    rate: str | None
    attempt_timeout: str | None = None
    total_timeout: str | None = None
    signing_key: str | None = field(default=None, repr=False)
    #: The namespace errors name settings in (the first one read).
    namespace: str = DYNAMIC_NAMESPACES[0]

    @classmethod
    def read(
        cls, config_get: Callable[[str], Any], namespaces: tuple[str, ...] = DYNAMIC_NAMESPACES
    ) -> Settings:
        """From ``config_get(key)`` (namespaced keys, in ``namespaces`` order), else the environment."""

        def value(setting: Setting) -> str | None:
            found = (config_get(setting.key(namespace)) for namespace in namespaces)
            raw = next((item for item in found if item not in (None, "")), None) or os.environ.get(
                setting.env
            )
            return str(raw) if raw not in (None, "") else None

        return cls(
            api_key=value(API_KEY),
            base_url=value(API_URL),
            rate=value(MAX_REQUESTS_PER_SECOND),
            attempt_timeout=value(ATTEMPT_TIMEOUT),
            total_timeout=value(TOTAL_TIMEOUT),
            signing_key=value(SIGNING_KEY),
            namespace=namespaces[0],
        )

    def requests_per_second(self) -> float | None:
        """The pacing rate (None: off)."""
        if self.rate is None:
            return DEFAULT_MAX_REQUESTS_PER_SECOND
        try:
            rate = float(self.rate)
        except ValueError:
            rate = -1.0
        if not rate >= 0 or rate == float("inf"):  # also NaN
            reason = "must be a number of requests per second, 0 for no pacing"
            raise ConfigurationError(
                f"{MAX_REQUESTS_PER_SECOND.named(self.namespace)} {reason}",
                setting=MAX_REQUESTS_PER_SECOND.key(self.namespace),
                reason=reason,
            )
        return rate or None

    def retry_policy(self) -> RetryPolicy:
        """The client's retry policy: the defaults, with the time bounds these settings give."""
        return RetryPolicy(
            attempt_timeout=self._seconds(ATTEMPT_TIMEOUT, self.attempt_timeout, DEFAULT_ATTEMPT_TIMEOUT),
            total_timeout=self._seconds(TOTAL_TIMEOUT, self.total_timeout, DEFAULT_TOTAL_TIMEOUT),
        )

    def problems(self, unknown: Collection[Setting] = ()) -> list[ConfigurationError]:
        """Every setting that is missing or malformed, one error each, naming it and never its value.

        The same checks :meth:`client` makes before its first request, and the signing key's parse (which
        a client leaves to the first registration), made without a client, the HTTP stack or a request:
        the native plugin's CheckConfig and the dynamic provider's check, at preview. ``unknown``: settings
        whose value is not known yet (a preview of an explicit provider fed by an output), not judged.
        """
        attempt, total = DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT
        checks: dict[Setting, Callable[[], object]] = {
            API_KEY: self._api_key,
            API_URL: self._base_url,
            MAX_REQUESTS_PER_SECOND: self.requests_per_second,
            ATTEMPT_TIMEOUT: lambda: self._seconds(ATTEMPT_TIMEOUT, self.attempt_timeout, attempt),
            TOTAL_TIMEOUT: lambda: self._seconds(TOTAL_TIMEOUT, self.total_timeout, total),
            SIGNING_KEY: self._parsed_signing_key,
        }
        found = []
        for setting, check in checks.items():
            if setting in unknown:
                continue
            try:
                check()
            except ConfigurationError as error:
                found.append(error)
        return found

    def client(self) -> GatewayClient:
        """The process's shared client for these settings; problems surface at the first call needing it."""
        api_key = self._api_key()
        from .api import DEFAULT_BASE_URL, GatewayClient

        rate = self.requests_per_second()
        retry = self.retry_policy()
        base_url = self._base_url() or DEFAULT_BASE_URL
        identity = (api_key, base_url, rate, retry.attempt_timeout, retry.total_timeout, self.signing_key)
        with _clients_lock:
            client = _clients.get(identity)
            if client is None:
                # Parsed at the first registration: a malformed one fails only that, naming the setting.
                signing_key = self._signing_key()
                try:
                    client = GatewayClient(
                        api_key,
                        base_url=base_url,
                        max_requests_per_second=rate,
                        retry=retry,
                        signing_key=signing_key,
                    )
                except ConfigurationError as exc:
                    raise self._named(exc) from None
                _clients[identity] = client
            return client

    def _api_key(self) -> str:
        """The API key, refused when missing (saying how to set it) or malformed (``check_api_key``)."""
        if not self.api_key:
            key = API_KEY.key(self.namespace)
            command = f"pulumi config set --secret {key} <key>"
            if self.namespace == TERRAFORM_PROVIDER:
                command = f'{key} in the provider "{TERRAFORM_PROVIDER}" block'
            reason = f"set it with `{command}` or the {API_KEY.env} environment variable"
            raise ConfigurationError(f"no Baseten API key: {reason}", setting=key, reason=reason)
        try:
            check_api_key(self.api_key)
        except ConfigurationError as exc:
            raise self._named(exc) from None
        return self.api_key

    def _base_url(self) -> str | None:
        """The API URL as set (None: the client's default), checked by ``options.check_base_url``."""
        if self.base_url is None:
            return None
        try:
            check_base_url(self.base_url)
        except ConfigurationError as exc:
            raise self._named(exc) from None
        return self.base_url

    def _signing_key(self) -> SigningKey | None:
        """The signing key, not parsed yet (``SigningKey`` parses it at its first use)."""
        if not self.signing_key:
            return None
        return SigningKey(self.signing_key, setting=SIGNING_KEY.named(self.namespace))

    def _parsed_signing_key(self) -> None:
        """The signing key parsed now, when set: ``SigningKey``'s refusal, about the setting's key."""
        signing_key = self._signing_key()
        if signing_key is None:
            return
        try:
            signing_key.check()
        except ConfigurationError as exc:
            key = SIGNING_KEY.key(self.namespace)
            raise ConfigurationError(str(exc), setting=key, reason=exc.reason) from None

    def _seconds(self, setting: Setting, raw: str | None, default: float) -> float:
        """A positive, finite number of seconds, or ``default`` when unset; errors never echo ``raw``."""
        if raw is None:
            return default
        try:
            seconds = float(raw)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds < float("inf"):  # also NaN
            reason = "must be a number of seconds greater than 0"
            key = setting.key(self.namespace)
            raise ConfigurationError(f"{setting.named(self.namespace)} {reason}", setting=key, reason=reason)
        return seconds

    def _named(self, error: ConfigurationError) -> ConfigurationError:
        """The client's error about a parameter, restated about the setting users wrote, without its value."""
        for setting in SETTINGS:
            if error.setting == setting.parameter:
                key = setting.key(self.namespace)
                message = f"{setting.named(self.namespace)} {error.reason}"
                return ConfigurationError(message, setting=key, reason=error.reason)
        return error


class ProviderClients:
    """A provider process's settings (its configuration once the engine gives it, the environment's until
    then) and every client its calls used, which :meth:`cancel` stops: the native plugin's and the OpenTofu
    provider's."""

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace
        self._settings: Settings | None = None
        self._lock = threading.Lock()
        self._clients: set[GatewayClient] = set()

    def configure(self, settings: Settings) -> None:
        with self._lock:
            self._settings = settings

    def client(self) -> GatewayClient:
        """The shared client of the current settings (problems surface here, at the first request)."""
        with self._lock:
            settings = self._settings or Settings.read(lambda _: None, (self._namespace,))
        client = settings.client()
        with self._lock:
            self._clients.add(client)
        return client

    def cancel(self) -> None:
        """Interrupted: every operation in flight, on every client used, stops retrying and fails."""
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            client.cancel()


def close_shared_clients() -> None:
    """Close and forget every shared client (tests, and a process that wants a clean slate)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
