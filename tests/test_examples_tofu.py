"""The gateway example as OpenTofu users run it (examples/opentofu): `tofu apply` in the project directory,
through the real ``tofu`` and our provider, against the emulator.

One lifecycle: apply (4 objects), a plan with no changes, an in-place update, a slug change (a
replacement), changes made outside (a PATCH, a DELETE) that plan and apply bring back, destroy leaving
nothing. Throughout, the credentials (the OpenAI key, the customer's key) are in no output, and the state,
encrypted by the example's passphrase, holds neither in plain text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.emulator import ACME_KEY, EmulatorProcess
from harness.tofu import EXAMPLE_DIR, TofuProject
from pulumi_baseten_gateway.api import GatewayClient

pytestmark = pytest.mark.timeout(600)

OPENAI_KEY = "sk-openai-example-credential-7f3a9"
PASSPHRASE = "example-state-passphrase-0042"


@pytest.fixture
def api(make_emulator: object) -> Iterator[tuple[EmulatorProcess, GatewayClient]]:
    emulator = make_emulator()  # type: ignore[operator]
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        yield emulator, client


def _project(tmp_path: Path, url: str) -> TofuProject:
    return TofuProject(
        tmp_path / "gateway",
        api_url=url,
        api_key=ACME_KEY,
        source=EXAMPLE_DIR,
        env={
            "TF_VAR_prefix": "acme",
            "TF_VAR_customer": "cust-tofu",
            "TF_VAR_openai_key": OPENAI_KEY,
            "TF_VAR_state_passphrase": PASSPHRASE,
        },
    )


def _workspace(client: GatewayClient) -> dict[str, list[str]]:
    return {
        "endpoints": sorted(e.slug for e in client.endpoints.list()),
        "groups": sorted(g.metadata.external_entity_id for g in client.groups.list()),
        "secrets": sorted(s.name for s in client.secrets.list()),
    }


def test_the_gateway_example_through_its_whole_lifecycle(
    tmp_path: Path, api: tuple[EmulatorProcess, GatewayClient]
) -> None:
    emulator, client = api
    project = _project(tmp_path, emulator.base_url)
    runs = []

    first = project.apply().ok()
    runs.append(first)
    assert "Apply complete! Resources: 4 added, 0 changed, 0 destroyed." in first.stdout
    assert _workspace(client) == {
        "endpoints": ["acme/gpt-4o"],
        "groups": ["cust-tofu"],
        "secrets": ["acme-openai"],
    }
    (group,) = list(client.groups.list())
    (key,) = list(client.keys.list(group.id))
    outputs = json.loads(project.run("output", "-json").ok().stdout)
    assert outputs["customer_api_key_prefix"]["value"] == key.prefix
    assert outputs["customer_api_key"]["sensitive"] is True
    plaintext = outputs["customer_api_key"]["value"]
    assert plaintext.startswith(key.prefix)

    runs.append(project.plan())
    assert runs[-1].returncode == 0, runs[-1].text

    # In place: the endpoint's target model.
    update = project.apply("-var", "openai_model=gpt-4.1").ok()
    runs.append(update)
    assert "Resources: 0 added, 1 changed, 0 destroyed." in update.stdout
    (endpoint,) = list(client.endpoints.list())
    assert endpoint.targets[0].target_model == "gpt-4.1"
    project.env["TF_VAR_openai_model"] = "gpt-4.1"

    # Another prefix: a new slug and secret name replace the endpoint and the secret; the group follows.
    project.env["TF_VAR_prefix"] = "acme-labs"
    replace = project.apply().ok()
    runs.append(replace)
    assert "# forces replacement" in replace.stdout
    assert "Resources: 2 added, 1 changed, 2 destroyed." in replace.stdout
    assert _workspace(client)["endpoints"] == ["acme-labs/gpt-4o"]
    assert _workspace(client)["secrets"] == ["acme-labs-openai"]
    assert [m.slug for m in next(client.groups.list()).models] == ["acme-labs/gpt-4o"]

    # Outside changes: the endpoint retargeted, the key's group deleted (the key with it).
    (endpoint,) = list(client.endpoints.list())
    client.endpoints.update(endpoint.id, [{"provider": "BASETEN", "model_id": "zzz9999"}])
    (group,) = list(client.groups.list())
    client.groups.delete(group.id)
    drift = project.plan()
    runs.append(drift)
    assert drift.returncode == 2, drift.text
    assert "basetengateway_endpoint.gpt will be updated in-place" in drift.stdout
    assert "basetengateway_group.customer will be created" in drift.stdout
    assert "basetengateway_api_key.customer will be created" in drift.stdout
    converge = project.apply().ok()
    runs.append(converge)
    assert "Resources: 2 added, 1 changed, 0 destroyed." in converge.stdout
    (endpoint,) = list(client.endpoints.list())
    assert endpoint.targets[0].provider.value == "OPENAI"
    runs.append(project.plan())
    assert runs[-1].returncode == 0, runs[-1].text

    runs.append(project.destroy().ok())
    assert "Resources: 4 destroyed." in runs[-1].stdout
    assert _workspace(client) == {"endpoints": [], "groups": [], "secrets": []}

    # No credential in anything OpenTofu showed, nor in plain text in the state it kept.
    secrets = (OPENAI_KEY, plaintext, ACME_KEY, PASSPHRASE)
    for run in runs:
        for secret in secrets:
            assert secret not in run.text, f"tofu {' '.join(run.args)} showed a credential"
    state = (project.directory / "terraform.tfstate").read_text()
    for secret in secrets:
        assert secret not in state
