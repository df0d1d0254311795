"""Cursor pagination, as every listing of the API has it: the query of one page, and the walk of all.

Every list answer is ``{items, pagination: {has_more, cursor}}``; a page holds at most
:data:`MAX_PAGE_SIZE` items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

from ..errors import MalformedResponseError, RequestContext
from .models.base import Pagination
from .rules.common import Violation
from .transport import raise_if_invalid

__all__ = ["MAX_PAGE_SIZE", "Page", "iterate_pages", "page_params"]

#: The largest ``limit`` the API accepts for one page.
MAX_PAGE_SIZE = 1000

_ItemT = TypeVar("_ItemT")
_ItemT_co = TypeVar("_ItemT_co", covariant=True)


def page_params(context: RequestContext, limit: int | None, cursor: str | None) -> dict[str, str | int]:
    """The query of one page; a ``limit`` out of range is refused before any request."""
    params: dict[str, str | int] = {}
    if limit is not None:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            message = f"must be between 1 and {MAX_PAGE_SIZE}, got {limit}"
            raise_if_invalid(context, [Violation("limit", "page-size", message)])
        params["limit"] = limit
    if cursor is not None:
        params["cursor"] = cursor
    return params


class Page(Protocol[_ItemT_co]):
    """One page of a cursor-paginated listing (``EndpointPage``, ``GroupPage``, ``ApiKeyPage``)."""

    @property
    def items(self) -> Sequence[_ItemT_co]: ...

    @property
    def pagination(self) -> Pagination: ...


def iterate_pages(fetch: Callable[[str | None], Page[_ItemT]], context: RequestContext) -> Iterator[_ItemT]:
    """Every item of a cursor-paginated listing; ``fetch(cursor)`` returns one page.

    A ``has_more`` page without a cursor, or with one already followed, is a ``MalformedResponseError``
    naming ``context`` (a server that loops would otherwise be walked forever).
    """
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(cursor)
        yield from page.items
        if not page.pagination.has_more:
            return
        cursor = page.pagination.cursor
        if cursor is None or cursor in seen:
            raise MalformedResponseError(
                context, 200, "has_more is true but the cursor is missing or repeats"
            )
        seen.add(cursor)
