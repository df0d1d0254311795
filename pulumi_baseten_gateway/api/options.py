"""A client's options, checked before any request: the API key and how it is sent, the base URL, the limits.

:class:`~.transport.Transport` refuses bad options at construction with a
:class:`~pulumi_baseten_gateway.errors.ConfigurationError` naming the setting; no message echoes the key
or the base URL. The provider's settings (``settings.py``) check the key and the URL with these same
functions at preview, before any client exists, so this module needs no HTTP stack.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ..errors import ConfigurationError


def _check_options(
    api_key: str, auth_scheme: str, max_requests_per_second: float | None, max_response_bytes: int
) -> None:
    """Refuse an empty or malformed key, an unknown scheme, a pace or a size cap that is not positive."""
    check_api_key(api_key)
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
        raise ConfigurationError(f"max_response_bytes {reason}", setting="max_response_bytes", reason=reason)


def check_api_key(api_key: str) -> None:
    """Refuse an empty key, or one with whitespace or control characters inside; never quotes it."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise ConfigurationError("api_key is empty", setting="api_key", reason="is empty")
    if any(ch.isspace() for ch in api_key.strip()) or not api_key.isprintable():
        reason = "contains whitespace or control characters"
        raise ConfigurationError(f"api_key {reason}", setting="api_key", reason=reason)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base_url_error(reason: str) -> ConfigurationError:
    return ConfigurationError(f"base_url {reason}", setting="base_url", reason=reason)


def check_base_url(base_url: str) -> str:
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
