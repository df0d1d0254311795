"""The Endpoint provider inside the real plugin process (`python -u -m pulumi.dynamic`), driven over gRPC
exactly as `pulumi preview/up/refresh/destroy` drive it, against the emulator over real HTTP."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from harness.emulator import (
    ACME_KEY,
    ACME_VIEWER_KEY,
    GLOBEX_PREFIX,
    EmulatorProcess,
    auth_headers,
    unique_slug,
)
from harness.plugin import UNKNOWN, PluginError, ProviderPlugin, without_provider
from pulumi_baseten_gateway.provider import EndpointOperationError, EndpointProvider
from tests.conftest import MakeEmulator

BASETEN = {"provider": "BASETEN", "model_id": "3kZ9xqd"}
OPENAI = {"provider": "OPENAI", "secret_id": "sec-1", "target_model": "gpt-4o"}


def config_for(emulator: EmulatorProcess, key: str = ACME_KEY) -> dict[str, str]:
    return {"baseten:apiKey": key, "baseten:apiUrl": emulator.base_url}


@pytest.fixture(scope="module")
def plugin(emulator: EmulatorProcess) -> Iterator[ProviderPlugin]:
    with ProviderPlugin() as running:
        running.configure(config_for(emulator))
        yield running


def up(plugin: ProviderPlugin, inputs: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Check then Create, as `pulumi up` does for a new resource; returns id, checked inputs, outputs."""
    checked, failures = plugin.check(inputs)
    assert failures == []
    id_, outputs = plugin.create(checked)
    return id_, checked, outputs


def raw_get(emulator: EmulatorProcess, endpoint_id: str) -> httpx.Response:
    return httpx.get(emulator.url(f"/v1/gateway/endpoints/{endpoint_id}"), headers=auth_headers())


def test_check_normalises_and_accepts_valid_input(plugin: ProviderPlugin) -> None:
    inputs, failures = plugin.check(
        {"slug": "acme/ok", "targets": [{**BASETEN, "environment_name": "production", "target_model": None}]}
    )
    assert failures == []
    assert without_provider(inputs) == {"slug": "acme/ok", "targets": [BASETEN], "region": "UNRESTRICTED"}


def test_check_reports_every_violation_with_its_path_and_sends_nothing(
    plugin: ProviderPlugin, emulator: EmulatorProcess
) -> None:
    before = emulator.stats()["total_requests"]
    _, failures = plugin.check(
        {
            "slug": "acme/a/b",
            "targets": [{"provider": "OPENAI", "model_id": "x"}, {"provider": "NOPE"}],
            "region": "MOON",
            "adopt": "yes",
        }
    )
    by_path = {f.property: f.reason for f in failures}
    assert set(by_path) == {
        "slug",
        "targets",
        "targets[0].model_id",
        "targets[0].secret_id",
        "targets[0].target_model",
        "targets[1].provider",
        "region",
        "adopt",
    }
    assert "exactly one target" in by_path["targets"]
    assert "[single-target]" in by_path["targets"]
    assert "is not allowed for OPENAI targets" in by_path["targets[0].model_id"]
    assert emulator.stats()["total_requests"] == before


def test_check_skips_unknowns_during_preview(plugin: ProviderPlugin) -> None:
    for inputs in (
        {"slug": UNKNOWN, "targets": UNKNOWN},
        {"slug": "acme/p", "targets": [UNKNOWN]},
        {"slug": "acme/p", "targets": [{"provider": "BASETEN", "model_id": UNKNOWN}], "region": UNKNOWN},
        {"slug": "acme/p", "targets": [{"provider": UNKNOWN, "model_id": "m"}]},
    ):
        checked, failures = plugin.check(inputs)
        assert failures == [], inputs
        assert checked["slug"] == inputs["slug"]


def test_missing_required_inputs_are_check_failures(plugin: ProviderPlugin) -> None:
    _, failures = plugin.check({})
    assert {f.property for f in failures} == {"slug", "targets"}


def test_full_lifecycle(plugin: ProviderPlugin, emulator: EmulatorProcess) -> None:
    slug = unique_slug()
    id_, checked, outputs = up(plugin, {"slug": slug, "targets": [BASETEN]})
    assert without_provider(outputs) == {
        "endpoint_id": id_,
        "slug": slug,
        "targets": [BASETEN],
        "region": "UNRESTRICTED",
        "created_at": outputs["created_at"],
        "updated_at": outputs["updated_at"],
    }
    assert raw_get(emulator, id_).json()["targets"] == [BASETEN]

    # refresh: nothing drifted
    read_id, read_outputs, read_inputs = plugin.read(id_, outputs)
    assert read_id == id_
    assert without_provider(read_outputs) == without_provider(outputs)
    assert without_provider(read_inputs) == without_provider(checked)

    # preview of the same program: no changes
    same = plugin.diff(id_, outputs, checked)
    assert same.changes == same.DIFF_NONE

    # new targets: an in-place update
    new_inputs, _ = plugin.check({"slug": slug, "targets": [OPENAI]}, olds=checked)
    diff = plugin.diff(id_, outputs, new_inputs)
    assert diff.changes == diff.DIFF_SOME
    assert list(diff.replaces) == []
    updated = plugin.update(id_, outputs, new_inputs)
    assert updated["targets"] == [OPENAI]
    assert updated["endpoint_id"] == id_
    assert updated["updated_at"] > outputs["updated_at"]
    assert raw_get(emulator, id_).json()["targets"] == [OPENAI]

    # destroy
    plugin.delete(id_, updated)
    assert raw_get(emulator, id_).status_code == 404
    assert plugin.read(id_, updated)[0] == ""


def test_slug_change_replaces_create_before_delete(plugin: ProviderPlugin, emulator: EmulatorProcess) -> None:
    slug, new_slug = unique_slug(), unique_slug()
    id_, checked, outputs = up(plugin, {"slug": slug, "targets": [BASETEN]})
    renamed, _ = plugin.check({"slug": new_slug, "targets": [BASETEN]}, olds=checked)
    diff = plugin.diff(id_, outputs, renamed)
    assert diff.changes == diff.DIFF_SOME
    assert list(diff.replaces) == ["slug"]
    assert diff.deleteBeforeReplace is False
    # The engine creates the replacement first, then deletes the old one: both slugs live at once.
    new_id, new_outputs = plugin.create(renamed)
    try:
        assert new_id != id_
        old_held, new_held = raw_get(emulator, id_), raw_get(emulator, new_id)
        assert (old_held.status_code, new_held.status_code) == (200, 200)
        assert (old_held.json()["slug"], new_held.json()["slug"]) == (slug, new_slug)
        plugin.delete(id_, outputs)
        assert raw_get(emulator, id_).status_code == 404
        assert raw_get(emulator, new_id).json()["slug"] == new_slug  # the replacement stays
    finally:
        plugin.delete(new_id, new_outputs)
    assert raw_get(emulator, new_id).status_code == 404


def test_region_change_replaces_delete_first(plugin: ProviderPlugin) -> None:
    """Same slug, new region: the slug is globally unique, so the old endpoint must go first."""
    slug = unique_slug()
    id_, checked, outputs = up(plugin, {"slug": slug, "targets": [BASETEN]})
    moved, _ = plugin.check({"slug": slug, "targets": [BASETEN], "region": "EU"}, olds=checked)
    diff = plugin.diff(id_, outputs, moved)
    assert list(diff.replaces) == ["region"]
    assert diff.deleteBeforeReplace is True
    plugin.delete(id_, outputs)
    new_id, new_outputs = plugin.create(moved)
    assert new_outputs["region"] == "EU"
    plugin.delete(new_id, new_outputs)


@pytest.mark.parametrize(
    "news",
    [
        {"targets": [{"model_id": "3kZ9xqd", "provider": "BASETEN"}]},
        {"targets": [{**BASETEN, "environment_name": "production"}]},
        {"targets": [{**BASETEN, "secret_id": None, "target_model": None}]},
        {"targets": [BASETEN], "region": "UNRESTRICTED"},
        {"targets": [BASETEN], "adopt": False},
    ],
)
def test_no_spurious_diffs(plugin: ProviderPlugin, news: dict[str, Any]) -> None:
    """Key order, null versus absent, production environment, default region: none is a change."""
    outputs = {
        "endpoint_id": "e1",
        "slug": "acme/same",
        "targets": [BASETEN],
        "region": "UNRESTRICTED",
        "created_at": "2026-06-17T12:00:00Z",
        "updated_at": "2026-06-17T12:00:00Z",
    }
    checked, failures = plugin.check({"slug": "acme/same", **news})
    assert failures == []
    diff = plugin.diff("e1", outputs, checked)
    assert diff.changes == diff.DIFF_NONE


def test_unknowns_in_diff_are_changes(plugin: ProviderPlugin) -> None:
    outputs = {"slug": "acme/u", "targets": [BASETEN], "region": "UNRESTRICTED"}
    diff = plugin.diff("e1", outputs, {"slug": UNKNOWN, "targets": [BASETEN], "region": "UNRESTRICTED"})
    assert list(diff.replaces) == ["slug"]
    diff = plugin.diff("e1", outputs, {"slug": "acme/u", "targets": UNKNOWN, "region": "UNRESTRICTED"})
    assert diff.changes == diff.DIFF_SOME
    assert list(diff.replaces) == []


def test_refresh_detects_drift_and_the_next_preview_shows_only_it(
    plugin: ProviderPlugin, emulator: EmulatorProcess
) -> None:
    slug = unique_slug()
    id_, checked, outputs = up(plugin, {"slug": slug, "targets": [BASETEN]})
    drifted = {"provider": "BASETEN", "model_id": "changed-by-hand", "environment_name": "staging"}
    response = httpx.patch(
        emulator.url(f"/v1/gateway/endpoints/{id_}"), json={"targets": [drifted]}, headers=auth_headers()
    )
    assert response.status_code == 200

    read_id, refreshed, refreshed_inputs = plugin.read(id_, outputs)
    assert read_id == id_
    assert refreshed["targets"] == [drifted]
    assert refreshed_inputs["targets"] == [drifted]
    assert refreshed_inputs["slug"] == slug
    # The program still declares the old target: the preview is an in-place update of targets only.
    diff = plugin.diff(id_, refreshed, checked)
    assert diff.changes == diff.DIFF_SOME
    assert list(diff.replaces) == []
    plugin.update(id_, refreshed, checked)
    assert raw_get(emulator, id_).json()["targets"] == [BASETEN]
    plugin.delete(id_, outputs)


def test_refresh_of_an_endpoint_deleted_behind_our_back(
    plugin: ProviderPlugin, emulator: EmulatorProcess
) -> None:
    id_, _, outputs = up(plugin, {"slug": unique_slug(), "targets": [BASETEN]})
    assert (
        httpx.delete(emulator.url(f"/v1/gateway/endpoints/{id_}"), headers=auth_headers()).status_code == 200
    )
    read_id, read_outputs, _ = plugin.read(id_, outputs)
    assert read_id == ""
    assert without_provider(read_outputs) == {}
    # destroy of a resource already gone succeeds
    plugin.delete(id_, outputs)


def test_get_reads_by_id_without_state(plugin: ProviderPlugin) -> None:
    """`Endpoint.get(name, id)`: the engine sends Read with only the id and the provider input."""
    id_, _, outputs = up(plugin, {"slug": unique_slug(), "targets": [OPENAI]})
    read_id, read_outputs, _ = plugin.read(id_, {}, inputs={})
    assert read_id == id_
    assert read_outputs["targets"] == [OPENAI]
    assert read_outputs["slug"] == outputs["slug"]
    plugin.delete(id_, outputs)


def test_duplicate_slug_suggests_adopt_and_adopt_takes_over(
    plugin: ProviderPlugin, emulator: EmulatorProcess
) -> None:
    slug = unique_slug()
    existing = httpx.post(
        emulator.url("/v1/gateway/endpoints"),
        json={"slug": slug, "targets": [BASETEN]},
        headers=auth_headers(),
    ).json()

    checked, _ = plugin.check({"slug": slug, "targets": [OPENAI]})
    with pytest.raises(PluginError) as info:
        plugin.create(checked)
    assert "adopt=True" in info.value.details
    assert slug in info.value.details
    assert raw_get(emulator, existing["id"]).json()["targets"] == [BASETEN]

    adopted, _ = plugin.check({"slug": slug, "targets": [OPENAI], "adopt": True})
    id_, outputs = plugin.create(adopted)
    assert id_ == existing["id"]
    assert outputs["targets"] == [OPENAI]
    assert raw_get(emulator, id_).json()["targets"] == [OPENAI]
    plugin.delete(id_, outputs)


def test_api_error_names_operation_slug_status_and_message(plugin: ProviderPlugin) -> None:
    slug = f"{GLOBEX_PREFIX}/{unique_slug().split('/')[1]}"
    checked, failures = plugin.check({"slug": slug, "targets": [BASETEN]})
    assert failures == []  # the org prefix is the server's (and the policy pack's) to judge
    with pytest.raises(PluginError) as info:
        plugin.create(checked)
    details = info.value.details
    assert f"Endpoint '{slug}': create failed" in details
    assert "HTTP 400" in details
    assert "prefix" in details


def test_update_of_a_deleted_endpoint_is_a_404_error(
    plugin: ProviderPlugin, emulator: EmulatorProcess
) -> None:
    id_, checked, outputs = up(plugin, {"slug": unique_slug(), "targets": [BASETEN]})
    httpx.delete(emulator.url(f"/v1/gateway/endpoints/{id_}"), headers=auth_headers())
    with pytest.raises(PluginError) as info:
        plugin.update(id_, outputs, {**checked, "targets": [OPENAI]})
    assert "update failed" in info.value.details
    assert "HTTP 404" in info.value.details


def test_forbidden_key_is_a_403_error(emulator: EmulatorProcess) -> None:
    with ProviderPlugin() as viewer_plugin:
        viewer_plugin.configure(config_for(emulator, ACME_VIEWER_KEY))
        checked, _ = viewer_plugin.check({"slug": unique_slug(), "targets": [BASETEN]})
        with pytest.raises(PluginError) as info:
            viewer_plugin.create(checked)
    assert "HTTP 403" in info.value.details
    assert ACME_VIEWER_KEY not in info.value.details


def test_missing_api_key_names_both_ways_to_set_it(emulator: EmulatorProcess) -> None:
    """Check (which runs at preview) refuses first, naming the setting; Create refuses the same way."""
    before = emulator.stats()["total_requests"]
    with ProviderPlugin(env={"BASETEN_API_KEY": ""}) as keyless:
        keyless.configure({"baseten:apiUrl": emulator.base_url})
        checked, failures = keyless.check({"slug": unique_slug(), "targets": [BASETEN]})
        with pytest.raises(PluginError) as info:
            keyless.create(checked)
    [failure] = failures
    assert failure.property == ""  # a setting, not one of the resource's inputs
    for message in (failure.reason, info.value.details):
        assert "pulumi config set --secret baseten:apiKey" in message
        assert "BASETEN_API_KEY" in message
    assert emulator.stats()["total_requests"] == before


def test_key_from_environment_when_config_has_none(emulator: EmulatorProcess) -> None:
    with ProviderPlugin(
        env={"BASETEN_API_KEY": ACME_KEY, "BASETEN_API_URL": emulator.base_url}
    ) as env_plugin:
        env_plugin.configure({})
        id_, _, outputs = up(env_plugin, {"slug": unique_slug(), "targets": [BASETEN]})
        env_plugin.delete(id_, outputs)


def test_the_api_key_is_in_no_property_and_not_in_the_provider_blob(
    make_emulator: MakeEmulator,
) -> None:
    emulator = make_emulator()
    secret_key = "acme-key"
    with ProviderPlugin() as fresh:
        fresh.configure(config_for(emulator, secret_key))
        returned: list[Any] = []
        checked, _ = fresh.check({"slug": "acme/secret", "targets": [BASETEN]})
        returned.append(checked)
        id_, outputs = fresh.create(checked)
        returned += [id_, outputs, fresh.read(id_, outputs)]
        new, _ = fresh.check({"slug": "acme/secret", "targets": [OPENAI]}, olds=checked)
        returned.append(fresh.update(id_, outputs, new))
        fresh.delete(id_, outputs)
        blob = base64.b64decode(outputs["__provider"])
    assert secret_key not in repr(returned)
    assert secret_key.encode() not in blob
    assert b"pulumi_baseten_gateway.provider" in blob
    assert len(blob) < 200  # pickled by reference: a class name, no state


def test_the_provider_class_path_is_stable() -> None:
    """Pulumi pickles this path into every stack's state: moving or renaming the class breaks them."""
    assert (EndpointProvider.__module__, EndpointProvider.__qualname__) == (
        "pulumi_baseten_gateway.provider",
        "EndpointProvider",
    )


def test_adopt_survives_an_ambiguous_first_create(make_emulator: MakeEmulator) -> None:
    """Every write is committed and its answer lost: adopt must still take the slug over."""
    emulator = make_emulator()
    slug = unique_slug()
    existing = httpx.post(
        emulator.url("/v1/gateway/endpoints"),
        json={"slug": slug, "targets": [BASETEN]},
        headers=auth_headers(),
    ).json()
    emulator.set_faults(drop_rate=1.0, seed=5)
    with ProviderPlugin() as fresh:
        fresh.configure(config_for(emulator))
        adopted, _ = fresh.check({"slug": slug, "targets": [OPENAI], "adopt": True})
        id_, outputs = fresh.create(adopted)
    emulator.set_faults()
    assert id_ == existing["id"]
    assert outputs["targets"] == [OPENAI]
    assert raw_get(emulator, id_).json()["targets"] == [OPENAI]
    assert emulator.stats()["endpoints"]["live"] == 1


def test_configuring_in_process_leaves_tracebacks_alone() -> None:
    """Only the plugin process trims tracebacks: Pulumi programs read the stack to locate resources."""
    EndpointProvider().configure(ConfigureRequest(Config({}, "")))
    assert getattr(sys, "tracebacklimit", None) is None


def test_the_dynamic_provider_also_reads_the_native_providers_namespace(emulator: EmulatorProcess) -> None:
    """One stack can configure both providers with `baseten-gateway:*`; `baseten:*` still comes first."""
    provider = EndpointProvider()
    provider.configure(
        ConfigureRequest(
            Config({"baseten-gateway:apiKey": ACME_KEY, "baseten-gateway:apiUrl": emulator.base_url}, "")
        )
    )
    slug = unique_slug()
    created = provider.create({"slug": slug, "targets": [{"provider": "BASETEN", "model_id": "m"}]})
    assert created.outs["slug"] == slug
    provider.delete(created.id, created.outs)
    ambiguous = EndpointProvider()
    config = {
        "baseten:apiUrl": "http://gateway.example.com",
        "baseten-gateway:apiUrl": emulator.base_url,
        "baseten-gateway:apiKey": ACME_KEY,
    }
    ambiguous.configure(ConfigureRequest(Config(config, "")))
    with pytest.raises(
        EndpointOperationError, match=r"baseten:apiUrl \(or BASETEN_API_URL\) uses plain http://"
    ):
        ambiguous.read("x", {})
