"""The Endpoint's lifecycle, once, in plain Python: check, diff, create (with adopt), read, update, delete.

Both adapters call it: the dynamic provider (``provider.EndpointProvider``, Python programs) and the
native provider plugin. Properties are plain dicts with the declaration's names (``slug``, ``targets``,
``region``, ``adopt``); what counts as "not known yet" during a preview is the adapter's business, so it
passes its own ``is_unknown``. Every failure is one :class:`EndpointOperationError` naming the step, the
endpoint and the typed cause, in one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ...api.models.endpoint import EndpointInfo, Region
from ...api.rules import endpoint as rules
from ...errors import (
    ConfigurationError,
    DuplicateSlugError,
    EndpointOperationError,
    ResourceOperationError,
)
from ..declaration import ResourceDecl
from ..lifecycle import RECOVERY_HINT, CheckOutcome, CoreBase, DiffOutcome, ReadOutcome, timestamp
from .resource import ENDPOINT

if TYPE_CHECKING:
    from ...api import GatewayClient

__all__ = ["EndpointCore", "outputs_of"]

_ADOPT_HINT = f"{RECOVERY_HINT}; to manage that endpoint with this resource, set adopt=True on it"


def _normalized_targets(targets: Any) -> Any:
    """Canonical targets for state and diffs; anything not a list of objects is passed through as is."""
    if not isinstance(targets, (list, tuple)):
        return targets
    return [rules.canonical_target(t) if isinstance(t, Mapping) else t for t in targets]


def _region(value: Any) -> Any:
    return Region.UNRESTRICTED.value if value is None else value


def outputs_of(endpoint: EndpointInfo) -> dict[str, Any]:
    """The resource's output properties, from what the API returned."""
    return {
        "endpoint_id": endpoint.id,
        "slug": endpoint.slug,
        "targets": rules.endpoint_targets(endpoint),
        "region": endpoint.region.value,
        "created_at": timestamp(endpoint.created_at),
        "updated_at": timestamp(endpoint.updated_at),
    }


class EndpointCore(CoreBase):
    """One endpoint's lifecycle against the API, through the client that ``client()`` returns.

    ``client`` is called only when a step needs the API (never for check or diff), so a missing API key
    surfaces at the first request, as a one-line error.
    """

    declaration: ClassVar[ResourceDecl] = ENDPOINT
    error: ClassVar[type[ResourceOperationError]] = EndpointOperationError
    natural_key: ClassVar[str | None] = "slug"

    # -- no requests ----------------------------------------------------------------------------------

    def check(self, news: Mapping[str, Any]) -> CheckOutcome:
        """Validate with the shared rules and normalise, without any request. Unknowns are skipped."""
        slug, targets, region = (news.get(k) for k in ("slug", "targets", "region"))
        failures = rules.validate_endpoint(slug, targets, region, is_unknown=self._is_unknown)
        failures += self._declared_failures(news)
        inputs = dict(news)
        inputs["targets"] = _normalized_targets(targets)
        inputs["region"] = _region(region)
        return CheckOutcome(inputs, failures)

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> DiffOutcome:
        """A declared-immutable change replaces; a target change updates in place; else nothing.

        A region change on the same slug deletes first: the slug is globally unique, so the new endpoint
        could not be created while the old one holds it.
        """
        return self._diff(olds, news, normal={"targets": _normalized_targets, "region": _region})

    # -- requests -------------------------------------------------------------------------------------

    def create(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """POST (the client never creates a duplicate); on a taken slug, adopt it or say how to."""
        slug = str(inputs.get("slug"))

        def create() -> EndpointInfo:
            return self._create_or_adopt(
                inputs,
                lambda client: client.endpoints.create(
                    slug, inputs["targets"], region=_region(inputs.get("region"))
                ),
                lambda client, existing: self._adopt(client, existing, inputs),
                DuplicateSlugError,
                _ADOPT_HINT,
            )

        endpoint = self._step("create", slug, create)
        return endpoint.id, outputs_of(endpoint)

    @staticmethod
    def _adopt(client: GatewayClient, existing: EndpointInfo, inputs: Mapping[str, Any]) -> EndpointInfo:
        region = _region(inputs.get("region"))
        if existing.region.value != region:
            raise ConfigurationError(
                f"cannot adopt {existing.slug!r}: it serves region {existing.region.value}, "
                f"the resource asks for {region} (a region cannot change in place)"
            )
        if rules.endpoint_targets(existing) == _normalized_targets(inputs["targets"]):
            return existing
        return client.endpoints.update(existing.id, inputs["targets"])

    def read(self, id_: str, state: Mapping[str, Any]) -> ReadOutcome | None:
        """The endpoint now: None when it is gone; else fresh outputs and the inputs matching them.

        Through ``client.endpoints.read``: a lone Read is one GET; Reads arriving together (a
        refresh) share one listing of the workspace, which this client's own writes keep up to date.
        """
        endpoint = self._step("read", state.get("slug") or id_, lambda: self._client().endpoints.read(id_))
        if endpoint is None:
            return None
        outputs = outputs_of(endpoint)
        inputs = {"slug": outputs["slug"], "targets": outputs["targets"], "region": outputs["region"]}
        return ReadOutcome(endpoint.id, outputs, self._kept_adopt(state, inputs))

    def update(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH the full target list (the only mutable field)."""
        name = news.get("slug") or olds.get("slug") or id_
        client = self._client
        return outputs_of(self._step("update", name, lambda: client().endpoints.update(id_, news["targets"])))

    def delete(self, id_: str, state: Mapping[str, Any]) -> None:
        """DELETE; an endpoint that is already gone counts as deleted."""
        self._delete(state.get("slug") or id_, lambda: self._client().endpoints.delete(id_))
