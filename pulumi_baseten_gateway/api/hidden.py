"""Values sent to the API that must never come back out: secret values, registered API keys.

Such a value travels in a request body and nowhere else. While the request that carries it runs
(:func:`hiding`), it is scrubbed from every record of the API logger (retry warnings quote the server)
and from every error raised out of the block: whatever a server echoes, as sent or JSON-escaped.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar

from ..errors import GatewayError
from .transport import LOGGER_NAME

__all__ = ["hiding", "scrub"]

_REDACTED = "<redacted>"

#: The values of the requests running on this thread (context): scrubbed from log records.
_HIDDEN: ContextVar[tuple[str, ...]] = ContextVar("pulumi_baseten_gateway_hidden", default=())


def _forms(value: str) -> tuple[str, ...]:
    """The value as sent, and JSON-escaped (as a server echoing the body would quote it), longest first."""
    return tuple(sorted({value, json.dumps(value)[1:-1]} - {""}, key=len, reverse=True))


def scrub(text: str, values: tuple[str, ...]) -> str:
    """``text`` with every form of each of ``values`` redacted."""
    for value in values:
        for form in _forms(value):
            text = text.replace(form, _REDACTED)
    return text


class _HideValues(logging.Filter):
    """Scrubs the values hidden on this context from the API logger's records."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = _HIDDEN.get()
        if not values:
            return True
        try:
            text = record.getMessage()
        except Exception:  # a record that cannot be formatted: the handler reports it
            return True
        scrubbed = scrub(text, values)
        if scrubbed != text:
            record.msg, record.args = scrubbed, None
        return True


_HIDE_VALUES = _HideValues()
logging.getLogger(LOGGER_NAME).addFilter(_HIDE_VALUES)


@contextlib.contextmanager
def hiding(value: str) -> Iterator[None]:
    """While the block runs, the value appears in no API log record and in no error it raises."""
    token = _HIDDEN.set((*_HIDDEN.get(), value))
    try:
        yield
    except GatewayError as exc:
        _redact(exc, value)
        raise
    finally:
        _HIDDEN.reset(token)


def _redact(exc: GatewayError, value: str) -> None:
    """Scrub ``value`` from every text an error carries (its message, detail, the server's message)."""
    for attribute in ("message", "_detail", "server_message", "reason"):
        text = getattr(exc, attribute, None)
        if isinstance(text, str):
            setattr(exc, attribute, scrub(text, (value,)))
    exc.args = tuple(scrub(a, (value,)) if isinstance(a, str) else a for a in exc.args)
