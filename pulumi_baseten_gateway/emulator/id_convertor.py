"""A path convertor for ids that may hold anything, even ``/`` or a newline, once percent-decoded.

Starlette routes on the percent-decoded path: an id sent as ``a%2Fb`` or ``a%0A`` arrives as ``a/b`` or
``a\\n`` and must still reach its handler (and get its own 404), not a router 404. Routes whose last
segment is such an id use ``{name:gateway_id}`` (:data:`ANY_ID`), and read the id from the raw path.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

__all__ = ["ANY_ID"]

#: The convertor name to use in a path template: ``{endpoint_id:gateway_id}``.
ANY_ID = "gateway_id"


class _AnyIdConvertor(Convertor[str]):
    """Matches the whole rest of the path, newlines included (``path`` stops at one)."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor(ANY_ID, _AnyIdConvertor())
