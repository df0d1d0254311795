"""The policy pack's endpoint and group policies over an OpenTofu plan: ``tofu plan -out``, ``tofu show
-json``, then ``baseten-gateway-tofu-policy``, as a CI job would gate an apply. The rules are the pack's own
(tests/test_policy_rules.py holds them against the docs); here: that a plan reaches them with the right
values, each violation is one line naming the policy and the resource address, and the exit code says
whether a mandatory one was broken.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.emulator import ACME_KEY, EmulatorProcess
from harness.tofu import TofuProject

pytestmark = pytest.mark.timeout(300)

COMMAND = Path(sys.executable).parent / "baseten-gateway-tofu-policy"
CONFIG = {
    "baseten-endpoint-org-prefix": {"allowedPrefixes": ["acme"]},
    "baseten-endpoint-allowed-providers": {"allowedProviders": ["BASETEN"]},
    "baseten-group-model-slugs": {"allowedPrefixes": ["acme"]},
}
PROGRAM = """
terraform {
  required_providers {
    basetengateway = { source = "baseten/basetengateway" }
  }
}

resource "basetengateway_endpoint" "ours" {
  slug    = "acme/glm"
  targets = [{ provider = "BASETEN", model_id = "abc1234" }]
}

resource "basetengateway_endpoint" "theirs" {
  slug    = "acme-labs/gpt"
  targets = [{ provider = "OPENAI", secret_id = "s1", target_model = "gpt-4o" }]
}

resource "basetengateway_endpoint" "again" {
  slug    = "acme/glm"
  targets = [{ provider = "BASETEN", model_id = "def5678" }]
}

resource "basetengateway_group" "customer" {
  external_entity_id = "policy-customer"
  models = [
    { slug = basetengateway_endpoint.ours.slug },
    { slug = basetengateway_endpoint.theirs.slug },
    { slug = "globex/elsewhere" },
  ]
}
"""


def _check(project: TofuProject, config: dict[str, object]) -> subprocess.CompletedProcess[str]:
    plan_json = project.directory / "plan.json"
    plan_json.write_text(project.run("show", "-json", "plan.tfplan").ok().stdout)
    config_file = project.directory / "policy-config.json"
    config_file.write_text(json.dumps(config))
    return subprocess.run(
        [str(COMMAND), str(plan_json), "--config", str(config_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_plan_breaking_the_pack_fails_the_check_with_one_line_per_violation(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    project = TofuProject(tmp_path / "policy", api_url=emulator.base_url, api_key=ACME_KEY)
    project.write("main.tf", PROGRAM)
    project.run("plan", "-out", "plan.tfplan", "-no-color").ok()
    checked = _check(project, CONFIG)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert (
        "mandatory: baseten-endpoint-org-prefix: basetengateway_endpoint.theirs: slug: prefix 'acme-labs' "
        "of slug 'acme-labs/gpt' is not one of the organization's prefixes: acme" in lines
    ), lines
    assert any(
        line.startswith("advisory: baseten-endpoint-allowed-providers: basetengateway_endpoint.theirs: ")
        and "OPENAI" in line
        for line in lines
    ), lines
    assert (
        "mandatory: baseten-endpoint-unique-slugs: basetengateway_endpoint.ours: slug: 'acme/glm' is used by "
        "2 Endpoints: 'again' (basetengateway_endpoint.again), 'ours' (basetengateway_endpoint.ours)" in lines
    ), lines
    assert any(
        line.startswith("mandatory: baseten-group-model-slugs: basetengateway_group.customer: models[")
        and "Group 'customer' gives access to 'globex/elsewhere', which is no Endpoint" in line
        for line in lines
    ), lines
    # The group names each model without a rate limit (advisory), its own slug an endpoint of the plan.
    assert len([line for line in lines if line.startswith("advisory: baseten-group-rate-limits: ")]) == 3
    assert lines[-1] == "4 resources reviewed: 3 mandatory, 4 advisory violations"
    about_ours = [line for line in lines if ": basetengateway_endpoint.ours: " in line]
    assert [line.split(": ")[1] for line in about_ours] == ["baseten-endpoint-unique-slugs"]

    relaxed = {
        "baseten-endpoint-org-prefix": {"allowedPrefixes": ["acme", "acme-labs"]},
        "baseten-group-model-slugs": {"allowedPrefixes": ["acme", "acme-labs", "globex"]},
        "baseten-endpoint-unique-slugs": {"enforcementLevel": "advisory"},
    }
    passed = _check(project, relaxed)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.splitlines()[-1] == "4 resources reviewed: 0 mandatory, 4 advisory violations"
