"""What OpenTofu users see when something is wrong, through the real ``tofu`` and our provider: a broken
rule is a diagnostic at the attribute (file and line) before any request; a setting missing or malformed
names the provider block's attribute and its environment variable, never its value; a failed request is
one line naming the resource, the operation and the cause; a data source that finds nothing names the
argument. No traceback, no credential.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.emulator import ACME_KEY, EmulatorProcess, unique_slug
from harness.tofu import TofuProject

pytestmark = pytest.mark.timeout(300)

PROVIDER = """
terraform {
  required_providers {
    basetengateway = { source = "baseten/basetengateway" }
  }
}
"""


def _project(tmp_path: Path, emulator: EmulatorProcess, text: str, **env: str) -> TofuProject:
    project = TofuProject(tmp_path / "errors", api_url=emulator.base_url, api_key=ACME_KEY, env=env)
    project.write("main.tf", PROVIDER + text)
    return project


def test_broken_rules_are_diagnostics_at_their_attribute_before_any_request(
    tmp_path: Path, make_emulator: object
) -> None:
    emulator: EmulatorProcess = make_emulator()  # type: ignore[operator]
    project = _project(
        tmp_path,
        emulator,
        """
resource "basetengateway_endpoint" "bad" {
  slug    = "no-slash"
  targets = [{ provider = "OPENAI", model_id = "abc" }]
}

resource "basetengateway_group" "bad" {
  external_entity_id = "g"
  models             = []
}
""",
    )
    for command in (("validate", "-no-color"), ("plan", "-no-color")):
        run = project.run(*command)
        assert run.returncode == 1, run.text
        errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
        assert any(line.startswith("Error: slug ") and "[" in line for line in errors), errors
        assert any(line.startswith("Error: targets[0].secret_id ") for line in errors), errors
        assert any(line.startswith("Error: models ") for line in errors), errors
        assert 'on main.tf line 9, in resource "basetengateway_endpoint" "bad":' in run.stderr
        assert "Traceback" not in run.text
    assert emulator.stats()["total_requests"] == 0


def test_settings_name_the_attribute_and_variable_never_the_value(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    endpoint = f"""
resource "basetengateway_endpoint" "e" {{
  slug    = "{unique_slug(name="tofu-settings")}"
  targets = [{{ provider = "BASETEN", model_id = "abc1234" }}]
}}
"""
    malformed = _project(
        tmp_path, emulator, 'provider "basetengateway" {\n  api_url = "ftp://sk-not-a-url"\n}\n' + endpoint
    )
    run = malformed.run("validate", "-no-color")
    assert run.returncode == 1
    assert "Error: api_url (or BASETEN_API_URL) must be" in run.stderr
    assert "sk-not-a-url" not in run.stderr.split("api_url (or", 1)[1].split("\n", 1)[0]

    keyless = _project(tmp_path, emulator, endpoint, BASETEN_API_KEY="")
    assert keyless.run("validate", "-no-color").returncode == 0  # validate needs no credentials
    run = keyless.run("plan", "-no-color")
    assert run.returncode == 1
    assert (
        'no Baseten API key: set it with `api_key in the provider "basetengateway" block` or the '
        "BASETEN_API_KEY environment variable" in run.stderr
    )


def test_a_refused_request_is_one_line_naming_the_resource_the_step_and_the_cause(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    project = _project(
        tmp_path,
        emulator,
        """
resource "basetengateway_endpoint" "foreign" {
  slug    = "globex/not-ours"
  targets = [{ provider = "BASETEN", model_id = "abc1234" }]
}
""",
    )
    run = project.apply()
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, errors
    assert errors[0].startswith("Error: Endpoint 'globex/not-ours': create failed: "), errors
    assert "returned HTTP 400: slug: prefix 'globex' of slug 'globex/not-ours' is not one of" in errors[0]
    assert "Traceback" not in run.text
    assert ACME_KEY not in run.text

    project.write(
        "main.tf",
        PROVIDER
        + 'data "basetengateway_endpoint" "missing" {\n  slug = "acme/there-is-no-such-endpoint"\n}\n',
    )
    run = project.run("plan", "-no-color")
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
    missing = "no endpoint has slug 'acme/there-is-no-such-endpoint' in this workspace"
    assert errors == [f"Error: basetengateway_endpoint: {missing}"]
    assert "Traceback" not in run.text
