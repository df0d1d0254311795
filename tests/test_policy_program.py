"""The policy pack as users run it: ``pulumi preview --policy-pack policy-pack --policy-pack-config FILE``.

The pack directory (``policy-pack/``: ``PulumiPolicy.yaml`` with ``runtime: python`` and a virtualenv of its
own) reviews a Python program (the dynamic provider's types, ``tests/programs/policy-python``) and a YAML
program (the native plugin's types), through the pinned CLI and the Python language host. For each program:
a compliant stack passes with nothing reported; one violation of each advisory policy warns and the
preview succeeds; one violation of each mandatory policy, alone, fails the preview naming that policy and
no other. A preview sends no write to the gateway.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import EmulatorProcess
from harness.programs import ProgramStack, ProjectStack, policy_pack, require_language_hosts
from pulumi_baseten_gateway.policy import DEFAULT_ENFORCEMENT_LEVELS
from tests.conftest import MakeEmulator

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_KEY = "demo-key"
OPENAI_KEY = "sk-openai-Example-Pack-5Rt1"
LITERAL = "sk-written-in-the-program"
MANDATORY = sorted(name for name, level in DEFAULT_ENFORCEMENT_LEVELS.items() if level.value == "mandatory")
ADVISORY = sorted(name for name, level in DEFAULT_ENFORCEMENT_LEVELS.items() if level.value == "advisory")
POLICY_CONFIG = {
    "baseten-endpoint-org-prefix": {"allowedPrefixes": ["demo"]},
    "baseten-endpoint-allowed-providers": {"allowedProviders": ["BASETEN"]},
}
REPORTED = re.compile(r"^\s*- \[(mandatory|advisory)\]\s+(\S+)", re.MULTILINE)

LIMITS = [{"type": "TOKEN", "unit": "MINUTE", "threshold": 1000}]


def endpoint(slug: str, *targets: dict[str, Any]) -> dict[str, Any]:
    name = slug.split("/")[-1].replace(" ", "-")
    return {
        "type": "baseten-gateway:index:Endpoint",
        "properties": {"slug": slug, "targets": list(targets) or [{"provider": "BASETEN", "modelId": name}]},
    }


def yaml_program(case: str) -> str:
    """The YAML twin of ``tests/programs/policy-python``: the same cases, on the native plugin's types."""
    models: list[dict[str, Any]] = [{"slug": "${glm.slug}", "rateLimits": LIMITS}]
    resources: dict[str, Any] = {
        "glm": endpoint("demo/glm"),
        "openai": {
            "type": "baseten-gateway:index:Secret",
            "properties": {"name": "openai", "value": "${openaiKey}"},
        },
    }
    extra = {
        "advisory": {
            "gpt": endpoint("demo/gpt", {"provider": "OPENAI", "secretId": "s", "targetModel": "gpt-4o"}),
            "literal": {
                "type": "baseten-gateway:index:Secret",
                "properties": {"name": "literal", "value": LITERAL},
            },
        },
        "baseten-endpoint-org-prefix": {"near": endpoint("demo-evil/x")},
        "baseten-endpoint-unique-slugs": {"twin": endpoint("demo/glm")},
        "baseten-endpoint-slug-format": {"spaced": endpoint("demo/with space")},
        "baseten-endpoint-single-target": {
            "two": endpoint(
                "demo/two", {"provider": "BASETEN", "modelId": "a"}, {"provider": "BASETEN", "modelId": "b"}
            )
        },
        "baseten-endpoint-target-fields": {
            "fields": endpoint("demo/fields", {"provider": "BASETEN", "modelId": "m", "secretId": "s"})
        },
    }
    resources.update(extra.get(case, {}))
    if case == "advisory":
        models.append({"slug": "demo/gpt"})
    if case == "baseten-group-model-slugs":
        models.append({"slug": "demo/unknown", "rateLimits": LIMITS})
    resources["customer"] = {
        "type": "baseten-gateway:index:Group",
        "properties": {"externalEntityId": "cust-42", "models": models},
    }
    program = {
        "name": "policy-yaml",
        "runtime": "yaml",
        "config": {"openaiKey": {"type": "string", "secret": True}},
        "resources": resources,
    }
    return json.dumps(program)


def reported(output: str) -> set[tuple[str, str]]:
    """``(level, policy)`` of every violation the CLI listed under ``Policies:``."""
    return set(REPORTED.findall(output))


@pytest.mark.parametrize("language", ["python", "yaml"])
def test_the_pack_directory_blocks_each_mandatory_violation_warns_on_advisory_and_passes_compliant(
    language: str, tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    require_language_hosts()
    demo: EmulatorProcess = make_emulator(config=False)
    pack = policy_pack(tmp_path)
    config_file = tmp_path / "policy-config.json"
    config_file.write_text(json.dumps(POLICY_CONFIG))
    stack: ProgramStack
    if language == "python":
        stack = ProgramStack(
            tmp_path / "stack",
            REPO_ROOT / "tests" / "programs" / "policy-python",
            api_url=demo.base_url,
            api_key=DEMO_KEY,
            config={"case": "compliant"},
            secrets={"openaiKey": OPENAI_KEY},
        )
    else:
        stack = ProjectStack(
            tmp_path / "stack",
            yaml_program("compliant"),
            api_url=demo.base_url,
            api_key=DEMO_KEY,
            secrets={"openaiKey": OPENAI_KEY},
        )

    def preview(case: str) -> tuple[int, str]:
        if language == "python":
            stack.config_set("case", case)
        else:
            stack.write_program(yaml_program(case))
        run = stack.preview("--policy-pack", str(pack), "--policy-pack-config", str(config_file), check=False)
        printed = run.stdout + run.stderr
        for secret in (OPENAI_KEY, LITERAL):
            assert secret not in printed
        return run.returncode, printed

    # A compliant stack: the preview passes and nothing is reported. (The CLI lists a pack that reported
    # nothing only on a terminal that is not CI's; the cases below show this pack runs on this stack.)
    status, printed = preview("compliant")
    assert status == 0, printed
    assert reported(printed) == set(), printed

    # One violation of each advisory policy: each is reported as advisory, and the preview still passes.
    status, printed = preview("advisory")
    assert status == 0, printed
    assert reported(printed) == {("advisory", name) for name in ADVISORY}, printed

    # One violation of each mandatory policy, alone: the preview fails, naming that policy and no other.
    for case in MANDATORY:
        status, printed = preview(case)
        assert status != 0, (case, printed)
        assert reported(printed) == {("mandatory", case)}, (case, printed)

    writes = [route for route in demo.stats()["by_route"] if not route.startswith("GET")]
    assert writes == []
