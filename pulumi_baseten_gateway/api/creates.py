"""Creates that never duplicate, for objects with a natural key (an endpoint's slug, a group's
``external_entity_id``): the one recovery loop both use.

The API has no idempotency key, a create is not idempotent, and a taken natural key is a 400 that says
"duplicate". So, inside one create's retry loop and time budget: after an attempt without a clear answer
(a dropped connection, a 5xx) or a "duplicate" 400, the key is looked up before posting again. What the
look-up finds is either this create's own object (after an ambiguous attempt: the same settings, created
no earlier than the create began on the server's clock, see :func:`ours_since`) and is returned, or
someone else's: the caller's conflict error carrying it, so the caller can adopt it without listing again.
Each API says what "the same" means and how to look the key up; the loop is here, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import msgspec

from ..errors import BadRequestError, GatewayError, RequestContext, ServerError, TransportError
from .pages import MAX_PAGE_SIZE, Page, iterate_pages, page_params
from .transport import Transport, parse

__all__ = ["CLOCK_SKEW_ALLOWANCE", "DATE_MARGIN", "DUPLICATE_ANSWER", "create_by_natural_key", "ours_since"]

#: How far the server's clock may run behind ours when telling our own ambiguous create from an
#: object that existed before it, when the server's answers carry no ``Date`` header to measure it.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)
#: With a ``Date`` header, the offset between the clocks is measured instead; this margin covers a
#: server whose ``created_at`` comes from another clock than its ``Date`` header (a database, a proxy).
DATE_MARGIN = timedelta(seconds=1)
#: A 400 that says the natural key is taken. The docs call it "duplicate slug" / "duplicate
#: `external_entity_id`" without quoting the message.
DUPLICATE_ANSWER = re.compile(r"(?i)\bduplicate\b|\balready (?:exists|in use|taken)\b")

_ModelT = TypeVar("_ModelT", bound=msgspec.Struct)


def ours_since(started: datetime, offset: timedelta | None) -> datetime:
    """When this create began, on the server's clock: the earliest ``created_at`` that can be ours.

    Measured from the server's ``Date`` header when it sends one (less ``DATE_MARGIN``), else allowing
    ``CLOCK_SKEW_ALLOWANCE`` for a server clock behind ours.
    """
    if offset is None:
        return started - CLOCK_SKEW_ALLOWANCE
    return started + offset - DATE_MARGIN


def create_by_natural_key(
    transport: Transport,
    context: RequestContext,
    body: Mapping[str, Any],
    model: type[_ModelT],
    listing: type[Page[_ModelT]],
    *,
    holds: Callable[[_ModelT], bool],
    query: Mapping[str, str] | None = None,
    ours_or_duplicate: Callable[[_ModelT, datetime | None, BadRequestError | None], _ModelT],
    unseen: Callable[[BadRequestError], GatewayError],
) -> _ModelT:
    """POST ``body``; never a second object for one natural key.

    The key is looked up by listing the create's collection (``listing``: its page model; ``query``:
    a filter the list call takes) for the object that ``holds`` it: one attempt per page, its failures
    the create's (they name it, and its retry loop decides what next).
    ``ours_or_duplicate(existing, since, answer)`` returns ``existing`` when it is this create's
    (``since``: when the create began on the server's clock, given only after an ambiguous attempt), else
    raises the conflict; ``answer`` is the "duplicate" 400, when there was one. ``unseen(answer)`` is the
    conflict for a key taken by an object this workspace cannot see.
    """
    started = datetime.now(timezone.utc)
    ambiguous = False  # an attempt may have applied
    look_up = False  # look the key up before posting (again)
    duplicate: BadRequestError | None = None  # the server said the key is taken

    def attempt() -> _ModelT:
        nonlocal ambiguous, look_up, duplicate
        while True:  # at most: look up, post, look up (after a duplicate answer)
            if look_up:
                existing, offset = _look_up(transport, context, listing, holds, query or {})
                if existing is not None:
                    since = ours_since(started, offset) if ambiguous else None
                    return ours_or_duplicate(existing, since, duplicate)
                if duplicate is not None:  # taken, but not by an object this workspace sees
                    raise unseen(duplicate)
                look_up = False
            try:
                return parse(transport._send(context, json=body), model, context)
            except (TransportError, ServerError):
                ambiguous = look_up = True
                raise
            except BadRequestError as exc:
                if duplicate is not None or not DUPLICATE_ANSWER.search(exc.server_message):
                    raise
                duplicate, look_up = exc, True

    # One time budget for every attempt, look-up and wait of this create.
    return transport._retried(attempt)


def _look_up(
    transport: Transport,
    create: RequestContext,
    listing: type[Page[_ModelT]],
    holds: Callable[[_ModelT], bool],
    query: Mapping[str, str],
) -> tuple[_ModelT | None, timedelta | None]:
    """The object that holds the key, if this workspace sees one, and the server's clock offset (server
    minus ours, from the first page's ``Date`` header; None when the server sends no usable ``Date``)."""
    context = RequestContext(create.operation, "GET", create.path, create.subject)
    offsets: list[timedelta | None] = []

    def page(cursor: str | None) -> Page[_ModelT]:
        reply = transport._send(context, params={**page_params(context, MAX_PAGE_SIZE, cursor), **query})
        offsets.append(reply.server_time_offset())
        return parse(reply, listing, context)

    found = next((item for item in iterate_pages(page, context) if holds(item)), None)
    return found, offsets[0] if offsets else None
