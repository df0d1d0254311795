"""State in a shared backend, as platform teams keep it: the YAML gateway example (examples/yaml-gateway)
through the real CLI with its state in PostgreSQL (``pulumi login postgres://...``), on a server the test
starts (harness/postgres.py) and stops.

The whole lifecycle runs on it (up, a preview with no changes, an update, destroy), and the state in the
database holds the credentials only encrypted. Two ``pulumi up`` of one stack at once: one runs, the other is
refused by the backend's lock with the CLI's message, and afterwards the state is whole (exported, and a
preview finds no change).
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import EmulatorProcess
from harness.postgres import PostgresServer, postgres_bin_dir
from harness.programs import ProgramStack, secret_strings
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator

pytestmark = pytest.mark.timeout(600)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "yaml-gateway"
DEMO_KEY = "demo-key"
OPENAI_KEY = "sk-openai-postgres-backend-5e1d"


def _sql(server: PostgresServer, query: str) -> str:
    result = subprocess.run(
        [str(postgres_bin_dir() / "psql"), server.url, "-At", "-c", query],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def _stack(tmp_path: Path, emulator: EmulatorProcess, server: PostgresServer, name: str) -> ProgramStack:
    return ProgramStack(
        tmp_path / name,
        EXAMPLE,
        api_url=emulator.base_url,
        api_key=DEMO_KEY,
        secrets={"openaiKey": OPENAI_KEY},
        extra_env={"PULUMI_BACKEND_URL": server.url},
    )


def _held(emulator: EmulatorProcess) -> tuple[dict[str, Any], list[str], str]:
    """The customer's group, the prefixes of its keys, and the secret id the endpoint's target names."""
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        [group] = [g for g in gateway.groups.list() if g.metadata.external_entity_id == "cust_42"]
        prefixes = [k.prefix for k in gateway.keys.list(group.id)]
        [endpoint] = list(gateway.endpoints.list())
        return {"id": group.id, "group": group}, prefixes, str(endpoint.targets[0].secret_id)


def test_the_gateway_example_lives_its_whole_lifecycle_on_a_postgresql_backend(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    """The YAML example through the native plugin, its state in PostgreSQL: what it creates and outputs,
    a limit raised in place (same group, same key), its secrets (the OpenAI credential, the customer's key,
    the management key) encrypted in the state and in no output."""
    emulator = make_emulator(config=False)
    with PostgresServer() as server:
        stack = _stack(tmp_path, emulator, server, "lifecycle")
        run = stack.up()
        assert run.changes == {"create": 5}
        shown = [run.stdout]
        group, prefixes, secret_id = _held(emulator)
        [prefix] = prefixes
        outputs = stack.outputs()
        assert outputs["customerApiKey"] == "[secret]"
        assert outputs["customerApiKeyPrefix"] == prefix
        assert outputs["secretId"] == secret_id
        key = stack.outputs(show_secrets=True)["customerApiKey"]
        assert key.startswith(f"{prefix}.")
        shown.append(stack.preview("--expect-no-changes").stdout)

        # A limit raised in the program: the group updates in place, nothing else changes.
        (stack.project_dir / "Pulumi.yaml").write_text(
            (stack.project_dir / "Pulumi.yaml").read_text().replace("threshold: 100000", "threshold: 200000")
        )
        run = stack.up()
        assert run.changes.get("update") == 1
        shown.append(run.stdout)
        after, prefixes, _ = _held(emulator)
        assert after["id"] == group["id"]
        assert after["group"].models[0].rate_limits[0].threshold == 200_000
        assert prefixes == [prefix]

        state = _sql(server, "select count(*) from pulumi_state")
        assert int(state) > 0  # the stack lives in the database, not in a file
        dump = _sql(server, "select data::text from pulumi_state")
        revealed = stack.export(show_secrets=True)
        for secret in (OPENAI_KEY, key, DEMO_KEY):
            assert secret not in dump
            assert secret not in "\n".join(shown)
        for secret in (OPENAI_KEY, key):  # in the decrypted export: only inside Pulumi's secret envelope
            hits = secret_strings(revealed, secret)
            assert hits
            assert all(hits)
        assert stack.destroy().changes == {"delete": 5}
        assert emulator.stats()["endpoints"]["live"] == 0


def test_two_ups_of_one_stack_at_once_one_runs_the_other_is_refused_by_the_lock(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator("--latency-ms", "400", config=False)
    with PostgresServer() as server:
        stack = _stack(tmp_path, emulator, server, "locked")
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = pool.submit(stack.up, check=False)
            # The second starts once the first holds the lock (its lock row is in the database).
            while not _sql(server, "select key from pulumi_state where key like '%/locks/%' limit 1").strip():
                assert not first.done(), first.result().stdout[-2000:]
            second = stack.up(check=False)
            done = first.result()
        assert done.returncode == 0, done.stdout[-3000:]
        assert second.returncode != 0
        assert "the stack is currently locked by 1 lock(s)" in second.stdout + second.stderr
        assert "pulumi cancel" in second.stdout + second.stderr
        exported = stack.pulumi("stack", "export").stdout
        assert '"urn:pulumi:dev::' in exported
        stack.preview("--expect-no-changes")
        stack.destroy()
