"""Moving a Python program's endpoints from the dynamic provider to the native one without replacing them:
``tests/programs/migrate-python`` through its four stages (docs/guides/migration.md), each a ``pulumi up``
in the project directory.

The oracle is the workspace: the same endpoint ids before and after, and not one write to the API from the
moment the endpoints exist (no POST, PATCH or DELETE: nothing replaced, nothing recreated). The state ends
with native resources only, and a last ``up`` and a refresh change nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.emulator import ACME_KEY, EmulatorProcess
from harness.engine import REPO_ROOT, tree_first
from harness.programs import ProgramStack
from harness.sdks import python_sdk
from pulumi_baseten_gateway import ENDPOINT_TYPE_TOKEN, GatewayClient
from tests.conftest import MakeEmulator

NATIVE_TYPE = "baseten-gateway:index:Endpoint"
WRITES = ("POST ", "PATCH ", "PUT ", "DELETE ")


def _writes(emulator: EmulatorProcess) -> dict[str, int]:
    return {route: n for route, n in emulator.stats()["by_route"].items() if route.startswith(WRITES)}


def _held(emulator: EmulatorProcess) -> dict[str, tuple[str, str]]:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        return {e.slug: (e.id, e.region.value) for e in client.endpoints.list()}


def test_endpoints_move_from_the_dynamic_provider_to_the_native_one_keeping_their_ids(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator()
    path = os.pathsep.join([tree_first(os.environ.get("PYTHONPATH")), str(python_sdk())])
    stack = ProgramStack(
        tmp_path,
        REPO_ROOT / "tests" / "programs" / "migrate-python",
        api_url=emulator.base_url,
        api_key=ACME_KEY,  # baseten:* for the dynamic provider
        config={"stage": "dynamic", "baseten-gateway:apiUrl": emulator.base_url},
        secrets={"baseten-gateway:apiKey": ACME_KEY},  # the native plugin's own namespace
        extra_env={"PYTHONPATH": path},
    )

    stack.up()
    before = _held(emulator)
    assert set(before) == {"acme/glm-5.2", "acme/kimi"}
    assert set(stack.resources(ENDPOINT_TYPE_TOKEN)) == {"glm", "kimi"}
    ids = stack.outputs()["ids"]
    assert ids == {"glm": before["acme/glm-5.2"][0], "kimi": before["acme/kimi"][0]}
    emulator.reset_stats()

    stack.config_set("stage", "retain")
    stack.up()
    stack.config_set("stage", "import")
    stack.config_set("ids", json.dumps(ids))
    imported = stack.up()
    assert imported.changes.get("import") == 2, imported.changes
    assert _writes(emulator) == {}, "the move wrote to the API: something was replaced or recreated"

    stack.config_set("stage", "native")
    final = stack.up()
    assert set(final.changes) <= {"same"}, final.changes
    assert set(stack.refresh().changes) <= {"same"}
    assert _held(emulator) == before
    assert _writes(emulator) == {}
    assert stack.resources(ENDPOINT_TYPE_TOKEN) == {}
    natives = stack.resources(NATIVE_TYPE)
    assert {name: r["id"] for name, r in natives.items()} == ids
    assert stack.outputs()["ids"] == ids
