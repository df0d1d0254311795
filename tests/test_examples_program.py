"""Every example, run as its user runs it: ``pulumi`` commands in the example's own directory.

Each example directory (``examples/<name>``, with its own ``Pulumi.yaml``) goes through the commands
docs/guides/examples.md gives for it, through the pinned CLI and the language host its ``runtime``
names, against the emulator: ``pulumi stack init``, ``pulumi config set``, ``pulumi up``, ``pulumi preview
--expect-no-changes``, an update (a config value or an edit of the program, as the user makes it) and
``pulumi up`` again, an endpoint deleted outside Pulumi (``pulumi refresh``, then ``pulumi up`` recreates
it; for one example per provider, ``REFRESHED``), then ``pulumi destroy``. After each step the emulator
holds exactly what the program declares. The native examples use the plugin as ``pulumi plugin install``
installed it, so the CLI's output is the user's: it must carry no warning at all. ``examples/gateway`` has
a test of its own, which runs these steps and more (tests/test_examples_program_gateway.py).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import EmulatorProcess
from harness.programs import ProgramStack
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_KEY = "demo-key"  # the emulator's default workspace (prefix `demo`) when it runs without a config
OPENAI_KEY = "sk-openai-Example-7Hq2Lw9Xc4Vb1"

BASETEN = [{"provider": "BASETEN", "model_id": "3kZ9xqd"}]
MOVED = [{"provider": "BASETEN", "model_id": "7pQ2wer"}]
STAGING = [{"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": "staging"}]
CLAUDE = [{"provider": "ANTHROPIC", "secret_id": "anthropic-secret", "target_model": "claude-sonnet-4-5"}]
GPT = [{"provider": "OPENAI", "secret_id": "<demo-openai>", "target_model": "gpt-4o"}]
CUSTOMER = {"cust_42": {"models": ["demo/gpt-4o"], "keys": 1}}


@dataclass(frozen=True)
class Example:
    """What one example declares, and the one change its test makes to it."""

    endpoints: dict[str, list[dict[str, Any]]]
    outputs: dict[str, str]  # an output holding an endpoint's id: the endpoint's slug
    resources: int  # resources the program declares, the stack included
    change: Callable[[ProgramStack], None]  # what the user changes, then `pulumi up`
    changed: dict[str, list[dict[str, Any]]]  # the endpoints after the change
    groups: dict[str, Any] = field(default_factory=dict)
    thresholds: tuple[list[int], list[int]] = ([], [])  # the groups' rate limits before and after the change
    secrets: dict[str, str] = field(default_factory=dict)


def set_config(key: str, value: str) -> Callable[[ProgramStack], None]:
    return lambda stack: stack.config_set(key, value)


def edit(file: str, old: str, new: str) -> Callable[[ProgramStack], None]:
    """The user edits the program: the first ``old`` in ``file`` becomes ``new``."""

    def change(stack: ProgramStack) -> None:
        path = stack.project_dir / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{file} has no {old!r}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


NATIVE_CUSTOMER = Example(
    endpoints={"demo/glm-5.2": BASETEN, "demo/gpt-4o": GPT},
    outputs={"glmEndpointId": "demo/glm-5.2", "gptEndpointId": "demo/gpt-4o"},
    resources=6,
    change=set_config("glmModelId", "7pQ2wer"),
    changed={"demo/glm-5.2": MOVED, "demo/gpt-4o": GPT},
    groups=CUSTOMER,
    thresholds=([100_000], [100_000]),
    secrets={"openaiKey": OPENAI_KEY},
)
EXAMPLES = {
    "basic": Example(
        endpoints={"demo/glm-5.2": BASETEN, "demo/glm-5.2-staging": STAGING},
        outputs={"endpoint_id": "demo/glm-5.2", "staging_endpoint_id": "demo/glm-5.2-staging"},
        resources=3,
        change=edit("__main__.py", 'model_id="3kZ9xqd")', 'model_id="7pQ2wer")'),
        changed={"demo/glm-5.2": MOVED, "demo/glm-5.2-staging": STAGING},
    ),
    "external-provider": Example(
        endpoints={
            "demo/claude": CLAUDE,
            "demo/gpt": [{"provider": "OPENAI", "secret_id": "openai-secret", "target_model": "gpt-4o"}],
        },
        outputs={"claude_endpoint_id": "demo/claude", "gpt_endpoint_id": "demo/gpt"},
        resources=3,
        change=set_config("openaiSecretId", "openai-secret-2"),
        changed={
            "demo/claude": CLAUDE,
            "demo/gpt": [{"provider": "OPENAI", "secret_id": "openai-secret-2", "target_model": "gpt-4o"}],
        },
    ),
    # One program in two languages (examples/typescript/program.ts, examples/go/customer/customer.go).
    "typescript": NATIVE_CUSTOMER,
    "go": NATIVE_CUSTOMER,
    "yaml": Example(
        endpoints={"demo/glm-5.2": BASETEN, "demo/claude": CLAUDE},
        outputs={"glmEndpointId": "demo/glm-5.2", "claudeEndpointId": "demo/claude"},
        resources=3,
        change=edit("Pulumi.yaml", "modelId: 3kZ9xqd", "modelId: 7pQ2wer"),
        changed={"demo/glm-5.2": MOVED, "demo/claude": CLAUDE},
    ),
    "yaml-gateway": Example(
        endpoints={"demo/gpt-4o": GPT},
        outputs={},
        resources=5,
        change=edit("Pulumi.yaml", "threshold: 100000", "threshold: 200000"),
        changed={"demo/gpt-4o": GPT},
        groups=CUSTOMER,
        thresholds=([100_000], [200_000]),
        secrets={"openaiKey": OPENAI_KEY},
    ),
}


def held(emulator: EmulatorProcess) -> dict[str, Any]:
    """What the emulator holds; a target's secret id is written ``<secret name>``."""
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        secrets = {s.id: s.name for s in gateway.secrets.list()}

        def target(api: dict[str, Any]) -> dict[str, Any]:
            if api.get("secret_id") in secrets:
                api["secret_id"] = f"<{secrets[api['secret_id']]}>"
            return api

        endpoints = list(gateway.endpoints.list())
        groups = list(gateway.groups.list())
        return {
            "ids": {e.slug: e.id for e in endpoints},
            "endpoints": {e.slug: [target(t.to_api()) for t in e.targets] for e in endpoints},
            "groups": {
                g.metadata.external_entity_id: {
                    "models": [m.slug for m in g.models],
                    "keys": len(list(gateway.keys.list(g.id))),
                }
                for g in groups
            },
            "secrets": sorted(secrets.values()),
            "thresholds": sorted(r.threshold for g in groups for m in g.models for r in m.rate_limits),
        }


def installed_plugin(stack: ProgramStack) -> None:
    """``pulumi plugin install resource baseten-gateway <version> --file <the package's plugin>``."""
    plugin = Path(sys.executable).parent / "pulumi-resource-baseten-gateway"
    package_version = version("pulumi-baseten-gateway")
    stack.pulumi("plugin", "install", "resource", "baseten-gateway", package_version, "--file", str(plugin))


#: The examples whose test also deletes an endpoint outside Pulumi: one on the dynamic provider, one native.
REFRESHED = ("basic", "yaml")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_example_runs_in_its_own_directory(
    name: str, tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    example = EXAMPLES[name]
    demo = make_emulator(config=False)
    stack = ProgramStack(
        tmp_path,
        REPO_ROOT / "examples" / name,
        api_url=demo.base_url,
        api_key=DEMO_KEY,
        secrets=example.secrets,
        plugin_on_path=False,
    )
    if stack.runtime != "python":
        installed_plugin(stack)

    # -- pulumi up: everything the program declares.
    run = stack.up()
    assert run.changes == {"create": example.resources}, run.stdout
    state = held(demo)
    assert state["endpoints"] == example.endpoints
    assert state["groups"] == example.groups
    assert state["thresholds"] == example.thresholds[0]
    outputs = stack.outputs()
    for output, slug in example.outputs.items():
        assert outputs[output] == state["ids"][slug]
    # The user's own output: no warning (no Node deprecation, no missing entry point, no plugin on PATH).
    printed = run.stdout + run.stderr
    assert not re.search(r"(?im)^\s*warning\b|DeprecationWarning|\(node:\d+\)", printed), printed
    for secret in example.secrets.values():
        assert secret not in run.text

    # -- a preview of the unchanged program: no change.
    demo.reset_stats()
    preview = stack.preview("--expect-no-changes")
    assert preview.changes == {"same": example.resources}
    assert all(route.startswith("GET") for route in demo.stats()["by_route"])

    # -- the user's change, then pulumi up: one resource updated in place.
    example.change(stack)
    run = stack.up()
    assert run.changes == {"same": example.resources - 1, "update": 1}, run.stdout
    changed = held(demo)
    assert changed["endpoints"] == example.changed
    assert changed["ids"] == state["ids"]  # in place: the same endpoints
    assert changed["groups"] == example.groups
    assert changed["thresholds"] == example.thresholds[1]

    # -- an endpoint deleted outside Pulumi: `pulumi refresh` finds it gone, the next `up` recreates it.
    # What the refresh reads is the provider's, not the program's language: once on each provider.
    if name in REFRESHED:
        slug = sorted(example.endpoints)[0]
        with GatewayClient(DEMO_KEY, base_url=demo.base_url) as gateway:
            gateway.endpoints.delete(state["ids"][slug])
        assert stack.refresh().changes == {"same": example.resources - 1, "delete": 1}
        assert stack.up().changes == {"same": example.resources - 1, "create": 1}
        recreated = held(demo)
        assert recreated["endpoints"] == example.changed
        assert recreated["ids"][slug] != state["ids"][slug]

    # -- pulumi destroy: nothing of the program is left.
    assert stack.destroy().changes == {"delete": example.resources}
    after = held(demo)
    assert (after["endpoints"], after["groups"], after["secrets"]) == ({}, {}, [])


def test_the_demo_benchmarks_tools_and_harness_import_nothing_from_tests() -> None:
    """What users and benchmarks run stands on the package and harness/, never on the test suite."""
    import ast

    offenders = []
    for folder in ("examples", "benchmarks", "tools", "harness"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [
                    f"{path.relative_to(REPO_ROOT)}: {n}" for n in names if n.split(".")[0] == "tests"
                ]
    assert offenders == []
