"""The fault soak through the engine: ``pulumi up`` / update / ``destroy`` cycles of a small program through
the real CLI (native plugin, YAML program) against an emulator injecting 5xx, 429 and dropped connections.

    .venv/bin/python benchmarks/soak_engine.py [--cycles 100] [--seed 7] [--error-rate 0.2]
        [--rate-limit-rate 0.1] [--drop-rate 0.05]

The program: a secret, two endpoints (a Baseten model, and OpenAI through the secret) and a group that
lets callers use both. A cycle on one stack: ``up`` (creates 4), ``up`` of a changed program (both
endpoints' targets and the group's name: 3 updates), ``destroy``. A command that fails is run once more
(what a CI job's retry does); a cycle converges when each of its commands succeeds within that second run.
After each ``up``, with the emulator's view taken from outside (the package's client, faults do not touch
the admin routes): the workspace holds exactly the declared endpoints and group, once each, with the
declared targets, and no pending operation is left in the state; after ``destroy``: nothing of the
program is live (no orphan). The faults (defaults as benchmarks/soak.py: 20% 5xx, 10% 429, 5% of writes
committed then dropped, 5 ms latency) come from a fixed seed; the real rate limit is on (100/s).

Reported: cycles converged, commands that needed their second run, orphans, duplicates, wrong targets,
faults injected, time per cycle. Exits 1 unless every cycle converged with 0 orphans, 0 duplicates.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, median

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import yaml

from harness.emulator import ACME_KEY, DEFAULT_WORKSPACES, write_config
from harness.programs import ProjectStack
from pulumi_baseten_gateway import GatewayClient
from pulumi_baseten_gateway.emulator.process import EmulatorProcess

SLUGS = ("acme/soak-glm", "acme/soak-gpt")
ENTITY = "soak-customer"


def program(stage: int) -> str:
    """The program at ``stage`` (1 or 2: the second changes both endpoints' targets and the group's name)."""
    resources: dict[str, Any] = {
        "openai": {
            "type": "baseten-gateway:index:Secret",
            "properties": {"name": "soak-openai", "value": "sk-soak-not-a-real-key"},
        },
        "glm": {
            "type": "baseten-gateway:index:Endpoint",
            "properties": {
                "slug": SLUGS[0],
                "targets": [{"provider": "BASETEN", "modelId": f"model{stage}"}],
            },
        },
        "gpt": {
            "type": "baseten-gateway:index:Endpoint",
            "properties": {
                "slug": SLUGS[1],
                "targets": [
                    {"provider": "OPENAI", "secretId": "${openai.secretId}", "targetModel": f"gpt-{stage}"}
                ],
            },
        },
        "customer": {
            "type": "baseten-gateway:index:Group",
            "properties": {
                "externalEntityId": ENTITY,
                "name": f"Soak customer {stage}",
                "models": [{"slug": "${glm.slug}"}, {"slug": "${gpt.slug}"}],
            },
        },
    }
    return yaml.safe_dump({"name": "soak-engine", "runtime": "yaml", "resources": resources}, sort_keys=False)


def audit(emulator: EmulatorProcess, stack: ProjectStack, stage: int | None) -> Counter[str]:
    """What is wrong with the workspace after a command: declared ``stage`` live, or nothing (None)."""
    problems: Counter[str] = Counter()
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as client:
        endpoints = [e for e in client.endpoints.list() if e.slug in SLUGS]
        groups = [g for g in client.groups.list() if g.metadata.external_entity_id == ENTITY]
    slugs = [e.slug for e in endpoints]
    problems["duplicates"] += len(slugs) - len(set(slugs)) + max(0, len(groups) - 1)
    if stage is None:
        problems["orphans"] += len(endpoints) + len(groups)
    else:
        problems["missing"] += len(set(SLUGS) - set(slugs)) + (0 if groups else 1)
        glm = next((e for e in endpoints if e.slug == SLUGS[0]), None)
        if glm is not None and glm.targets[0].model_id != f"model{stage}":
            problems["wrong targets"] += 1
        if groups and groups[0].metadata.name != f"Soak customer {stage}":
            problems["wrong group"] += 1
    if stack.export()["deployment"].get("pending_operations"):
        problems["pending operations"] += 1
    return +problems  # the kinds found, without the zeros


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--error-rate", default="0.2")
    parser.add_argument("--rate-limit-rate", default="0.1")
    parser.add_argument("--drop-rate", default="0.05")
    options = parser.parse_args()
    # The audit's own client meets the injected faults too, and retries: its warnings are not the soak's.
    logging.getLogger("pulumi_baseten_gateway").setLevel(logging.ERROR)
    print(
        f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{os.cpu_count()} CPUs; {options.cycles} cycles, seed {options.seed}, 5xx {options.error_rate}, "
        f"429 {options.rate_limit_rate}, drop {options.drop_rate}"
    )
    problems: Counter[str] = Counter()
    reruns: Counter[str] = Counter()
    unconverged = 0
    durations = []
    with tempfile.TemporaryDirectory(prefix="soak-engine-") as directory:
        work = Path(directory)
        config = write_config(work / "emulator.json", DEFAULT_WORKSPACES, rate_limit_per_second=100)
        faults = [
            "--seed",
            str(options.seed),
            "--error-rate",
            options.error_rate,
            "--latency-ms",
            "5",
            "--rate-limit-rate",
            options.rate_limit_rate,
            "--drop-rate",
            options.drop_rate,
        ]
        emulator = EmulatorProcess(work / "emulator.sqlite3", config_path=config, extra_args=faults).start()
        try:
            stack = ProjectStack(work / "stack", program(1), api_url=emulator.base_url, api_key=ACME_KEY)
            for cycle in range(1, options.cycles + 1):
                started = time.perf_counter()
                converged = True
                for step, (command, stage) in enumerate((("up", 1), ("up", 2), ("destroy", None))):
                    if stage is not None:
                        stack.write_program(program(stage))
                    run = getattr(stack, command)(check=False)
                    if run.returncode != 0:
                        reruns[f"{command} {step + 1}"] += 1
                        run = getattr(stack, command)(check=False)
                    if run.returncode != 0:
                        converged = False
                        print(f"cycle {cycle}: {command} failed twice: {run.stdout[-1500:]}", flush=True)
                    found = audit(emulator, stack, stage)
                    if found:
                        print(f"cycle {cycle} after {command} {step + 1}: {dict(found)}", flush=True)
                    problems.update(found)
                unconverged += not converged
                durations.append(time.perf_counter() - started)
                if cycle % 10 == 0:
                    print(
                        f"cycle {cycle}: {cycle - unconverged} converged, second runs {dict(reruns)}, "
                        f"problems {dict(problems)}",
                        flush=True,
                    )
            stats = emulator.stats()
        finally:
            emulator.stop()
    print(
        f"cycles converged: {options.cycles - unconverged} of {options.cycles}; commands run twice: "
        f"{sum(reruns.values())} ({dict(reruns)}); "
        + ", ".join(
            f"{kind} {problems[kind]}"
            for kind in (
                "orphans",
                "duplicates",
                "missing",
                "wrong targets",
                "wrong group",
                "pending operations",
            )
        )
    )
    print(
        f"faults injected: {stats['faults']}, 429s of the real limit {stats['rate_limited']}, requests "
        f"{stats['total_requests']}; median cycle {median(durations):.1f} s"
    )
    return 0 if unconverged == 0 and not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
