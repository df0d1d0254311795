"""Resource options under the engine, on the native plugin from YAML programs: ``protect``,
``retainOnDelete``, ``ignoreChanges``, ``aliases``, ``deleteBeforeReplace``, ``replaceOnChanges``,
``customTimeouts``, and an interrupted ``pulumi up``; one test each, but ``aliases`` and
``deleteBeforeReplace``, which share one stack.

The oracle is the workspace as the client lists it (which endpoint exists, with which id and targets) and
the order of the engine's steps (its event log). Most options are the engine's own business; what the
provider must get right is its part of them: a replacement that keeps the slug deletes first (the slug is
globally unique), the operation's time bound is the engine's ``customTimeouts`` when given, and a
cancelled run stops its retries at once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import ACME_KEY, EmulatorProcess
from harness.engine import engine_bin_dir
from harness.programs import CommandRun, ProgramStack, ProjectStack
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import MakeEmulator

SLUG = "acme/options"
ENDPOINT = "baseten-gateway:index:Endpoint"
URN_PREFIX = f"urn:pulumi:dev::options-yaml::{ENDPOINT}::"


def _program(
    name: str = "a",
    *,
    slug: str = SLUG,
    model: str = "m1",
    options: dict[str, Any] | None = None,
) -> str:
    resource: dict[str, Any] = {
        "type": ENDPOINT,
        "properties": {"slug": slug, "targets": [{"provider": "BASETEN", "modelId": model}]},
    }
    if options:
        resource["options"] = options
    program = {
        "name": "options-yaml",
        "runtime": "yaml",
        "resources": {name: resource},
        "outputs": {"endpointId": f"${{{name}.endpointId}}"},
    }
    return json.dumps(program, indent=2)


def _stack(work: Path, emulator: EmulatorProcess, **program: Any) -> ProgramStack:
    return ProjectStack(work, _program(**program), api_url=emulator.base_url, api_key=ACME_KEY)


def _endpoints(emulator: EmulatorProcess) -> dict[str, tuple[str, str]]:
    """Each endpoint of the workspace: slug to (id, model id of its target)."""
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        return {e.slug: (e.id, str(e.targets[0].model_id)) for e in client.endpoints.list()}


def _ops(run: CommandRun) -> list[str]:
    return [op for op, _ in run.steps()]


@pytest.fixture
def emulator(make_emulator: MakeEmulator) -> EmulatorProcess:
    return make_emulator()


def test_protect_makes_destroy_refuse_and_keeps_the_endpoint(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    stack = _stack(tmp_path, emulator, options={"protect": True})
    stack.up()
    made = _endpoints(emulator)[SLUG]

    refused = stack.destroy(check=False)
    assert refused.returncode != 0
    assert "protected" in refused.stdout
    assert _endpoints(emulator) == {SLUG: made}

    stack.write_program(_program())  # unprotected: the same endpoint, then destroy deletes it
    assert stack.up().changes.get("create", 0) == 0
    stack.destroy()
    assert _endpoints(emulator) == {}


def test_retain_on_delete_leaves_the_endpoint_when_the_stack_is_destroyed(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    stack = _stack(tmp_path, emulator, options={"retainOnDelete": True})
    stack.up()
    made = _endpoints(emulator)[SLUG]
    stack.destroy()
    assert _endpoints(emulator) == {SLUG: made}
    assert stack.resources(ENDPOINT) == {}


def test_ignore_changes_keeps_an_out_of_band_target(tmp_path: Path, emulator: EmulatorProcess) -> None:
    stack = _stack(tmp_path, emulator, options={"ignoreChanges": ["targets"]})
    stack.up()
    endpoint_id, _ = _endpoints(emulator)[SLUG]
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        client.endpoints.update(endpoint_id, [{"provider": "BASETEN", "model_id": "changed-by-hand"}])

    # Refreshed, the state holds the new target; the program's own (m1) is ignored: no update.
    run = stack.up("--refresh")
    assert "update" not in run.changes
    assert _endpoints(emulator) == {SLUG: (endpoint_id, "changed-by-hand")}
    # A new target in the program is ignored too.
    stack.write_program(_program(model="m2", options={"ignoreChanges": ["targets"]}))
    assert "update" not in stack.up().changes
    assert _endpoints(emulator) == {SLUG: (endpoint_id, "changed-by-hand")}


def test_an_alias_renames_without_replacing_and_delete_before_replace_deletes_the_old_endpoint_first(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    stack = _stack(tmp_path, emulator)
    stack.up()
    made = _endpoints(emulator)[SLUG]

    # An alias renames the resource without replacing the endpoint.
    stack.write_program(_program("renamed", options={"aliases": [f"{URN_PREFIX}a"]}))
    run = stack.up()
    assert set(run.changes) <= {"same"}, run.changes
    assert _endpoints(emulator) == {SLUG: made}
    assert set(stack.resources(ENDPOINT)) == {"renamed"}

    # A new slug is created before the old one is deleted (two slugs: no conflict) ...
    stack.write_program(_program("renamed", slug="acme/options-2"))
    run = stack.up()
    assert _ops(run).index("create-replacement") < _ops(run).index("delete-replaced"), run.steps()
    # ... unless the program asks to delete first.
    stack.write_program(_program("renamed", slug="acme/options-3", options={"deleteBeforeReplace": True}))
    run = stack.up()
    assert _ops(run).index("delete-replaced") < _ops(run).index("create-replacement"), run.steps()
    assert set(_endpoints(emulator)) == {"acme/options-3"}


def test_replace_on_changes_replaces_on_a_target_change_deleting_first(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    options = {"replaceOnChanges": ["targets"]}
    stack = _stack(tmp_path, emulator, options=options)
    stack.up()
    old_id, _ = _endpoints(emulator)[SLUG]

    # Targets update in place by default; here they replace. The slug stays, and a slug is globally
    # unique, so the provider's diff says to delete the old endpoint first.
    stack.write_program(_program(model="m2", options=options))
    run = stack.up()
    assert "update" not in run.changes
    assert _ops(run).index("delete-replaced") < _ops(run).index("create-replacement"), run.steps()
    new_id, model = _endpoints(emulator)[SLUG]
    assert (model, new_id != old_id) == ("m2", True)
    assert len(_endpoints(emulator)) == 1


def _step_seconds(run: CommandRun) -> int:
    """How long the endpoint's step ran, by the engine's event timestamps (whole seconds)."""
    started = next(
        e["timestamp"] for e in run.events if "resourcePreEvent" in e and ENDPOINT in json.dumps(e)
    )
    ended = next(e["timestamp"] for e in run.events if "resOpFailedEvent" in e)
    return int(ended - started)


def test_custom_timeouts_bound_the_operation(tmp_path: Path, emulator: EmulatorProcess) -> None:
    # Every request a 5xx: the create retries until its attempts or its time run out. Its eight attempts'
    # backoff alone is at least 12 s; the program gives the create 2 s.
    emulator.set_faults(error_rate=1.0)
    stack = _stack(tmp_path, emulator, options={"customTimeouts": {"create": "2s"}})

    run = stack.up(check=False)

    assert run.returncode != 0
    assert "Endpoint 'acme/options': create failed: " in run.stdout, run.stdout
    assert _step_seconds(run) <= 4, run.stdout
    emulator.set_faults()
    stack.up()
    assert set(_endpoints(emulator)) == {SLUG}


def test_an_interrupted_up_stops_its_retries_and_the_next_up_converges(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    emulator.set_faults(error_rate=1.0)
    stack = _stack(tmp_path, emulator)
    emulator.reset_stats()
    up = subprocess.Popen(
        [str(engine_bin_dir() / "pulumi"), "up", "--yes", "--skip-preview", "--non-interactive"],
        cwd=stack.project_dir,
        env=stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Interrupt as a user's Ctrl-C once the create has been refused (a 5xx): it is retrying, and would
        # go on for its eight attempts (some 15 to 25 s of backoff) if nothing stopped it.
        deadline = time.monotonic() + 120
        while emulator.stats()["by_route"].get("POST /v1/gateway/endpoints", 0) < 1:
            assert up.poll() is None, up.communicate()[0]
            assert time.monotonic() < deadline, "the create never started"
            time.sleep(0.05)
        at_interrupt = emulator.stats()["total_requests"]
        interrupted = time.monotonic()
        up.send_signal(signal.SIGINT)
        output, _ = up.communicate(timeout=90)
        stopped = time.monotonic() - interrupted
    finally:
        if up.poll() is None:
            up.kill()
            up.communicate()
    assert up.returncode != 0, output
    # The engine asked the plugin to cancel: no further attempt (one already on the wire may finish).
    assert emulator.stats()["total_requests"] - at_interrupt <= 1, output
    assert stopped < 15, f"pulumi up took {stopped:.0f} s to stop after SIGINT:\n{output}"

    emulator.set_faults()
    stack.up()
    assert set(_endpoints(emulator)) == {SLUG}
    assert set(stack.up().changes) <= {"same"}
