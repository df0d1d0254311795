"""Objects made outside OpenTofu brought under it: ``import {}`` blocks and ``tofu import``, for each
resource the API can read back, through the real ``tofu`` and our provider against the emulator.

After the import, the next plan is empty wherever the API returns what the configuration says (endpoint,
group, API key); a secret's value is never returned, so importing a secret plans its rotation to the
configured value, once. An id that names nothing fails the import in one line.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.emulator import ACME_KEY, ACME_SIGNING_SEED, EmulatorProcess, unique_slug
from harness.tofu import TofuProject
from pulumi_baseten_gateway.api import GatewayClient
from pulumi_baseten_gateway.api.signing import SigningKey

SEED_B64 = base64.b64encode(ACME_SIGNING_SEED).decode()

pytestmark = pytest.mark.timeout(300)

PROVIDER = """
terraform {
  required_providers {
    basetengateway = { source = "baseten/basetengateway" }
  }
}
"""


@pytest.fixture
def client(emulator: EmulatorProcess) -> Iterator[GatewayClient]:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, signing_key=SigningKey(SEED_B64)) as client:
        yield client


def test_import_blocks_bring_each_readable_resource_under_management(
    tmp_path: Path, emulator: EmulatorProcess, client: GatewayClient
) -> None:
    run_id = uuid.uuid4().hex[:8]
    secret = client.secrets.create(f"tofu-import-{run_id}", "sk-imported-value-1")
    slug = unique_slug(name="tofu-import")
    endpoint = client.endpoints.create(
        slug, [{"provider": "OPENAI", "secret_id": secret.id, "target_model": "gpt-4o"}]
    )
    group = client.groups.create(
        f"tofu-import-{run_id}",
        name="Imported",
        models=[{"slug": slug, "rate_limits": [{"type": "REQUEST", "unit": "MINUTE", "threshold": 60}]}],
    )
    key = client.keys.create(group.id, name="ci")
    own_key = secrets.token_urlsafe(32)
    registered = client.keys.register(group.id, own_key, name="legacy")
    project = TofuProject(
        tmp_path / "imports",
        api_url=emulator.base_url,
        api_key=ACME_KEY,
        env={"BASETEN_SIGNING_KEY": SEED_B64},
    )
    project.write(
        "main.tf",
        PROVIDER
        + f"""
import {{
  to = basetengateway_secret.openai
  id = "{secret.id}"
}}
import {{
  to = basetengateway_endpoint.gpt
  id = "{endpoint.id}"
}}
import {{
  to = basetengateway_group.customer
  id = "{group.id}"
}}
import {{
  to = basetengateway_api_key.ci
  id = "{group.id}/{key.prefix}"
}}
import {{
  to = basetengateway_registered_api_key.legacy
  id = "{group.id}/{registered.prefix}"
}}

resource "basetengateway_secret" "openai" {{
  name  = "tofu-import-{run_id}"
  value = "sk-imported-value-2"
}}

resource "basetengateway_endpoint" "gpt" {{
  slug    = "{slug}"
  targets = [{{ provider = "OPENAI", secret_id = basetengateway_secret.openai.id, target_model = "gpt-4o" }}]
}}

resource "basetengateway_group" "customer" {{
  external_entity_id = "tofu-import-{run_id}"
  name               = "Imported"
  models = [{{
    slug        = basetengateway_endpoint.gpt.slug
    rate_limits = [{{ type = "REQUEST", unit = "MINUTE", threshold = 60 }}]
  }}]
}}

resource "basetengateway_api_key" "ci" {{
  group_id = basetengateway_group.customer.id
  name     = "ci"
}}

# The API never returns a key: the one in the configuration is not compared, else it would replace the key.
resource "basetengateway_registered_api_key" "legacy" {{
  group_id = basetengateway_group.customer.id
  key      = "{own_key}"
  name     = "legacy"
  lifecycle {{
    ignore_changes = [key]
  }}
}}
""",
    )
    plan = project.plan()
    assert plan.returncode == 2, plan.text
    assert "Plan: 5 to import, 0 to add, 1 to change, 0 to destroy." in plan.stdout
    assert "basetengateway_secret.openai will be updated in-place" in plan.stdout
    applied = project.apply().ok()
    assert "Resources: 5 imported, 0 added, 1 changed, 0 destroyed." in applied.stdout
    after = project.plan()
    assert after.returncode == 0, after.text

    # The look-ups, as data sources, find what was imported.
    project.write(
        "lookups.tf",
        f"""
data "basetengateway_endpoint" "by_slug" {{
  slug = "{slug}"
}}
data "basetengateway_endpoint" "by_id" {{
  endpoint_id = "{endpoint.id}"
}}
data "basetengateway_group" "customer" {{
  external_entity_id = "tofu-import-{run_id}"
}}
data "basetengateway_secret" "openai" {{
  name = "tofu-import-{run_id}"
}}
data "basetengateway_group_usage" "customer" {{
  group_id = data.basetengateway_group.customer.group_id
}}
output "found" {{
  value = [
    data.basetengateway_endpoint.by_slug.endpoint_id,
    data.basetengateway_endpoint.by_id.slug,
    data.basetengateway_group.customer.group_id,
    data.basetengateway_secret.openai.secret_id,
    data.basetengateway_group_usage.customer.group_id,
  ]
}}
""",
    )
    looked_up = project.apply().ok()
    assert "Resources: 0 added, 0 changed, 0 destroyed." in looked_up.stdout
    found = json.loads(project.run("output", "-json", "found").ok().stdout)
    assert found == [endpoint.id, slug, group.id, secret.id, group.id]
    state = project.resources()
    assert state["basetengateway_endpoint.gpt"]["endpoint_id"] == endpoint.id
    assert state["basetengateway_api_key.ci"]["prefix"] == key.prefix
    assert state["basetengateway_registered_api_key.legacy"]["prefix"] == registered.prefix
    assert [s.id for s in client.secrets.list() if s.name == f"tofu-import-{run_id}"] == [secret.id]
    for text in (plan.text, applied.text, after.text):
        assert "sk-imported-value" not in text
        assert own_key not in text

    project.destroy().ok()
    assert client.endpoints.find_by_slug(slug) is None
    assert client.groups.find(f"tofu-import-{run_id}") is None


def test_tofu_import_takes_an_endpoint_by_id_and_refuses_an_unknown_one(
    tmp_path: Path, emulator: EmulatorProcess, client: GatewayClient
) -> None:
    slug = unique_slug(name="tofu-cli-import")
    endpoint = client.endpoints.create(slug, [{"provider": "BASETEN", "model_id": "abc1234"}])
    project = TofuProject(tmp_path / "cli", api_url=emulator.base_url, api_key=ACME_KEY)
    project.write(
        "main.tf",
        PROVIDER
        + f"""
resource "basetengateway_endpoint" "e" {{
  slug    = "{slug}"
  targets = [{{ provider = "BASETEN", model_id = "abc1234" }}]
}}
""",
    )
    imported = project.run("import", "-no-color", "basetengateway_endpoint.e", endpoint.id).ok()
    assert "Import successful!" in imported.stdout
    assert project.plan().returncode == 0
    project.run("state", "rm", "basetengateway_endpoint.e").ok()

    missing = project.run("import", "-no-color", "basetengateway_endpoint.e", "nosuchid")
    assert missing.returncode == 1
    assert "Endpoint 'nosuchid': import failed: no such Endpoint in this workspace" in missing.stderr
    assert "Traceback" not in missing.text
    client.endpoints.delete(endpoint.id)
