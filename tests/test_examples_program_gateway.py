"""The customer example (``examples/gateway``) through the real Pulumi CLI, end to end, against the emulator.

One stack lives through everything a user does to it: ``up``; a refresh, after which the live state holds
every secret only encrypted; a no-change preview; a limit raised (the group updated in place, its key
untouched); the OpenAI credential rotated (the secret updated in place, same id); the customer's key
replaced (the new key created before the old one is revoked); out-of-band changes found by ``refresh``
and converged by the next ``up``; ``destroy``, leaving the emulator empty.

Throughout, every secret it handles (the OpenAI credential before and after rotation, every federated
key issued, the management key) is searched for in every CLI output, error, engine event and state file:
it may appear only inside Pulumi's secret envelope of a decrypted ``stack export --show-secrets``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import EmulatorProcess
from harness.programs import CommandRun, ProgramStack, ProjectStack, secret_strings
from pulumi_baseten_gateway import GatewayClient, NotFoundError
from tests.conftest import MakeEmulator

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MANAGEMENT_KEY = "sk-mgmt-Example-7Hq2Lw9Xc4Vb1"
OPENAI_KEY = "sk-openai-Example-FIRST-3Kd8Pz5Rt1"
ROTATED_KEY = "sk-openai-Example-ROTATED-9Wn4Ys6Jm2"
WORKSPACE = {
    "name": "demo",
    "prefixes": ["demo"],
    "api_keys": [{"key": MANAGEMENT_KEY, "scopes": ["manage"]}],
}


class World:
    """What the emulator holds, read with our client."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self.emulator = emulator

    def client(self) -> GatewayClient:
        return GatewayClient(MANAGEMENT_KEY, base_url=self.emulator.base_url)

    def snapshot(self) -> dict[str, Any]:
        with self.client() as gateway:
            groups = list(gateway.groups.list())
            return {
                "secrets": {s.name: s.id for s in gateway.secrets.list()},
                "endpoints": {e.slug: [t.to_api() for t in e.targets] for e in gateway.endpoints.list()},
                "groups": {g.metadata.external_entity_id: g for g in groups},
                "keys": {g.id: [k.prefix for k in gateway.keys.list(g.id)] for g in groups},
            }


@pytest.fixture
def world(make_emulator: MakeEmulator) -> World:
    return World(make_emulator(workspaces=[WORKSPACE]))


def gateway_stack(tmp_path: Path, world: World) -> ProgramStack:
    """``examples/gateway`` in its own directory, against the world's emulator, with the OpenAI key set."""
    return ProgramStack(
        tmp_path,
        EXAMPLES / "gateway",
        api_url=world.emulator.base_url,
        api_key=MANAGEMENT_KEY,
        secrets={"openaiKey": OPENAI_KEY},
        plugin_on_path=False,  # as its user runs it: the dynamic provider needs no plugin
    )


def test_the_example_lives_its_whole_lifecycle_and_no_secret_ever_shows(tmp_path: Path, world: World) -> None:
    stack = gateway_stack(tmp_path, world)
    seen: list[str] = []  # every text the CLI showed
    issued: list[str] = []  # every federated key the stack was given

    def record(run: CommandRun) -> CommandRun:
        seen.append(run.text)
        return run

    def outputs() -> dict[str, Any]:
        # Decrypted on purpose, to know the keys issued; never recorded as shown.
        return stack.outputs(show_secrets=True)

    # -- up: a secret, the slug routed to it, the customer's group with limits, and the customer's key.
    run = record(stack.up())
    assert run.changes == {"create": 5}
    # The user's own output: no warning (no deprecation, no missing entry point).
    printed = run.stdout + run.stderr
    assert not re.search(r"(?im)^\s*warning\b|DeprecationWarning", printed), printed
    held = world.snapshot()
    secret_id = held["secrets"]["demo-openai"]
    assert held["endpoints"] == {
        "demo/gpt-4o": [{"provider": "OPENAI", "secret_id": secret_id, "target_model": "gpt-4o"}]
    }
    group = held["groups"]["cust_42"]
    assert group.metadata.name == "cust_42 production"
    [model] = group.models
    assert model.slug == "demo/gpt-4o"
    assert {(r.type.value, r.threshold) for r in model.rate_limits} == {("TOKEN", 100_000), ("REQUEST", 600)}
    assert [(u.type.value, u.unit.value, u.threshold) for u in model.usage_limits] == [
        ("TOKEN", "DAY", 10_000_000)
    ]
    [prefix] = held["keys"][group.id]
    exported = outputs()
    assert exported["secret_id"] == secret_id
    assert exported["group_id"] == group.id
    assert exported["customer_api_key_prefix"] == prefix
    key = exported["customer_api_key"]
    assert key.startswith(f"{prefix}.")
    issued.append(key)
    assert "customer_api_key       : [secret]" in run.stdout
    assert exported["effective_models"][0]["rate_limits"][0]["source_group"] == group.id

    # -- a refresh of the live stack: decrypted, the credential and the key appear only inside secret
    # envelopes; undecrypted, nowhere; `stack output` shows the key as [secret].
    record(stack.refresh())
    revealed = stack.export(show_secrets=True)
    for secret in (OPENAI_KEY, key):
        hits = secret_strings(revealed, secret)
        assert hits, "the state keeps the value (encrypted) to detect changes and export the key"
        assert all(hits), f"{secret[:12]}... is stored in plain text"
        assert secret not in json.dumps(stack.export())
    secret_outputs = stack.pulumi("stack", "output", "--json").stdout
    assert key not in secret_outputs
    assert json.loads(secret_outputs)["customer_api_key"] == "[secret]"

    # -- a preview with no change in the program changes nothing, and sends no write.
    world.emulator.reset_stats()
    preview = record(stack.preview("--expect-no-changes"))
    assert preview.changes == {"same": 5}
    assert all(route.startswith("GET") for route in world.emulator.stats()["by_route"])

    # -- a higher rate limit: the group updates in place; nothing else changes, not even in the preview.
    stack.config_set("tokensPerMinute", "200000")
    assert record(stack.preview()).changes == {"same": 4, "update": 1}
    run = record(stack.up())
    assert run.changes == {"same": 4, "update": 1}
    held = world.snapshot()
    assert held["groups"]["cust_42"].id == group.id
    assert {(r.type.value, r.threshold) for r in held["groups"]["cust_42"].models[0].rate_limits} == {
        ("TOKEN", 200_000),
        ("REQUEST", 600),
    }
    assert held["keys"][group.id] == [prefix]
    record(stack.preview("--expect-no-changes"))

    # -- the credential rotated: the secret updates in place (same id), so the endpoint does not change.
    stack.config_set("openaiKey", ROTATED_KEY, secret=True)
    assert record(stack.preview()).changes == {"same": 4, "update": 1}
    run = record(stack.up())
    assert run.changes == {"same": 4, "update": 1}
    assert world.snapshot()["secrets"] == {"demo-openai": secret_id}
    record(stack.preview("--expect-no-changes"))

    # -- a new key for the customer: created first, then the old one revoked.
    stack.config_set("keyName", "prod-2")
    run = record(stack.up())
    assert run.changes == {"same": 4, "replace": 1}
    steps = [op for op, name in run.steps() if name == "customer-key"]
    assert steps.index("create-replacement") < steps.index("delete-replaced")
    [new_prefix] = world.snapshot()["keys"][group.id]
    assert new_prefix != prefix
    assert outputs()["customer_api_key"].startswith(f"{new_prefix}.")
    issued.append(outputs()["customer_api_key"])
    with world.client() as gateway, pytest.raises(NotFoundError):
        gateway.keys.get(group.id, prefix)
    prefix = new_prefix

    # -- out-of-band changes: a limit lowered, the key revoked, the secret deleted. Refresh sees each.
    with world.client() as gateway:
        gateway.groups.update(group.id, models=[{"slug": "demo/gpt-4o"}])
        gateway.keys.revoke(group.id, prefix)
        gateway.secrets.delete("demo-openai")
    refresh = record(stack.refresh())
    assert refresh.changes == {"same": 2, "update": 1, "delete": 2}
    assert "Group customer updated" in refresh.stdout
    assert "GatewayApiKey customer-key deleted" in refresh.stdout
    assert "Secret openai deleted" in refresh.stdout
    assert set(stack.resources("Group")["customer"]["outputs"]["models"][0]) == {
        "slug",
        "rate_limits",
        "usage_limits",
    }
    assert stack.resources("Group")["customer"]["outputs"]["models"][0]["rate_limits"] == []

    # The next up converges: a new secret (the old id is gone) and the endpoint re-pointed at it, the
    # limits restored, a new key.
    run = record(stack.up())
    assert run.changes == {"same": 1, "create": 2, "update": 2}
    held = world.snapshot()
    new_secret_id = held["secrets"]["demo-openai"]
    assert new_secret_id != secret_id
    assert held["endpoints"]["demo/gpt-4o"][0]["secret_id"] == new_secret_id
    assert {(r.type.value, r.threshold) for r in held["groups"]["cust_42"].models[0].rate_limits} == {
        ("TOKEN", 200_000),
        ("REQUEST", 600),
    }
    [prefix] = held["keys"][group.id]
    issued.append(outputs()["customer_api_key"])
    record(stack.preview("--expect-no-changes"))

    # -- destroy: nothing is left behind.
    destroy = stack.destroy()
    seen.append(destroy.stdout + destroy.stderr)
    assert destroy.changes == {"delete": 5}
    assert world.snapshot() == {"secrets": {}, "endpoints": {}, "groups": {}, "keys": {}}
    assert stack.resources("") == {}

    # -- hygiene: no secret anywhere in plain text.
    secrets = [OPENAI_KEY, ROTATED_KEY, MANAGEMENT_KEY, *issued]
    assert len(set(issued)) == 3
    shown = "\n".join(seen)
    files = {path: path.read_bytes() for path in stack.state_files()}
    assert any(b"customer_api_key" in content for content in files.values())  # the history holds outputs
    for secret in secrets:
        assert secret not in shown
        for path, content in files.items():
            assert secret.encode() not in content, (secret[:12], path)
    exported = stack.export(show_secrets=True)  # the latest checkpoint: empty after destroy
    assert all(all(secret_strings(exported, secret)) for secret in secrets)


def test_pulumi_import_of_a_group_and_a_secret_with_the_native_provider(tmp_path: Path, world: World) -> None:
    with world.client() as gateway:
        secret = gateway.secrets.create("legacy-openai", OPENAI_KEY)
        group = gateway.groups.create(
            "legacy",
            [{"slug": "demo/a", "rate_limits": [{"type": "TOKEN", "unit": "MINUTE", "threshold": 9}]}],
        )
    stack = ProjectStack(
        tmp_path, "name: imported\nruntime: yaml\n", api_url=world.emulator.base_url, api_key=MANAGEMENT_KEY
    )
    generated = tmp_path / "imported.yaml"
    stack.pulumi(
        "import", "baseten-gateway:index:Group", "legacy", group.id, "--yes", "--out", str(generated)
    )
    code = generated.read_text()
    for expected in (
        "type: baseten-gateway:Group",
        "externalEntityId: legacy",
        "slug: demo/a",
        "threshold: 9",
    ):
        assert expected in code
    stack.write_program("name: imported\nruntime: yaml\n" + code)
    result = stack.preview("--expect-no-changes", check=False)
    assert result.returncode == 0, result.stdout + result.stderr

    stack.pulumi("import", "baseten-gateway:index:Secret", "openai", secret.id, "--yes")
    assert stack.resources("Secret")["openai"]["outputs"]["secretId"] == secret.id
    assert "value" not in stack.resources("Secret")["openai"]["outputs"]  # the API never returns it
    stack.pulumi("state", "unprotect", "--all", "--yes")  # imports are protected
    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert world.snapshot()["groups"] == {}
    assert world.snapshot()["secrets"] == {}
