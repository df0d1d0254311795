"""The operations of ``/v1/gateway/endpoints``: create, get, list, update, delete.

A create (POST) is not idempotent, and the API has no idempotency key. After an ambiguous failure (timeout,
dropped connection, 5xx) the request may have applied, so before posting again the client looks the slug up; a
400 "duplicate slug" is looked up the same way (the loop is ``creates.py``'s, shared with groups; what "the
same endpoint" means is decided here): the endpoint found is either ours (an ambiguous create that had
applied: returned) or someone else's (:class:`~pulumi_baseten_gateway.errors.DuplicateSlugError`, carrying it,
so no caller lists the workspace again). Look-ups run inside the create's own retry loop and time budget, one
attempt per page, and their errors name the create. A 400 that is not a duplicate is raised at once, without a
look-up.

"Ours" cannot be proved: with no idempotency key, an identical endpoint that another writer created
while this create was retrying looks exactly like one an earlier attempt of ours created. The window is
kept as small as the API allows (from this create's start, on the server's clock as its ``Date`` header
tells it), and taking an endpoint over this way is logged as a warning.

Reads by id for a lifecycle (:meth:`Endpoints.read`: refresh, ``Endpoint.get``) go through the
endpoints' :class:`~.listing.ListingCache`: many at once share one listing of the workspace. The rule "a
write of ours updates what the cache holds" is kept here, once, in the create, update and delete (see
:attr:`Endpoints.listing`).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..errors import (
    BadRequestError,
    DuplicateSlugError,
    NotFoundError,
    RateLimitError,
    RequestContext,
    ServerError,
    TransportError,
)
from .creates import CLOCK_SKEW_ALLOWANCE, DATE_MARGIN, create_by_natural_key
from .listing import ListingCache
from .models.endpoint import EndpointInfo, EndpointPage, EndpointTombstone, Region, Target
from .pages import MAX_PAGE_SIZE, iterate_pages, page_params
from .rules import endpoint as rules
from .rules.common import Violation
from .transport import LOGGER_NAME, APIResource, Transport, parse, raise_if_invalid

__all__ = [
    "CLOCK_SKEW_ALLOWANCE",
    "DATE_MARGIN",
    "ENDPOINTS_PATH",
    "Endpoints",
    "TargetInput",
]

ENDPOINTS_PATH = "/v1/gateway/endpoints"

_logger = logging.getLogger(LOGGER_NAME)
TargetInput = Target | Mapping[str, Any]


def _target_dicts(context: RequestContext, targets: Sequence[TargetInput]) -> list[Any]:
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Sequence):
        raise_if_invalid(context, [Violation("targets", "field-type", "must be a list of targets")])
    return [t.to_api() if isinstance(t, Target) else t for t in targets]


class Endpoints(APIResource):
    """``client.endpoints``: the operations of ``/v1/gateway/endpoints``."""

    path = ENDPOINTS_PATH
    noun = "endpoint"

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        #: The listing cache behind :meth:`read`. Why the endpoints object keeps it, and tells it of every
        #: write in its own create, update and delete (a listing never answers for an id this process
        #: wrote since it began), rather than the lifecycle core: the client is the one object every
        #: write of a process goes through for one API key (both adapters share one client per setting
        #: set, and the cores are made afresh for every call), so no write can miss the cache, and one key
        #: is one workspace, so a cache never serves another workspace's endpoints.
        self.listing: ListingCache[EndpointInfo] = ListingCache(self._list_for_cache, self._get_or_none)

    def _path(self, endpoint_id: str) -> str:
        return self._item_path(endpoint_id, field="endpoint_id", rule="endpoint-id")

    def read(self, endpoint_id: str) -> EndpointInfo | None:
        """The endpoint as it is now, None when it does not exist: for a resource's Read.

        Alone, one GET (as :meth:`get`). Among other reads in progress, from one listing of the
        workspace that they share (:mod:`~.listing`): an answer may then lag an out-of-band change by up
        to :data:`~.listing.FRESHNESS` seconds, never a write or an earlier read of this client.
        """
        self._path(endpoint_id)  # an id that cannot be one is refused before any request
        return self.listing.read(endpoint_id)

    def _list_for_cache(self) -> Iterator[EndpointInfo]:
        return self.list(page_size=MAX_PAGE_SIZE)

    def _get_or_none(self, endpoint_id: str) -> EndpointInfo | None:
        try:
            return self.get(endpoint_id)
        except NotFoundError:
            return None

    def _wrote(self, endpoint_id: str) -> None:
        """A write of ours to the endpoint ended, well or not: the listing no longer answers for it."""
        self.listing.record(endpoint_id)

    def create(
        self, slug: str, targets: Sequence[TargetInput], *, region: Region | str = Region.UNRESTRICTED
    ) -> EndpointInfo:
        """Create an endpoint; safe to retry: an ambiguous failure never leads to a duplicate.

        Raises :class:`DuplicateSlugError` when the slug is taken (``existing`` is the endpoint holding
        it, when this workspace can see it), and returns the endpoint when an earlier attempt of this
        very call had created it.
        """
        created = self._create(slug, targets, region)
        self._wrote(created.id)
        return created

    def _create(self, slug: str, targets: Sequence[TargetInput], region: Region | str) -> EndpointInfo:
        context = RequestContext("create endpoint", "POST", ENDPOINTS_PATH, slug)
        region_value = region.value if isinstance(region, Region) else region
        target_dicts = _target_dicts(context, targets)
        raise_if_invalid(context, rules.validate_endpoint(slug, target_dicts, region_value))
        body = {"slug": slug, "targets": rules.canonical_targets(target_dicts), "region": region_value}
        return create_by_natural_key(
            self._transport,
            context,
            body,
            EndpointInfo,
            EndpointPage,
            holds=lambda endpoint: endpoint.slug == slug,
            ours_or_duplicate=functools.partial(self._ours_or_duplicate, context, body),
            unseen=lambda answer: DuplicateSlugError(context, slug, None, answer.detail),
        )

    def get(self, endpoint_id: str) -> EndpointInfo:
        """Fetch one endpoint by id (``NotFoundError`` when it does not exist or was deleted)."""
        context = RequestContext("get endpoint", "GET", self._path(endpoint_id), endpoint_id)
        return parse(self._request(context), EndpointInfo, context)

    def list_page(self, *, limit: int | None = None, cursor: str | None = None) -> EndpointPage:
        """One page of the workspace's endpoints; pass the previous page's ``pagination.cursor``."""
        context = RequestContext("list endpoints", "GET", ENDPOINTS_PATH)
        return parse(
            self._request(context, params=page_params(context, limit, cursor)), EndpointPage, context
        )

    def list(self, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[EndpointInfo]:
        """Every endpoint of the workspace, following ``cursor`` across pages lazily."""

        context = RequestContext("list endpoints", "GET", ENDPOINTS_PATH)
        return iterate_pages(lambda cursor: self.list_page(limit=page_size, cursor=cursor), context)

    def find_by_slug(self, slug: str) -> EndpointInfo | None:
        """The workspace's endpoint with this slug, or None (the API has no slug filter: lists all pages)."""
        return next((endpoint for endpoint in self.list() if endpoint.slug == slug), None)

    def update(self, endpoint_id: str, targets: Sequence[TargetInput]) -> EndpointInfo:
        """Replace the endpoint's full target list (PATCH; the slug and region are immutable).

        After an ambiguous failure the endpoint is read back first (one GET per attempt, within the
        update's budget, its errors naming the update): if it already has the requested targets, the
        update is done. A read-back that gets no answer does not end the attempt: the PATCH replaces the
        whole target list, so sending it again is safe.
        """
        try:
            return self._update(endpoint_id, targets)
        finally:
            self._wrote(endpoint_id)

    def _update(self, endpoint_id: str, targets: Sequence[TargetInput]) -> EndpointInfo:
        path = self._path(endpoint_id)
        context = RequestContext("update endpoint", "PATCH", path, endpoint_id)
        read_back = RequestContext(context.operation, "GET", path, endpoint_id)
        target_dicts = _target_dicts(context, targets)
        raise_if_invalid(context, rules.validate_targets(target_dicts))
        body = {"targets": rules.canonical_targets(target_dicts)}
        ambiguous = False

        def attempt() -> EndpointInfo:
            nonlocal ambiguous
            if ambiguous:  # the last PATCH may have applied: if so, it is done
                try:
                    current: EndpointInfo | None = parse(self._send(read_back), EndpointInfo, read_back)
                except (TransportError, ServerError, RateLimitError):
                    if time.monotonic() >= self._transport._clock.deadline():
                        raise  # it used up the budget: no PATCH could be sent now
                    current = None  # PATCH again: it sets the whole list (idempotent)
                if current is not None and rules.endpoint_targets(current) == body["targets"]:
                    return current
            try:
                return parse(self._send(context, json=body), EndpointInfo, context)
            except (TransportError, ServerError):
                ambiguous = True
                raise

        return self._retried(attempt)

    def delete(self, endpoint_id: str) -> EndpointTombstone:
        """Delete an endpoint and free its slug (``NotFoundError`` if already gone)."""
        context = RequestContext("delete endpoint", "DELETE", self._path(endpoint_id), endpoint_id)
        try:
            return parse(self._request(context), EndpointTombstone, context)
        finally:
            self._wrote(endpoint_id)

    # -- the create's look-up -------------------------------------------------------------------------

    def _ours_or_duplicate(
        self,
        context: RequestContext,
        body: Mapping[str, Any],
        existing: EndpointInfo,
        started: datetime | None,
        answer: BadRequestError | None,
    ) -> EndpointInfo:
        """``existing`` if an earlier attempt of this create made it, else ``DuplicateSlugError``.

        The API has no idempotency key, so "ours" means: after an ambiguous attempt (``started``, on the
        server's clock, given), the requested targets and region, created no earlier than this call
        began. An identical endpoint that existed before is someone else's and is not taken over; one
        that another writer created since cannot be told apart, so taking one is logged as a warning.
        ``answer`` is the server's duplicate-slug reply, when it gave one.
        """
        found = rules.endpoint_targets(existing)
        same = found == body["targets"] and existing.region.value == body["region"]
        if same and started is not None and existing.created_at >= started:
            _logger.warning(
                "create endpoint %r: an attempt got no clear answer and the slug now holds an identical "
                "endpoint (id %r, created at %s, not before this create began at %s on the server's "
                "clock); taking it as this create's. The API has no idempotency key: had another writer "
                "created it in that window, it is now managed here too.",
                existing.slug,
                existing.id,
                existing.created_at.isoformat(),
                started.isoformat(),
            )
            return existing
        if same:
            detail = f"created at {existing.created_at.isoformat()}, before this create began"
        else:
            detail = f"targets {found}, region {existing.region.value}"
        held = f"endpoint id {existing.id!r} in this workspace holds the slug ({detail})"
        # What the server returned, repeated: scrubbed like its messages.
        held = self._transport._scrub.text(held)
        reason = f"{answer.detail}; {held}" if answer is not None else f"the slug is taken: {held}"
        raise DuplicateSlugError(context, existing.slug, existing, reason)
