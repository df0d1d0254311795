"""The Endpoint's lifecycle core (``resources/endpoint/core.py``) in-process, against the emulator's
application served in this process (:class:`harness.emulator.InProcessEmulator`): what each step sends,
returns and refuses, as docs/guides/resources.md, the Endpoint's API page and the API docs
(``tests/data/gateway-api.md``) say.

What every core does alike (replacement by declaration, undeclared inputs, deletes that ignore "not found" and
nothing else) is ``test_resources_core.py`` and ``test_resources_core_deletes.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from harness.emulator import GLOBEX_KEY, InProcessEmulator, unique_slug
from pulumi_baseten_gateway import GatewayClient
from pulumi_baseten_gateway.errors import (
    DuplicateSlugError,
    EndpointOperationError,
    NotFoundError,
    RequestContext,
)
from pulumi_baseten_gateway.resources.endpoint.core import EndpointCore

BASETEN = {"provider": "BASETEN", "model_id": "3kZ9xqd"}
OPENAI = {"provider": "OPENAI", "secret_id": "sec-1", "target_model": "gpt-4o"}
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


@pytest.fixture
def api() -> Iterator[InProcessEmulator]:
    with InProcessEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(api: InProcessEmulator) -> Iterator[GatewayClient]:
    with api.client() as acme:
        yield acme


@pytest.fixture
def core(client: GatewayClient) -> EndpointCore:
    return EndpointCore(lambda: client)


def created(core: EndpointCore, **inputs: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Check, then create what check returned, as the engine does: id, checked inputs, outputs."""
    outcome = core.check({"slug": unique_slug(), "targets": [BASETEN], **inputs})
    assert outcome.failures == []
    id_, outputs = core.create(outcome.inputs)
    return id_, outcome.inputs, outputs


# -- check and diff (no request) ---------------------------------------------------------------------------


def test_check_stores_the_canonical_targets_and_the_default_region() -> None:
    core = EndpointCore(lambda: pytest.fail("check makes no request"))
    news = {
        "slug": "acme/x",
        "targets": [{**BASETEN, "environment_name": "production", "target_model": "glm", "secret_id": None}],
    }
    outcome = core.check(news)
    assert outcome.failures == []
    assert outcome.inputs == {
        "slug": "acme/x",
        "targets": [{**BASETEN, "target_model": "glm"}],  # production is no environment; the rest stays
        "region": "UNRESTRICTED",
    }
    assert news["targets"][0]["environment_name"] == "production"  # the program's own dict is left alone
    staging = core.check(
        {"slug": "acme/x", "targets": [{**BASETEN, "environment_name": "staging"}], "region": "EU"}
    )
    assert staging.inputs["targets"] == [{**BASETEN, "environment_name": "staging"}]
    assert staging.inputs["region"] == "EU"


def test_check_skips_what_is_not_known_yet() -> None:
    unknown = object()
    preview = EndpointCore(lambda: pytest.fail("no request"), is_unknown=lambda value: value is unknown)
    assert preview.check({"slug": unknown, "targets": unknown, "region": unknown}).failures == []
    assert preview.check({"slug": unknown, "targets": [{"provider": unknown}]}).failures == []


def test_check_reports_every_broken_rule_and_keeps_what_it_cannot_normalise() -> None:
    core = EndpointCore(lambda: pytest.fail("check makes no request"))
    outcome = core.check({"slug": "acme", "targets": "BASETEN", "region": "MOON"})
    assert [(f.path, f.rule) for f in outcome.failures] == [
        ("slug", "slug-format"),
        ("targets", "field-type"),
        ("region", "region"),
    ]
    assert outcome.inputs["targets"] == "BASETEN"
    outcome = core.check({"slug": "acme/x", "targets": [BASETEN, "not a target"]})
    assert outcome.inputs["targets"] == [BASETEN, "not a target"]
    assert ("targets[1]", "field-type") in [(f.path, f.rule) for f in outcome.failures]


def test_diff_compares_canonical_targets_and_the_default_region() -> None:
    core = EndpointCore(lambda: pytest.fail("diff makes no request"))
    olds = {"slug": "acme/x", "targets": [BASETEN], "region": "UNRESTRICTED"}
    same = {"slug": "acme/x", "targets": [{**BASETEN, "environment_name": "production"}]}
    assert core.diff(olds, same).changes is False
    moved = core.diff(olds, {**olds, "targets": [OPENAI]})
    # An update in place; were it replaced (replaceOnChanges), the slug it keeps means deleting first.
    assert (moved.changed, moved.replaces, moved.delete_before_replace) == (["targets"], [], True)


def test_a_region_change_replaces_deleting_first_and_a_slug_change_creating_first() -> None:
    core = EndpointCore(lambda: pytest.fail("diff makes no request"))
    olds = {"slug": "acme/x", "targets": [BASETEN], "region": "UNRESTRICTED"}
    region = core.diff(olds, {**olds, "region": "EU"})
    assert (region.replaces, region.delete_before_replace) == (["region"], True)
    slug = core.diff(olds, {**olds, "slug": "acme/y", "region": "EU"})
    assert (slug.replaces, slug.delete_before_replace) == (["slug", "region"], False)


# -- create ------------------------------------------------------------------------------------------------


def test_create_returns_the_id_and_outputs_as_the_api_answered(
    core: EndpointCore, client: GatewayClient
) -> None:
    id_, inputs, outputs = created(core, targets=[{**BASETEN, "environment_name": "production"}], region="EU")
    served = client.endpoints.get(id_)
    assert outputs == {
        "endpoint_id": id_,
        "slug": inputs["slug"],
        "targets": [BASETEN],
        "region": "EU",
        "created_at": outputs["created_at"],
        "updated_at": outputs["updated_at"],
    }
    assert served.slug == inputs["slug"]
    assert served.region.value == "EU"
    for stamp in ("created_at", "updated_at"):
        assert RFC3339_UTC.fullmatch(outputs[stamp]), outputs[stamp]
    assert outputs["created_at"].startswith(served.created_at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_taken_slug_fails_saying_how_to_adopt(core: EndpointCore) -> None:
    _, inputs, _ = created(core)
    with pytest.raises(EndpointOperationError) as taken:
        core.create(inputs)
    message = str(taken.value)
    assert message.startswith(f"Endpoint {inputs['slug']!r}: create failed: ")
    assert message.endswith("; to manage that endpoint with this resource, set adopt=True on it")
    assert "\n" not in message
    assert isinstance(taken.value.cause, DuplicateSlugError)
    for not_true in ("true", 1, False, None):
        with pytest.raises(EndpointOperationError, match="set adopt=True"):
            core.create({**inputs, "adopt": not_true})


def test_adopt_takes_over_an_identical_endpoint_without_a_change(
    core: EndpointCore, client: GatewayClient
) -> None:
    id_, inputs, outputs = created(core)
    adopted_id, adopted = core.create({**inputs, "adopt": True})
    assert (adopted_id, adopted) == (id_, outputs)
    assert client.endpoints.get(id_).updated_at.isoformat().replace("+00:00", "Z") == outputs["updated_at"]


def test_adopt_sets_the_programs_targets_on_the_existing_endpoint(
    core: EndpointCore, client: GatewayClient
) -> None:
    id_, inputs, _ = created(core)
    adopted_id, adopted = core.create({**inputs, "targets": [OPENAI], "adopt": True})
    assert adopted_id == id_
    assert adopted["targets"] == [OPENAI]
    assert [t.to_api() for t in client.endpoints.get(id_).targets] == [OPENAI]


def test_adopt_refuses_an_endpoint_of_another_region(core: EndpointCore, client: GatewayClient) -> None:
    id_, inputs, _ = created(core, region="EU")
    for region in (None, "UNRESTRICTED"):
        with pytest.raises(EndpointOperationError) as refused:
            core.create({**inputs, "region": region, "targets": [OPENAI], "adopt": True})
        assert (
            f"cannot adopt {inputs['slug']!r}: it serves region EU, the resource asks for UNRESTRICTED "
            "(a region cannot change in place)"
        ) in str(refused.value)
    assert [t.to_api() for t in client.endpoints.get(id_).targets] == [BASETEN]  # left alone


def test_adopt_takes_over_an_endpoint_of_the_region_asked_for(core: EndpointCore) -> None:
    id_, inputs, _ = created(core, region="EU")
    adopted_id, adopted = core.create({**inputs, "targets": [OPENAI], "adopt": True})
    assert (adopted_id, adopted["region"], adopted["targets"]) == (id_, "EU", [OPENAI])


def test_a_duplicate_this_workspace_cannot_see_cannot_be_adopted() -> None:
    """The client raises a duplicate without ``existing`` when the slug's holder is not visible: there is
    nothing to adopt, and the error is the client's, without the adopt hint."""
    context = RequestContext("create endpoint", "POST", "/v1/gateway/endpoints", "acme/x")
    unseen = DuplicateSlugError(context, "acme/x", None, "POST returned HTTP 400: duplicate slug")

    def create(*args: Any, **kwargs: Any) -> Any:
        raise unseen

    stub = SimpleNamespace(endpoints=SimpleNamespace(create=create))
    with pytest.raises(EndpointOperationError) as failed:
        EndpointCore(lambda: stub).create({"slug": "acme/x", "targets": [BASETEN], "adopt": True})  # type: ignore[arg-type, return-value]
    assert failed.value.cause is unseen
    assert failed.value.hint is None
    assert "adopt" not in str(failed.value)


def test_a_create_refused_by_the_api_names_the_step_and_the_slug(api: InProcessEmulator) -> None:
    with api.client(GLOBEX_KEY) as globex:
        core = EndpointCore(lambda: globex)
        slug = unique_slug()  # acme's prefix
        with pytest.raises(EndpointOperationError) as refused:
            core.create({"slug": slug, "targets": [BASETEN], "region": "UNRESTRICTED"})
    assert str(refused.value).startswith(
        f"Endpoint {slug!r}: create failed: POST /v1/gateway/endpoints returned HTTP 400"
    )


# -- read, update, delete ---------------------------------------------------------------------------------


def test_read_gives_fresh_outputs_and_the_inputs_that_make_them(
    core: EndpointCore, client: GatewayClient
) -> None:
    id_, inputs, outputs = created(core)
    client.endpoints.update(id_, [OPENAI])  # drift, out of band
    outcome = core.read(id_, {"slug": inputs["slug"]})
    assert outcome is not None
    assert outcome.id == id_
    assert outcome.outputs == {**outputs, "targets": [OPENAI], "updated_at": outcome.outputs["updated_at"]}
    assert outcome.inputs == {"slug": inputs["slug"], "targets": [OPENAI], "region": "UNRESTRICTED"}


def test_read_keeps_the_states_adopt_which_the_api_does_not_know(core: EndpointCore) -> None:
    id_, inputs, _ = created(core)
    for adopt in (True, False):
        outcome = core.read(id_, {"slug": inputs["slug"], "adopt": adopt})
        assert outcome is not None
        assert outcome.inputs["adopt"] is adopt
    outcome = core.read(id_, {})  # `Endpoint.get`: no state at all
    assert outcome is not None
    assert "adopt" not in outcome.inputs


def test_read_of_a_deleted_endpoint_is_none_and_other_errors_fail_the_read(
    core: EndpointCore, client: GatewayClient, api: InProcessEmulator
) -> None:
    id_, inputs, _ = created(core)
    client.endpoints.delete(id_)
    assert core.read(id_, {"slug": inputs["slug"]}) is None
    api.set_faults(error_rate=1.0)
    with pytest.raises(EndpointOperationError) as failed:
        core.read(id_, {"slug": inputs["slug"]})
    assert str(failed.value).startswith(f"Endpoint {inputs['slug']!r}: read failed: ")
    assert "HTTP 5" in str(failed.value)
    with pytest.raises(EndpointOperationError, match=f"^Endpoint {id_!r}: read failed: "):
        core.read(id_, {})


def test_update_patches_the_targets_and_returns_fresh_outputs(
    core: EndpointCore, client: GatewayClient
) -> None:
    id_, inputs, outputs = created(core)
    updated = core.update(id_, inputs, {**inputs, "targets": [OPENAI]})
    assert updated == {**outputs, "targets": [OPENAI], "updated_at": updated["updated_at"]}
    assert [t.to_api() for t in client.endpoints.get(id_).targets] == [OPENAI]


def test_an_update_that_fails_names_the_new_slug_else_the_old_else_the_id(
    core: EndpointCore, client: GatewayClient
) -> None:
    id_, inputs, _ = created(core)
    client.endpoints.delete(id_)
    for olds, news, name in (
        (inputs, {**inputs, "slug": "acme/new"}, "acme/new"),
        (inputs, {"targets": [OPENAI]}, inputs["slug"]),
        ({}, {"targets": [OPENAI]}, id_),
    ):
        with pytest.raises(EndpointOperationError) as failed:
            core.update(id_, olds, news)
        assert str(failed.value).startswith(f"Endpoint {name!r}: update failed: ")
        assert isinstance(failed.value.cause, NotFoundError)


def test_delete_deletes_and_a_failure_names_the_slug_else_the_id(
    core: EndpointCore, client: GatewayClient, api: InProcessEmulator
) -> None:
    id_, inputs, _ = created(core)
    api.set_faults(error_rate=1.0)
    for state, name in (({"slug": inputs["slug"]}, inputs["slug"]), ({}, id_)):
        with pytest.raises(EndpointOperationError) as failed:
            core.delete(id_, state)
        assert str(failed.value).startswith(f"Endpoint {name!r}: delete failed: ")
    api.set_faults()
    client.endpoints.get(id_)  # still there
    core.delete(id_, {"slug": inputs["slug"]})
    with pytest.raises(NotFoundError):
        client.endpoints.get(id_)
    core.delete(id_, {"slug": inputs["slug"]})  # already gone: deleted
