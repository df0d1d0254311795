"""Explicit providers under the engine: one stack manages two workspaces through two ``Provider`` instances
with different API keys, from YAML, TypeScript and Python (the generated SDK), each resource and look-up
going to its own workspace.

The emulator's two workspaces (``acme``, ``globex``) see only their own objects, so where each object
landed is the oracle: each workspace, listed with its own key, holds exactly what the program sent through
its provider. The stack's default-provider key is one no workspace knows: a resource sent through the
default provider would fail. Each provider's key is stored as a secret in the state, never in plain text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import ACME_KEY, GLOBEX_KEY
from harness.engine import REPO_ROOT, tree_first
from harness.programs import ProgramStack, ProjectStack
from harness.sdks import python_sdk
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator

NO_WORKSPACE_KEY = "no-workspace-has-this-key"
TARGETS = [{"provider": "BASETEN", "modelId": "m1"}]
PROVIDER = "pulumi:providers:baseten-gateway"
_SECRET_SIG = "4dabf18193072939515e22adb298388d"


def _yaml_program() -> str:
    def provider(key: str) -> dict[str, Any]:
        return {"type": PROVIDER, "properties": {"apiKey": f"${{{key}}}", "apiUrl": "${apiUrl}"}}

    program = {
        "name": "providers-yaml",
        "runtime": "yaml",
        "config": {
            "apiUrl": {"type": "string"},
            "acmeKey": {"type": "string", "secret": True},
            "globexKey": {"type": "string", "secret": True},
        },
        "resources": {
            "acme": provider("acmeKey"),
            "globex": provider("globexKey"),
            "a": {
                "type": "baseten-gateway:index:Endpoint",
                "properties": {"slug": "acme/a", "targets": TARGETS},
                "options": {"provider": "${acme}"},
            },
            "b": {
                "type": "baseten-gateway:index:Endpoint",
                "properties": {"slug": "globex/b", "targets": TARGETS},
                "options": {"provider": "${globex}"},
            },
            "globexGroup": {
                "type": "baseten-gateway:index:Group",
                "properties": {"externalEntityId": "globex_customer", "models": [{"slug": "${b.slug}"}]},
                "options": {"provider": "${globex}"},
            },
        },
        "variables": {
            "seed": {
                "fn::invoke": {
                    "function": "baseten-gateway:index:getEndpoint",
                    "arguments": {"slug": "globex/seed"},
                    "options": {"provider": "${globex}"},
                }
            }
        },
        "outputs": {
            "acmeEndpointId": "${a.endpointId}",
            "globexEndpointId": "${b.endpointId}",
            "globexGroupId": "${globexGroup.groupId}",
            "globexSeedId": "${seed.endpointId}",
        },
    }
    return json.dumps(program, indent=2)


def _yaml(work: Path, base_url: str, secrets: dict[str, str]) -> ProgramStack:
    return ProjectStack(
        work,
        _yaml_program(),
        api_url=base_url,
        api_key=NO_WORKSPACE_KEY,
        config={"apiUrl": base_url},
        secrets=secrets,
    )


def _program(name: str, **options: Any) -> Callable[[Path, str, dict[str, str]], ProgramStack]:
    def make(work: Path, base_url: str, secrets: dict[str, str]) -> ProgramStack:
        return ProgramStack(
            work,
            REPO_ROOT / "tests" / "programs" / name,
            api_url=base_url,
            api_key=NO_WORKSPACE_KEY,
            config={"apiUrl": base_url},
            secrets=secrets,
            namespace="baseten-gateway",
            **options,
        )

    return make


def _python(work: Path, base_url: str, secrets: dict[str, str]) -> ProgramStack:
    # The generated Python SDK, installed, on the program's path after the tree under test.
    path = os.pathsep.join([tree_first(os.environ.get("PYTHONPATH")), str(python_sdk())])
    return _program("providers-python", extra_env={"PYTHONPATH": path})(work, base_url, secrets)


LANGUAGES: dict[str, Callable[[Path, str, dict[str, str]], ProgramStack]] = {
    "yaml": _yaml,
    "typescript": _program("providers-typescript"),
    "python": _python,
}


def _held(base_url: str, key: str) -> tuple[dict[str, str], set[str]]:
    """The workspace's endpoints (slug to id) and group entity ids, as its own key lists them."""
    with GatewayClient(key, base_url=base_url) as client:
        endpoints = {e.slug: e.id for e in client.endpoints.list()}
        groups = {g.metadata.external_entity_id for g in client.groups.list()}
    return endpoints, groups


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_two_providers_manage_two_workspaces_in_one_stack(
    tmp_path: Path, make_emulator: MakeEmulator, language: str
) -> None:
    emulator = make_emulator()
    with GatewayClient(GLOBEX_KEY, base_url=emulator.base_url) as globex:
        seed = globex.endpoints.create("globex/seed", [{"provider": "BASETEN", "model_id": "m0"}])
    stack = LANGUAGES[language](tmp_path, emulator.base_url, {"acmeKey": ACME_KEY, "globexKey": GLOBEX_KEY})

    stack.preview()
    stack.up()

    acme_endpoints, acme_groups = _held(emulator.base_url, ACME_KEY)
    globex_endpoints, globex_groups = _held(emulator.base_url, GLOBEX_KEY)
    assert set(acme_endpoints) == {"acme/a"}
    assert acme_groups == set()
    assert set(globex_endpoints) == {"globex/seed", "globex/b"}
    assert globex_groups == {"globex_customer"}
    outputs = stack.outputs()
    assert outputs["acmeEndpointId"] == acme_endpoints["acme/a"]
    assert outputs["globexEndpointId"] == globex_endpoints["globex/b"]
    assert outputs["globexSeedId"] == seed.id  # the look-up went through the globex provider

    # Each provider's key is a secret in the state: encrypted there, and in no state file in plain text.
    providers = stack.resources(PROVIDER)
    assert {name for name in providers if name in ("acme", "globex")} == {"acme", "globex"}
    for name in ("acme", "globex"):
        assert _SECRET_SIG in json.dumps(providers[name]["inputs"]["apiKey"])
    for path in stack.state_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        assert ACME_KEY not in text
        assert GLOBEX_KEY not in text

    # A second up changes nothing; destroy removes what the stack made in each workspace, and only that.
    again = stack.up()
    assert again.changes.get("create", 0) == 0
    assert again.changes.get("update", 0) == 0
    stack.destroy()
    assert _held(emulator.base_url, ACME_KEY) == ({}, set())
    assert _held(emulator.base_url, GLOBEX_KEY) == ({"globex/seed": seed.id}, set())
