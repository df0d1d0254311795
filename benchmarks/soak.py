"""Reliability soak: endpoint lifecycles through the real provider plugin against a faulty gateway.

    python benchmarks/soak.py --lifecycles 1000 [--seed N] [--threads 4] [--checkpoint-every 50] ...

The promise under test: under throttling, server errors and dropped connections, ``pulumi up``
converges, loses nothing, creates no duplicate or orphaned endpoint and never leaks the API key.

One emulator runs with 20% injected 5xx, 10% injected 429, 5% "commit, then drop the connection" on
writes and 5 ms of added latency, all at once, from a fixed seed (its real rate limit is off). One
provider plugin (``python -u -m pulumi.dynamic``, default retry policy, pacing off) is driven over gRPC
the way the engine drives it, by ``--threads`` lifecycles at a time (the plugin serves 4 RPCs at once).

A lifecycle is five ``pulumi up`` runs on one resource, each modelled step by step as the engine runs
it, on fresh slugs ``soak/lc-N`` and ``soak/lc-N-renamed``:

1. new resource: Check, Create (targets T0);
2. new targets: Check, Diff (must be an in-place update), Update (T1);
3. new slug: Check, Diff (must replace ``slug``, create before delete), Create of the replacement,
   then Delete of the old endpoint (still in the state, pending delete, until that succeeds);
4. new targets again: Check, Diff, Update (T2) of the replacement;
5. destroy: Delete.

When an RPC fails, the user runs ``pulumi up`` again: the step is repeated from the state the engine
holds (a failed Create leaves nothing in the state, a failed Update leaves the old outputs, a failed
Delete leaves the resource), at most ``--max-reruns`` times. A Create that failed after committing
(the drop fault on its last attempt) is answered on the re-run with "already exists ... set
adopt=True": the user does so for that re-run (counted apart, "re-runs that needed adopt"), and takes
the flag out of the program again afterwards. A Create without adopt that returns an endpoint older
than the RPC is counted as a silent takeover (reported; the client's duplicate-safe retry does that).

What is checked, against the emulator itself (a raw httpx client, not the package's client):

* every caller-visible failure is an ``EndpointOperationError`` naming the slug and the cause
  ("HTTP 5..", "HTTP 429", "no response", "already exists"), never another exception or a dead plugin;
* before every Delete, the endpoint's live targets are the last desired ones (no lost update);
* every ``--checkpoint-every`` lifecycles, all workers pause between steps, faults are switched off
  and the workspace's live endpoints must equal the resources held in the driver's state (no orphan,
  nothing missing, no stale targets); faults are then switched back on (the fault generator is not
  reseeded, so its sequence continues);
* at the end, with faults off: nothing is live, every endpoint the emulator created during the run is
  one whose id the driver learnt (no hidden duplicate), and no slug got two ids;
* the API key appears in no error, no output and nothing the plugin wrote to stderr.

This file is the command line only. What ``tests/test_endpoint_plugin_soak.py`` reuses lives in modules of
their own: ``soak_plan.py`` (faults, settings, lifecycles, failure kinds), ``soak_driver.py`` (the driver,
:func:`run_soak`), ``soak_audit.py`` (the emulator seen from outside, the live-set checks) and
``soak_report.py`` (the report).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:  # run as `python benchmarks/soak.py`
    sys.path.insert(0, _REPO_ROOT)

from benchmarks.soak_driver import run_soak  # noqa: E402
from benchmarks.soak_plan import (  # noqa: E402
    DEFAULT_FAULTS,
    FaultPlan,
    SoakConfig,
    emulator_args,
    soak_workspace,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lifecycles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_FAULTS.seed, help="the emulator's fault seed")
    parser.add_argument("--threads", type=int, default=4, help="lifecycles in flight at once")
    parser.add_argument("--max-reruns", type=int, default=5, help="re-runs of a failed step before giving up")
    parser.add_argument("--checkpoint-every", type=int, default=50, help="lifecycles between checkpoints")
    parser.add_argument("--latency-ms", type=float, default=DEFAULT_FAULTS.latency_ms)
    parser.add_argument("--error-rate", type=float, default=DEFAULT_FAULTS.error_rate)
    parser.add_argument("--rate-limit-rate", type=float, default=DEFAULT_FAULTS.rate_limit_rate)
    parser.add_argument("--drop-rate", type=float, default=DEFAULT_FAULTS.drop_rate)
    args = parser.parse_args(argv)

    from benchmarks._common import Emulator

    faults = FaultPlan(args.latency_ms, args.error_rate, args.rate_limit_rate, args.drop_rate, args.seed)
    api_key = f"soak-key-{secrets.token_hex(16)}"
    config = SoakConfig(
        lifecycles=args.lifecycles,
        threads=args.threads,
        max_reruns=args.max_reruns,
        checkpoint_every=args.checkpoint_every,
        progress=_progress,
    )
    started = datetime.datetime.now(datetime.timezone.utc)
    arguments = " ".join(sys.argv[1:] if argv is None else argv)
    print(
        f"soak.py  {started:%Y-%m-%dT%H:%M:%SZ}  python {platform.python_version()}  "
        f"{os.cpu_count()} CPUs  {platform.platform()}\ncommand: python benchmarks/soak.py {arguments}"
    )
    emulator_config = {"workspaces": [soak_workspace(api_key)], "rate_limit_per_second": 0}
    with Emulator(config=emulator_config, extra_args=emulator_args(faults)) as emulator:
        report = run_soak(emulator.base_url, api_key, config)
    print(report.render())
    return 0 if not report.problems() else 1


def _progress(finished: int, total: int) -> None:
    if finished % 100 == 0 or finished == total:
        print(f"  ... {finished}/{total} lifecycles", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
