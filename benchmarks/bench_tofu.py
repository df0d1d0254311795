"""The OpenTofu provider's costs: its start per call, and a plan of 100 endpoints through the real ``tofu``.

    python benchmarks/bench_tofu.py [--rounds 20] [--plan-rounds 5]

1. start: from ``Popen`` to the handshake line, ``terraform-provider-basetengateway`` against our Pulumi
   plugin ``pulumi-resource-baseten-gateway`` (to its port line), interleaved, both from bytecode. OpenTofu
   starts a provider several times per command (counted from its log), so this is paid each time.
2. plan: ``tofu plan`` (refresh included) of 100 endpoints already applied, against ``tofu plan`` of 100
   ``terraform_data`` resources (OpenTofu's built-in provider: no plugin process at all), interleaved:
   what our provider adds to a plan of that size.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import DEMO_KEY, Emulator, byte_compile, median

from harness.tofu import PROVIDER_SOURCE, TofuProject, tofu_bin_dir
from pulumi_baseten_gateway.terraform.serve import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE

BIN = Path(sys.executable).parent
PROVIDER = """
terraform {
  required_providers {
    basetengateway = { source = "baseten/basetengateway" }
  }
}
"""


def _first_line(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.kill()
    process.wait()
    if not line:
        raise RuntimeError(f"{command[0]} printed nothing")
    return elapsed


def start(rounds: int) -> tuple[float, float]:
    env = {**os.environ, MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_PROTOCOL_VERSIONS": "6"}
    ours, pulumi = [], []
    for _ in range(rounds):
        ours.append(_first_line([str(BIN / "terraform-provider-basetengateway")], env))
        pulumi.append(_first_line([str(BIN / "pulumi-resource-baseten-gateway")], env))
    return median(ours), median(pulumi)


def plan(plan_rounds: int) -> tuple[float, float, int, int]:
    with Emulator() as emulator, tempfile.TemporaryDirectory(prefix="bench-tofu-") as tmp:
        env = {"BASETEN_MAX_REQUESTS_PER_SECOND": "0"}
        ours = TofuProject(Path(tmp) / "ours", api_url=emulator.base_url, api_key=DEMO_KEY, env=env)
        ours.write(
            "main.tf",
            PROVIDER + 'resource "basetengateway_endpoint" "e" {\n  count   = 100\n'
            '  slug    = "demo/bench-${count.index}"\n'
            '  targets = [{ provider = "BASETEN", model_id = "m${count.index}" }]\n}\n',
        )
        ours.apply().ok()
        builtin = TofuProject(Path(tmp) / "builtin", api_url=emulator.base_url, api_key=DEMO_KEY)
        builtin.write("main.tf", 'resource "terraform_data" "d" {\n  count = 100\n  input = count.index\n}\n')
        builtin.apply().ok()
        ours_times, builtin_times = [], []
        for _ in range(plan_rounds):
            for project, times in ((ours, ours_times), (builtin, builtin_times)):
                began = time.perf_counter()
                result = project.plan()
                times.append(time.perf_counter() - began)
                if result.returncode != 0:
                    raise RuntimeError(result.text[-2000:])
        logged = ours.run("plan", "-no-color", env={"TF_LOG": "debug"})
        starts = len(re.findall(r"starting plugin: path=\S*terraform-provider-basetengateway", logged.text))
        emulator.reset_stats()
        ours.plan()
        requests = int(emulator.stats()["total_requests"])
    return median(ours_times), median(builtin_times), starts, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--plan-rounds", type=int, default=5)
    args = parser.parse_args()
    byte_compile()
    print(f"tofu: {tofu_bin_dir() / 'tofu'} (provider {PROVIDER_SOURCE})")
    ours, pulumi = start(args.rounds)
    print(f"## 1. start to handshake, medians of {args.rounds} interleaved rounds")
    print(f"terraform-provider-basetengateway {ours * 1e3:.0f} ms, pulumi-resource-baseten-gateway "
          f"{pulumi * 1e3:.0f} ms: ratio {ours / pulumi:.3f}")  # fmt: skip
    ours_plan, builtin_plan, starts, requests = plan(args.plan_rounds)
    print(f"## 2. tofu plan of 100 applied resources, medians of {args.plan_rounds} interleaved rounds")
    ratio = ours_plan / builtin_plan
    print(
        f"basetengateway_endpoint {ours_plan:.2f} s, terraform_data {builtin_plan:.2f} s: ratio {ratio:.3f}"
    )
    print(f"provider starts per plan: {starts}; requests per plan: {requests}")


if __name__ == "__main__":
    main()
