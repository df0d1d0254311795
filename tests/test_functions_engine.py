"""The functions under the engine, the way users run them: ``pulumi preview`` and ``pulumi up`` in a project
directory, from YAML (``fn::invoke``), TypeScript (the generated SDK's ``getEndpoint``/``getEndpointOutput``,
through the native plugin's ``Invoke``) and Python (the package's plain functions, on the dynamic provider).

Each program looks up what "another stack" made (an endpoint by slug, a secret by name, a group by its
``externalEntityId`` and that group's usage), builds a new endpoint and group on them, and exports what it
found. The oracle is the workspace as the client lists it. A preview runs the look-ups too (and writes
nothing); a look-up of a group this stack creates is unknown at the first preview and found at ``up``. A
look-up that finds nothing fails the preview in one line naming the function and the argument, and creates
nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import ACME_KEY
from harness.engine import REPO_ROOT
from harness.programs import CommandRun, ProgramStack, ProjectStack
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator

PROGRAMS = REPO_ROOT / "tests" / "programs"
SHARED_SLUG = "acme/shared"
NEW_SLUG = "acme/gpt"
SECRET_VALUE = "sk-upstream-not-for-output-123456"
TOKEN_DAY = {"type": "TOKEN", "unit": "DAY", "threshold": 10_000_000}
WRITES = ("POST ", "PATCH ", "PUT ", "DELETE ")


@dataclass(frozen=True)
class Shared:
    """What another stack made: the oracle of every look-up."""

    endpoint_id: str
    secret_id: str
    group_id: str


def _seed(base_url: str) -> Shared:
    with GatewayClient(ACME_KEY, base_url=base_url) as client:
        endpoint = client.endpoints.create(SHARED_SLUG, [{"provider": "BASETEN", "model_id": "m1"}])
        secret = client.secrets.create("openai", SECRET_VALUE)
        group = client.groups.create("cust_42", [{"slug": SHARED_SLUG, "usage_limits": [TOKEN_DAY]}])
    return Shared(endpoint.id, secret.id, group.id)


def _yaml_program() -> str:
    def invoke(function: str, **arguments: Any) -> dict[str, Any]:
        return {"fn::invoke": {"function": f"baseten-gateway:index:{function}", "arguments": arguments}}

    program = {
        "name": "functions-yaml",
        "runtime": "yaml",
        "config": {name: {"type": "string"} for name in ("sharedSlug", "secretName", "customer", "newSlug")},
        "variables": {
            "shared": invoke("getEndpoint", slug="${sharedSlug}"),
            "secret": invoke("getSecret", name="${secretName}"),
            "customerGroup": invoke("getGroup", externalEntityId="${customer}"),
            "customerUsage": invoke("getGroupUsage", groupId="${customerGroup.groupId}"),
            "teamUsage": invoke("getGroupUsage", groupId="${team.groupId}"),
        },
        "resources": {
            "gpt": {
                "type": "baseten-gateway:index:Endpoint",
                "properties": {
                    "slug": "${newSlug}",
                    "targets": [
                        {"provider": "OPENAI", "secretId": "${secret.secretId}", "targetModel": "gpt-4o"}
                    ],
                },
            },
            "team": {
                "type": "baseten-gateway:index:Group",
                "properties": {
                    "externalEntityId": "team_1",
                    "models": [
                        {
                            "slug": "${shared.slug}",
                            "usageLimits": [{"type": "TOKEN", "unit": "DAY", "threshold": 1000}],
                        }
                    ],
                },
            },
        },
        "outputs": {
            "sharedEndpointId": "${shared.endpointId}",
            "sharedTargets": "${shared.targets}",
            "secretId": "${secret.secretId}",
            "customerGroupId": "${customerGroup.groupId}",
            "customerUsage": "${customerUsage.usage}",
            "teamUsage": "${teamUsage.usage}",
            "gptSecretId": "${gpt.targets[0].secretId}",
        },
    }
    return json.dumps(program, indent=2)


def _yaml(work: Path, base_url: str, config: dict[str, str]) -> ProgramStack:
    return ProjectStack(work, _yaml_program(), api_url=base_url, api_key=ACME_KEY, config=config)


def _program(name: str) -> Callable[[Path, str, dict[str, str]], ProgramStack]:
    def make(work: Path, base_url: str, config: dict[str, str]) -> ProgramStack:
        return ProgramStack(work, PROGRAMS / name, api_url=base_url, api_key=ACME_KEY, config=config)

    return make


#: Each language: how to make its stack, and how it names an object's fields (the SDKs camelCase, Python not).
LANGUAGES: dict[str, tuple[Callable[[Path, str, dict[str, str]], ProgramStack], Callable[[str], str]]] = {
    "yaml": (_yaml, lambda name: name),
    "typescript": (_program("functions-typescript"), lambda name: name),
    "python": (
        _program("functions-python"),
        lambda name: {"modelId": "model_id", "currentUsage": "current_usage", "resetAt": "reset_at"}.get(
            name, name
        ),
    ),
}


def _config(slug: str = SHARED_SLUG) -> dict[str, str]:
    return {"sharedSlug": slug, "secretName": "openai", "customer": "cust_42", "newSlug": NEW_SLUG}


def _writes(stats: dict[str, Any]) -> dict[str, int]:
    return {route: n for route, n in stats["by_route"].items() if route.startswith(WRITES)}


def _usage(threshold: int) -> dict[str, Any]:
    """A fresh window: ``currentUsage`` and ``resetAt`` are null, which Pulumi's outputs leave out."""
    return {SHARED_SLUG: [{"type": "TOKEN", "unit": "DAY", "threshold": threshold}]}


def _no_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _no_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_no_nulls(item) for item in value]
    return value


def _failure_lines(run: CommandRun, message: str) -> list[str]:
    return [line.strip() for line in (run.stdout + run.stderr).splitlines() if message in line]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_look_up_that_finds_nothing_fails_in_one_line_then_look_ups_run_at_preview_and_up(
    tmp_path: Path, make_emulator: MakeEmulator, language: str
) -> None:
    """One stack: first its shared slug names no endpoint (the preview and up fail), then the seeded one."""
    make, field = LANGUAGES[language]
    emulator = make_emulator()
    shared = _seed(emulator.base_url)
    stack = make(tmp_path, emulator.base_url, _config("acme/none"))
    emulator.reset_stats()
    # One line holds the function and the reason naming the argument: the engine's `<token> invoke failed:
    # <reason> (slug)` (YAML), the Node SDK's `Invoke of '<token>' failed: <reason> (slug)`, the Python
    # function's own `getEndpoint: <reason>`.
    reason = "no endpoint has slug 'acme/none' in this workspace"
    expected = {
        "yaml": f"baseten-gateway:index:getEndpoint invoke failed: {reason} (slug)",
        "typescript": f"Invoke of 'baseten-gateway:index:getEndpoint' failed: {reason} (slug)",
        "python": f"getEndpoint: {reason}",
    }[language]

    preview = stack.preview(check=False)
    assert preview.returncode != 0
    assert _failure_lines(preview, expected), preview.stdout
    if language == "yaml":  # the language hosts print a program's uncaught exception with its stack
        assert "Traceback" not in preview.stdout + preview.stderr
    assert _writes(emulator.stats()) == {}

    # `up` fails the same way; what needs the missing endpoint is never created (what does not need it
    # may be: the engine goes on with independent resources, as for any failure).
    up = stack.up(check=False)
    assert up.returncode != 0
    assert _failure_lines(up, expected), up.stdout
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        assert client.groups.find("team_1") is None
    stack.destroy()
    assert set(_writes(emulator.stats())) <= {
        "POST /v1/gateway/endpoints",
        "DELETE /v1/gateway/endpoints/{endpoint_id}",
    }

    # The shared slug now names the seeded endpoint: the same stack, emptied by the destroy above.
    stack.config_set("sharedSlug", SHARED_SLUG)
    emulator.reset_stats()

    # Preview: the look-ups run (their results are in the plan's outputs), nothing is written.
    preview = stack.preview()
    assert shared.endpoint_id in preview.stdout, preview.stdout
    assert shared.secret_id in preview.stdout
    assert shared.group_id in preview.stdout
    stats = emulator.stats()
    assert _writes(stats) == {}
    assert stats["by_route"].get("GET /v1/gateway/groups/{group_id}/usage") == 1  # the customer's only
    assert SECRET_VALUE not in preview.stdout + preview.stderr

    stack.up()
    outputs = stack.outputs()
    assert outputs["sharedEndpointId"] == shared.endpoint_id
    assert outputs["sharedTargets"] == [{"provider": "BASETEN", field("modelId"): "m1"}]
    assert outputs["secretId"] == shared.secret_id
    assert outputs["customerGroupId"] == shared.group_id
    assert _no_nulls(outputs["customerUsage"]) == _usage(10_000_000)
    assert _no_nulls(outputs["teamUsage"]) == _usage(1000)
    assert outputs["gptSecretId"] == shared.secret_id

    # The new objects use what was found; destroy removes them and leaves what another stack owns.
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        gpt = client.endpoints.find_by_slug(NEW_SLUG)
        assert gpt is not None
        assert gpt.targets[0].secret_id == shared.secret_id
        team = client.groups.find("team_1")
        assert team is not None
        assert [m.slug for m in team.models] == [SHARED_SLUG]
        stack.destroy()
        assert client.endpoints.find_by_slug(NEW_SLUG) is None
        assert client.groups.find("team_1") is None
        assert client.endpoints.get(shared.endpoint_id).slug == SHARED_SLUG
        assert client.groups.get(shared.group_id).metadata.external_entity_id == "cust_42"
        assert [s.id for s in client.secrets.list()] == [shared.secret_id]
