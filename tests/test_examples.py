"""Every program in examples/ runs against the emulator, which then holds exactly what the program declares.

Without the Pulumi CLI, each program runs under Pulumi's mock runtime with every registration handed to
the real provider plugin (`python -m pulumi_baseten_gateway.localrun`), in a fresh interpreter per
program since the mock runtime is process-global. With the CLI on PATH, test_cli.py adds real
`pulumi up/refresh/destroy` runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_baseten_gateway import GatewayClient
from tests.conftest import REPO_ROOT, MakeEmulator
from tests.harness.emulator import run_program

EXAMPLES = sorted(p.parent for p in (REPO_ROOT / "examples").glob("*/__main__.py"))
DEMO_KEY = "demo-key"

#: What each example declares (slug -> targets), written out independently of the programs.
EXPECTED = {
    "basic": {
        "demo/glm-5.2": [{"provider": "BASETEN", "model_id": "3kZ9xqd"}],
        "demo/glm-5.2-staging": [
            {"provider": "BASETEN", "model_id": "3kZ9xqd", "environment_name": "staging"}
        ],
    },
    "external-provider": {
        "demo/claude": [
            {"provider": "ANTHROPIC", "secret_id": "anthropic-secret", "target_model": "claude-sonnet-4-5"}
        ],
        "demo/gpt": [{"provider": "OPENAI", "secret_id": "openai-secret", "target_model": "gpt-4o"}],
    },
}


def test_every_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES} == set(EXPECTED)
    for example in EXAMPLES:
        assert (example / "Pulumi.yaml").is_file()
        assert "pulumi-baseten-gateway" in (example / "requirements.txt").read_text()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_deploys_exactly_what_it_declares(example: Path, make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(config=False)  # the documented default demo workspace
    result = run_program(example, emulator.base_url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        held = {endpoint.slug: endpoint for endpoint in gateway.list_endpoints()}
    assert {slug: [t.to_api() for t in e.targets] for slug, e in held.items()} == EXPECTED[example.name]
    # every resource's outputs match what the emulator holds, and the exports resolve to real ids
    for resource in report["resources"]:
        outputs = resource["outputs"]
        assert held[outputs["slug"]].id == resource["id"] == outputs["endpoint_id"]
    exported_ids = {v for k, v in report["outputs"].items() if k.endswith("endpoint_id")}
    assert exported_ids == {e.id for e in held.values()}
    assert DEMO_KEY not in result.stdout


def test_a_failing_check_stops_the_program_with_the_property_named(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator(config=False)
    program = tmp_path / "bad"
    program.mkdir()
    (program / "__main__.py").write_text(
        "from pulumi_baseten_gateway import Endpoint\n"
        "Endpoint('bad', slug='demo/x', targets=[{'provider': 'OPENAI', 'target_model': 'gpt-4o'}])\n"
    )
    result = run_program(program, emulator.base_url)
    assert result.returncode == 1
    assert "targets[0].secret_id: is required for OPENAI targets" in result.stderr
    assert emulator.stats()["by_route"].get("POST /v1/gateway/endpoints", 0) == 0
