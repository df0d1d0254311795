"""A killed ``pulumi up`` recovers with the sequence docs/guides/ci.md gives a CI job, for both
providers: ``baseten-gateway-recover --cancel --yes``, ``pulumi refresh --yes``, ``pulumi up --yes``.
Exactly the declared endpoints afterwards, each once, the state's ids the live ones, nothing lost and
nothing orphaned.

The CLI, its language host and the provider plugins are killed together (SIGKILL to the process group, as a
cancelled CI job is) once the emulator has received a seeded number of writes, while it answers slowly so
that creates, updates and deletes are in flight: during the first ``up`` (creates), during an ``up`` that
updates, deletes and creates, and during ``destroy``. The native plugin runs a YAML program; the dynamic
provider the Python program ``tests/programs/recover-python``.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.emulator import ACME_KEY
from harness.programs import ProgramStack, ProjectStack, endpoints_program
from pulumi_baseten_gateway import GatewayClient
from pulumi_baseten_gateway.emulator.process import EmulatorProcess
from tests.conftest import MakeEmulator

pytestmark = pytest.mark.timeout(600)

REPO_ROOT = Path(__file__).resolve().parents[1]
RECOVER = Path(sys.executable).parent / "baseten-gateway-recover"
SEED = 20261206
LATENCY_MS = 250


def _yaml(count: int, model: str, left_out: set[int]) -> str:
    declared = {f"e{i}": (f"acme/recover-{i}", model) for i in range(count) if i not in left_out}
    return endpoints_program("recover-yaml", declared)


def _stack(provider: str, tmp_path: Path, emulator: EmulatorProcess) -> ProgramStack:
    if provider == "native":
        return ProjectStack(tmp_path, _yaml(0, "m", set()), api_url=emulator.base_url, api_key=ACME_KEY)
    return ProgramStack(
        tmp_path,
        REPO_ROOT / "tests" / "programs" / "recover-python",
        api_url=emulator.base_url,
        api_key=ACME_KEY,
    )


def _declare(stack: ProgramStack, count: int, model: str, left_out: set[int] = set()) -> dict[str, str]:  # noqa: B006
    """Declare ``count`` endpoints but ``left_out``, to ``model``; the slugs declared, with their model."""
    if stack.runtime == "yaml":
        stack.write_program(_yaml(count, model, left_out))
    else:  # an empty `left_out` is read as none
        stack.config_set_all({"count": str(count), "model": model, "left_out": ",".join(map(str, left_out))})
    return {f"acme/recover-{i}": model for i in range(count) if i not in left_out}


def _live(emulator: EmulatorProcess) -> dict[str, tuple[str, str]]:
    """Each endpoint of the workspace: slug to (id, model)."""
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        return {e.slug: (e.id, str(e.targets[0].model_id)) for e in client.endpoints.list()}


def _writes(emulator: EmulatorProcess) -> int:
    routes: dict[str, int] = emulator.stats()["by_route"]
    return sum(n for route, n in routes.items() if route.split(" ")[0] in ("POST", "PATCH", "DELETE"))


def _killed(stack: ProgramStack, emulator: EmulatorProcess, command: str, writes: int) -> None:
    """``pulumi COMMAND`` killed, with everything it started, once the API has received ``writes`` writes."""
    emulator.reset_stats()
    emulator.set_faults(latency_ms=LATENCY_MS)
    process = stack.start(command, "--yes", "--skip-preview", "--parallel", "4")
    try:
        while _writes(emulator) < writes:
            assert process.poll() is None, f"pulumi {command} ended before {writes} writes"
            time.sleep(0.02)  # polling the condition; nothing waits on this sleep's length
    finally:
        stack.kill(process)
        emulator.set_faults(latency_ms=0)


def _recover(stack: ProgramStack) -> str:
    """The documented sequence but its last ``pulumi up``: what ``baseten-gateway-recover`` said."""
    done = subprocess.run(
        [str(RECOVER), "--cancel", "--yes"],
        cwd=stack.project_dir,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert ACME_KEY not in done.stdout + done.stderr
    stack.refresh()
    return done.stdout


def _assert_converged(stack: ProgramStack, emulator: EmulatorProcess, declared: dict[str, str]) -> None:
    live = _live(emulator)
    assert {slug: model for slug, (_, model) in live.items()} == declared  # no orphan, none missing
    state = {r["outputs"]["slug"]: r["id"] for r in stack.resources().values()}
    assert state == {slug: id_ for slug, (id_, _) in live.items()}  # each once, by its live id
    assert not stack.export()["deployment"].get("pending_operations")


@pytest.mark.parametrize("provider", ["native", "dynamic"])
def test_a_killed_up_converges_with_the_documented_sequence(
    provider: str, tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    rng = random.Random(f"{SEED}-{provider}")
    emulator = make_emulator()
    stack = _stack(provider, tmp_path, emulator)

    # 1. The first up, killed among its 12 creates.
    declared = _declare(stack, 12, "m1")
    _killed(stack, emulator, "up", rng.randint(2, 10))
    said = _recover(stack)
    assert "adopt:" in said or "drop:" in said, said  # creates were in flight, and are settled
    stack.up()
    _assert_converged(stack, emulator, declared)

    # 2. An up that updates 10 endpoints, deletes 2 and creates 2, killed on the way.
    declared = _declare(stack, 14, "m2", {1, 5})
    _killed(stack, emulator, "up", rng.randint(2, 12))
    _recover(stack)
    stack.up()
    _assert_converged(stack, emulator, declared)
    stack.preview("--expect-no-changes")

    # 3. destroy, killed; the same sequence, then destroy. With the file backend, a kill while the state's
    # `.attrs` sidecar is written leaves it empty (seen in this test's runs): made so here, every time.
    _killed(stack, emulator, "destroy", rng.randint(2, 10))
    [sidecar] = stack.state_dir.rglob(f"stacks/*/{stack.stack}.json.attrs")
    sidecar.write_bytes(b"")
    assert "failed to load checkpoint: EOF" in stack.pulumi("stack", "export", check=False).stderr
    said = _recover(stack)
    assert f"removed: {sidecar}: empty, left by a killed write" in said
    stack.destroy()
    assert _live(emulator) == {}
    assert not stack.resources()
