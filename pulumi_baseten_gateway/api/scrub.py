"""Credential scrubbing: no API key or ``Authorization`` value the server repeats reaches an error or a log.

:class:`_Scrubber` (one per client) removes the client's key, in any form a server could echo it, and
every ``Authorization``/``Api-Key``/``Bearer`` value from server text, and the key from every body.
:class:`_ScrubRecords`, a filter installed on httpx's and httpcore's loggers at import, does the same
for what they log about an exchange.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import weakref
from typing import Any
from urllib.parse import quote

_REDACTED = "<redacted>"
_MIN_SECRET = 8

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
