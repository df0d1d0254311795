"""The TypeScript and Go examples, on the generated SDKs, through the real CLI against the emulator.

Each example (``examples/typescript``, ``examples/go``) declares one customer (a secret, two endpoints,
a group with limits, the customer's key) with its generated SDK, and runs on the native provider plugin.
Its Automation API runner runs ``pulumi up`` / ``preview`` / ``refresh`` / ``destroy`` through the pinned
CLI, the program running inline in the Node.js or Go process (the language hosts are not served by the
module proxy: see ``tests/harness/sdks.py``). One stack lives through up, a no-change preview, an update
in place, an out-of-band delete found by refresh and recreated by the next up, and destroy; after each
step the emulator holds exactly what the program declares.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator
from tests.harness.emulator import EmulatorProcess
from tests.harness.sdks import ExampleStack, go_example, require_tool, typescript_example

DEMO_KEY = "demo-key"
OPENAI_KEY = "sk-openai-Example-7Hq2Lw9Xc4Vb1"


def typescript_runner() -> tuple[list[str], Path]:
    example = typescript_example()
    return [require_tool("node"), str(example / "bin" / "automation.js")], example


def go_runner() -> tuple[list[str], Path]:
    binary = go_example()
    return [str(binary)], binary.parent


RUNNERS: dict[str, Callable[[], tuple[list[str], Path]]] = {"typescript": typescript_runner, "go": go_runner}


def held(emulator: EmulatorProcess) -> dict[str, Any]:
    """What the emulator holds: secrets by name, endpoints by slug, groups by customer, keys by group."""
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        groups = list(gateway.list_groups())
        return {
            "secrets": {s.name: s.id for s in gateway.list_secrets()},
            "endpoints": {
                e.slug: {"id": e.id, "targets": [t.to_api() for t in e.targets]}
                for e in gateway.list_endpoints()
            },
            "groups": {g.metadata.external_entity_id: g for g in groups},
            "keys": {g.id: [k.prefix for k in gateway.list_api_keys(g.id)] for g in groups},
        }


@pytest.fixture
def demo(make_emulator: MakeEmulator) -> EmulatorProcess:
    return make_emulator(config=False)


@pytest.mark.parametrize("language", sorted(RUNNERS))
def test_the_example_up_preview_update_refresh_destroy(
    language: str, tmp_path: Path, demo: EmulatorProcess
) -> None:
    command, cwd = RUNNERS[language]()
    stack = ExampleStack(
        tmp_path, command, cwd=cwd, api_url=demo.base_url, api_key=DEMO_KEY, secrets={"openaiKey": OPENAI_KEY}
    )

    # -- up: every resource of the program, created through the native plugin.
    result = stack.up()
    assert result["changes"] == {"create": 6}  # five resources and the stack
    state = held(demo)
    secret_id = state["secrets"]["demo-openai"]
    assert {slug: e["targets"] for slug, e in state["endpoints"].items()} == {
        "demo/glm-5.2": [{"provider": "BASETEN", "model_id": "3kZ9xqd"}],
        "demo/gpt-4o": [{"provider": "OPENAI", "secret_id": secret_id, "target_model": "gpt-4o"}],
    }
    group = state["groups"]["cust_42"]
    assert group.metadata.name == "cust_42 production"
    [model] = group.models
    assert model.slug == "demo/gpt-4o"
    assert [(r.type.value, r.unit.value, r.threshold) for r in model.rate_limits] == [
        ("TOKEN", "MINUTE", 100_000)
    ]
    assert [(u.type.value, u.unit.value, u.threshold) for u in model.usage_limits] == [
        ("TOKEN", "DAY", 10_000_000)
    ]
    [prefix] = state["keys"][group.id]
    outputs = result["outputs"]
    assert outputs == {
        "glmEndpointId": state["endpoints"]["demo/glm-5.2"]["id"],
        "gptEndpointId": state["endpoints"]["demo/gpt-4o"]["id"],
        "secretId": secret_id,
        "groupId": group.id,
        "customerApiKeyPrefix": prefix,
        "customerApiKey": "[secret]",
    }
    assert OPENAI_KEY not in "".join(stack.logs)

    # -- a preview of the unchanged program changes nothing.
    assert stack.preview()["changes"] == {"same": 6}
    assert held(demo)["endpoints"] == state["endpoints"]

    # -- an update in place: the Baseten endpoint's model changes, its id stays.
    result = stack.up({"glmModelId": "7pQ2wer"})
    assert result["changes"] == {"same": 5, "update": 1}
    glm = held(demo)["endpoints"]["demo/glm-5.2"]
    assert glm == {
        "id": state["endpoints"]["demo/glm-5.2"]["id"],
        "targets": [{"provider": "BASETEN", "model_id": "7pQ2wer"}],
    }

    # -- out-of-band delete: refresh drops it from the state, the next up recreates it.
    with GatewayClient(DEMO_KEY, base_url=demo.base_url) as gateway:
        gateway.delete_endpoint(glm["id"])
    result = stack.refresh()
    assert result["changes"].get("delete") == 1, result
    result = stack.up()
    assert result["changes"] == {"same": 5, "create": 1}
    recreated = held(demo)["endpoints"]["demo/glm-5.2"]
    assert recreated["targets"] == [{"provider": "BASETEN", "model_id": "7pQ2wer"}]
    assert result["outputs"]["glmEndpointId"] == recreated["id"] != glm["id"]

    # -- destroy: the emulator holds nothing of the program.
    assert stack.destroy()["changes"] == {"delete": 6}
    state = held(demo)
    assert (state["secrets"], state["endpoints"], state["groups"]) == ({}, {}, {})
