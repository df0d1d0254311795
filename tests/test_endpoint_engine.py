"""Every user path through the real Pulumi CLI (the pinned build of ``make pulumi``) against the emulator.

``pulumi up``, ``preview``, ``refresh``, ``destroy`` and ``stack export`` run as CLI processes on a local
file backend in a temporary directory (see :mod:`harness.engine`); the engine launches our dynamic
provider plugin itself. What the emulator holds afterwards is read with our client, and what the engine
recorded with ``pulumi stack export``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi.automation as auto
import pytest

from harness.emulator import ACME_KEY, ACME_VIEWER_KEY, EmulatorProcess
from harness.engine import REPO_ROOT, EngineStack, declared_endpoints, declared_gateway
from harness.programs import ProgramStack
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator

SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # Pulumi's marker of a secret value in state
DEMO_KEY = "demo-key"  # the emulator's default workspace (prefix `demo`) when it runs without a config

BASETEN = [{"provider": "BASETEN", "model_id": "3kZ9xqd"}]
STAGING = [{"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": "staging"}]


def held(emulator: EmulatorProcess, key: str = DEMO_KEY) -> dict[str, dict[str, Any]]:
    """The emulator's live endpoints by slug: id, targets (as the API returns them) and region."""
    with GatewayClient(key, base_url=emulator.base_url) as gateway:
        endpoints = list(gateway.endpoints.list())
    slugs = Counter(e.slug for e in endpoints)
    assert all(count == 1 for count in slugs.values()), f"duplicate slugs: {slugs}"
    return {
        e.slug: {"id": e.id, "targets": [t.to_api() for t in e.targets], "region": e.region.value}
        for e in endpoints
    }


def requests_to(emulator: EmulatorProcess, route: str) -> int:
    count: int = emulator.stats()["by_route"].get(route, 0)
    return count


@pytest.fixture
def demo(make_emulator: MakeEmulator) -> EmulatorProcess:
    """A private emulator with the documented default workspace (key `demo-key`, prefix `demo`)."""
    return make_emulator(config=False)


def stack_of(tmp_path: Path, emulator: EmulatorProcess, endpoints: dict[str, Any], **kw: Any) -> EngineStack:
    return EngineStack(
        tmp_path,
        declared_endpoints,
        api_url=emulator.base_url,
        api_key=DEMO_KEY,
        config={"endpoints": endpoints},
        **kw,
    )


# -- updates and replacements -------------------------------------------------------------------------


def test_a_second_up_changes_nothing_a_target_change_updates_in_place_and_a_region_change_replaces(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    """One endpoint, set up once: a second ``up`` writes nothing; new targets update it in place, keeping
    its id; a new region replaces it, deleting the old endpoint first."""
    stack = stack_of(tmp_path, demo, {"a": {"slug": "demo/a", "targets": BASETEN}})
    stack.up()
    first = held(demo)["demo/a"]

    # A second up changes nothing and creates nothing.
    before = held(demo)
    demo.reset_stats()
    run = stack.up()
    assert run.changes == {"same": 2}
    assert held(demo) == before
    writes = {r: n for r, n in demo.stats()["by_route"].items() if not r.startswith("GET")}
    assert writes == {}

    # A target change updates in place, keeping the id.
    stack.set_config({"endpoints": {"a": {"slug": "demo/a", "targets": STAGING}}})
    preview = stack.preview()
    assert preview.changes == {"same": 1, "update": 1}
    run = stack.up()
    assert run.changes == {"same": 1, "update": 1}
    after = held(demo)["demo/a"]
    assert after["id"] == first["id"]
    assert after["targets"] == STAGING
    assert stack.resources()["a"]["outputs"]["targets"] == STAGING
    stack.preview(expect_no_changes=True)

    # A region change replaces, deleting the old endpoint first (the slug stays, and a slug is unique).
    old_id = held(demo)["demo/a"]["id"]
    stack.set_config({"endpoints": {"a": {"slug": "demo/a", "targets": STAGING, "region": "EU"}}})
    run = stack.up()
    steps = [op for op, name in run.steps() if name == "a"]
    assert steps.index("delete-replaced") < steps.index("create-replacement")
    endpoints = held(demo)
    assert endpoints["demo/a"]["region"] == "EU"
    assert endpoints["demo/a"]["id"] != old_id
    stack.preview(expect_no_changes=True)


def test_a_target_change_leaves_what_uses_the_endpoint_id_unchanged_in_preview(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    # A group whose immutable external_entity_id is the endpoint's id: were `endpoint_id` unknown in
    # the preview of the endpoint's update (a dynamic provider's outputs all are), it would show replaced.
    def declared(model_id: str) -> dict[str, Any]:
        return {
            "a": {
                "kind": "Endpoint",
                "props": {"slug": "demo/a", "targets": [{**BASETEN[0], "model_id": model_id}]},
            },
            "g": {
                "kind": "Group",
                "props": {"external_entity_id": "${a.endpoint_id}", "models": [{"slug": "demo/a"}]},
            },
        }

    stack = EngineStack(
        tmp_path,
        declared_gateway,
        api_url=demo.base_url,
        api_key=DEMO_KEY,
        config={"resources": declared("m1")},
    )
    stack.up()
    stack.set_config({"resources": declared("m2")})
    assert stack.preview().changes == {"same": 2, "update": 1}
    assert stack.up().changes == {"same": 2, "update": 1}


def test_slug_change_replaces_creating_the_new_endpoint_first(tmp_path: Path, demo: EmulatorProcess) -> None:
    stack = stack_of(tmp_path, demo, {"a": {"slug": "demo/old", "targets": BASETEN}})
    stack.up()
    old_id = held(demo)["demo/old"]["id"]

    stack.set_config({"endpoints": {"a": {"slug": "demo/new", "targets": BASETEN}}})
    run = stack.up()
    assert run.changes == {"same": 1, "replace": 1}
    steps = [op for op, name in run.steps() if name == "a"]
    assert steps.index("create-replacement") < steps.index("delete-replaced")
    endpoints = held(demo)
    assert set(endpoints) == {"demo/new"}
    assert endpoints["demo/new"]["id"] != old_id
    assert stack.resources()["a"]["id"] == endpoints["demo/new"]["id"]
    stack.preview(expect_no_changes=True)


# -- refresh and drift --------------------------------------------------------------------------------


def test_refresh_shows_out_of_band_changes_the_next_up_converges_and_a_removed_resource_is_deleted(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    declared = {"a": {"slug": "demo/a", "targets": BASETEN}, "b": {"slug": "demo/b", "targets": BASETEN}}
    stack = stack_of(tmp_path, demo, declared)
    stack.up()
    endpoints = held(demo)
    with GatewayClient(DEMO_KEY, base_url=demo.base_url) as gateway:
        gateway.endpoints.update(endpoints["demo/a"]["id"], [{"provider": "BASETEN", "model_id": "drifted"}])
        gateway.endpoints.delete(endpoints["demo/b"]["id"])

    refresh = stack.refresh()
    assert refresh.changes == {"same": 1, "update": 1, "delete": 1}
    assert "Endpoint a updated" in refresh.stdout
    assert "[diff: ~targets]" in refresh.stdout
    assert "Endpoint b deleted" in refresh.stdout
    state = stack.resources()
    assert set(state) == {"a"}
    assert state["a"]["outputs"]["targets"] == [{"provider": "BASETEN", "model_id": "drifted"}]

    drift = stack.preview()
    assert drift.changes == {"same": 1, "update": 1, "create": 1}
    stack.up()
    endpoints = held(demo)
    assert {slug: e["targets"] for slug, e in endpoints.items()} == {"demo/a": BASETEN, "demo/b": BASETEN}
    stack.preview(expect_no_changes=True)

    # Removed from the program: deleted.
    stack.set_config({"endpoints": {"a": declared["a"]}})
    run = stack.up()
    assert run.changes == {"same": 2, "delete": 1}
    assert set(held(demo)) == {"demo/a"}


# -- secrets ------------------------------------------------------------------------------------------


def test_the_api_key_is_in_no_state_export_and_no_file_on_disk(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    key = "sk-engine-test-0123456789abcdef"
    emulator = make_emulator(
        workspaces=[{"name": "w", "prefixes": ["demo"], "api_keys": [{"key": key, "scopes": ["manage"]}]}]
    )
    stack = ProgramStack(tmp_path, REPO_ROOT / "examples" / "basic", api_url=emulator.base_url, api_key=key)
    run = stack.up()
    assert len(held(emulator, key)) == 2
    stack.refresh()
    assert key not in json.dumps(stack.export())
    # Decrypted, the key shows only where Pulumi keeps the stack config it hands to the provider, as a
    # secret: never in an endpoint's inputs or outputs.
    revealed = list(_strings_with(key, stack.export(show_secrets=True)))
    assert revealed, "the engine stores the stack's provider config as a secret"
    assert all(secret for _, secret in revealed), revealed
    for path in stack.state_files():
        assert key.encode() not in path.read_bytes(), path
    assert key not in run.stdout + run.stderr
    stack.destroy()


def _strings_with(needle: str, value: Any, secret: bool = False) -> Any:
    """Every string in a ``stack export`` document containing ``needle``, and whether it sat in a secret."""
    if isinstance(value, dict):
        is_secret = secret or SECRET_SIGNATURE in value
        for item in value.values():
            yield from _strings_with(needle, item, is_secret)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_with(needle, item, secret)
    elif isinstance(value, str) and needle in value:
        yield value, secret


# -- adopt and get ------------------------------------------------------------------------------------


def test_a_duplicate_slug_fails_suggesting_adopt_and_adopt_takes_it_over(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    with GatewayClient(DEMO_KEY, base_url=demo.base_url) as gateway:
        existing = gateway.endpoints.create("demo/taken", [{"provider": "BASETEN", "model_id": "old"}])

    stack = stack_of(tmp_path, demo, {"a": {"slug": "demo/taken", "targets": BASETEN}})
    error = str(stack.failing("up"))
    # One line naming the step, the endpoint, the request, the status and the server's message, then
    # what to do; no Python traceback.
    assert (
        "pulumi_baseten_gateway.errors.EndpointOperationError: Endpoint 'demo/taken': create failed: "
        "POST /v1/gateway/endpoints returned HTTP 400: slug: an endpoint with slug 'demo/taken' already "
        f"exists; endpoint id {existing.id!r} in this workspace holds the slug"
    ) in error
    assert "set adopt=True on it" in error
    assert "Traceback" not in error
    assert "create failed: create endpoint" not in error  # no stutter
    assert held(demo)["demo/taken"]["targets"] == [{"provider": "BASETEN", "model_id": "old"}]
    assert stack.resources() == {}

    stack.set_config({"endpoints": {"a": {"slug": "demo/taken", "targets": BASETEN, "adopt": True}}})
    stack.up()
    assert held(demo)["demo/taken"] == {"id": existing.id, "targets": BASETEN, "region": "UNRESTRICTED"}
    assert stack.resources()["a"]["id"] == existing.id
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert held(demo) == {}


def test_get_reads_an_existing_endpoint_without_managing_it(tmp_path: Path, demo: EmulatorProcess) -> None:
    with GatewayClient(DEMO_KEY, base_url=demo.base_url) as gateway:
        existing = gateway.endpoints.create("demo/external", STAGING)
    stack = EngineStack(
        tmp_path,
        declared_endpoints,
        api_url=demo.base_url,
        api_key=DEMO_KEY,
        config={"gets": {"found": existing.id}},
    )
    run = stack.up()
    assert run.outputs["found"] == {"id": existing.id, "slug": "demo/external", "targets": STAGING}
    stack.destroy()
    assert "demo/external" in held(demo)  # read, not managed: destroy leaves it


# -- invalid input ------------------------------------------------------------------------------------


def test_invalid_input_fails_preview_naming_the_property_and_sends_nothing(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    bad = {"slug": "demo/bad", "targets": [{"provider": "OPENAI", "target_model": "gpt-4o"}]}
    stack = stack_of(tmp_path, demo, {"bad": bad})
    demo.reset_stats()
    # The engine reports a failed Check as "property P value V has a problem: RULE".
    message = "property targets[0].secret_id value {<nil>} has a problem: is required for OPENAI targets"
    assert message in str(stack.failing("preview"))
    assert message in str(stack.failing("up"))
    assert demo.stats()["total_requests"] == 0
    assert held(demo) == {}


# -- the policy pack ----------------------------------------------------------------------------------

POLICY_PACK = str(Path(sys.executable).parent / "baseten-gateway-policy-pack")
OK = {"provider": "BASETEN", "model_id": "x"}
VIOLATIONS = {
    "baseten-endpoint-org-prefix": {"a": {"slug": "other-org/a", "targets": [OK]}},
    "baseten-endpoint-single-target": {"a": {"slug": "demo/a", "targets": [OK, OK]}},
    "baseten-endpoint-target-fields": {
        "a": {"slug": "demo/a", "targets": [{"provider": "OPENAI", "target_model": "gpt-4o"}]}
    },
    "baseten-endpoint-slug-format": {"a": {"slug": "demo/not a slug", "targets": [OK]}},
    "baseten-endpoint-unique-slugs": {
        "a": {"slug": "demo/same", "targets": [OK]},
        "b": {"slug": "demo/same", "targets": [OK]},
    },
}


@pytest.fixture
def policy_config(tmp_path: Path) -> str:
    path = tmp_path / "policy-config.json"
    path.write_text(
        json.dumps(
            {
                "baseten-endpoint-org-prefix": {"allowedPrefixes": ["demo"]},
                "baseten-endpoint-allowed-providers": {"allowedProviders": ["BASETEN"]},
            }
        )
    )
    return str(path)


@pytest.mark.parametrize("policy", sorted(VIOLATIONS))
def test_each_mandatory_policy_blocks_its_violation(
    tmp_path: Path, demo: EmulatorProcess, policy_config: str, policy: str
) -> None:
    stack = stack_of(tmp_path / "stack", demo, VIOLATIONS[policy])
    error = str(stack.failing("preview", policy_packs=[POLICY_PACK], policy_pack_configs=[policy_config]))
    assert f"[mandatory]  {policy}" in error
    other_policies = set(VIOLATIONS) - {policy}
    assert not any(f"]  {other}" in error for other in other_policies), error
    assert demo.stats()["total_requests"] == 0


def test_the_advisory_policy_only_warns_and_a_compliant_stack_passes(
    tmp_path: Path, demo: EmulatorProcess, policy_config: str
) -> None:
    external = {"provider": "OPENAI", "secret_id": "s", "target_model": "gpt-4o"}
    stack = stack_of(tmp_path / "stack", demo, {"a": {"slug": "demo/a", "targets": [external]}})
    run = stack.up(policy_packs=[POLICY_PACK], policy_pack_configs=[policy_config])
    assert "[advisory]  baseten-endpoint-allowed-providers" in run.stdout
    assert set(held(demo)) == {"demo/a"}

    stack.set_config({"endpoints": {"a": {"slug": "demo/a", "targets": [OK]}}})
    run = stack.up(policy_packs=[POLICY_PACK], policy_pack_configs=[policy_config])
    assert "baseten-endpoint-" not in run.stdout  # no policy reported anything
    assert held(demo)["demo/a"]["targets"] == [OK]


# -- faults -------------------------------------------------------------------------------------------


def test_up_of_20_endpoints_under_faults_converges_without_duplicates_or_orphans(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    declared = {
        f"e{i:02d}": {
            "slug": f"demo/faulty-{i:02d}",
            "targets": [{"provider": "BASETEN", "model_id": f"m{i}"}],
        }
        for i in range(20)
    }
    stack = stack_of(tmp_path, demo, declared)
    demo.set_faults(error_rate=0.2, rate_limit_rate=0.1, drop_rate=0.1, seed=7)
    for _ in range(2):  # the first run, and at most one re-run
        try:
            stack.up()
            break
        except auto.errors.CommandError:
            continue
    else:
        raise AssertionError("pulumi up did not converge within one re-run")
    faults = demo.stats()["faults"]
    assert min(faults["5xx"], faults["429"], faults["drop"]) > 0, faults
    demo.set_faults()

    endpoints = held(demo)  # asserts no slug twice
    assert set(endpoints) == {spec["slug"] for spec in declared.values()}
    state = stack.resources()
    assert {name: r["id"] for name, r in state.items()} == {
        name: endpoints[spec["slug"]]["id"] for name, spec in declared.items()
    }
    stack.preview(expect_no_changes=True)
    stack.destroy()
    assert held(demo) == {}


# -- deletes the gateway refuses ------------------------------------------------------------------------


def test_a_delete_the_gateway_refuses_fails_the_destroy_and_keeps_the_endpoint(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    """Only "not found" means gone. A 403 or a 500 on delete fails ``pulumi destroy``, naming the status,
    and leaves the endpoint in the state and on the server; once the gateway accepts, destroy deletes it.
    """
    emulator = make_emulator()  # the acme workspace, with a management key and a view-only key
    slug = "acme/kept"
    stack = EngineStack(
        tmp_path,
        declared_endpoints,
        api_url=emulator.base_url,
        api_key=ACME_KEY,
        config={"endpoints": {"kept": {"slug": slug, "targets": BASETEN}}, "baseten:totalTimeout": "3"},
    )
    stack.up()
    [endpoint_id] = [r["id"] for r in stack.resources().values()]

    def still_there() -> None:
        assert list(stack.resources()) == ["kept"]
        assert held(emulator, ACME_KEY)[slug]["id"] == endpoint_id

    def use_key(key: str) -> None:
        # `pulumi destroy` configures the provider from the state, as the last `up` left it.
        stack.stack.set_config("baseten:apiKey", auto.ConfigValue(key, secret=True))
        assert stack.up().changes == {"same": 2}

    # 403: the key may only view.
    use_key(ACME_VIEWER_KEY)
    error = str(stack.failing("destroy"))
    assert f"Endpoint '{slug}': delete failed" in error, error
    assert "HTTP 403" in error
    still_there()

    # 500: the gateway fails every request, through the whole retry budget.
    use_key(ACME_KEY)
    emulator.set_faults(error_rate=1.0)
    error = str(stack.failing("destroy"))
    assert f"Endpoint '{slug}': delete failed" in error, error
    assert "HTTP 5" in error
    emulator.set_faults(error_rate=0.0)
    still_there()

    assert stack.destroy().changes == {"delete": 2}
    assert held(emulator, ACME_KEY) == {}
