"""Worst cases against a hostile server: how long one operation can take, how much memory a bomb costs.

    python benchmarks/bench_hostile.py                    # defaults: 30 s per attempt, 120 s per operation
    python benchmarks/bench_hostile.py --only memory      # the bomb only (a few seconds)
    python benchmarks/bench_hostile.py --only time --attempt-timeout 2 --total-timeout 5   # a quick look

**Time.** Each operation runs against its own hostile server (``harness/hostile.py``), all at
once on threads, with the client's default retry policy (or the bounds given): the issue's trickle
(complete headers announcing ``Content-Length: 100000``, then one byte every ``--interval`` seconds, 5 by
default), trickled headers, and a plain stall; client get, list, create, update and delete, and the
plugin's Create and Read through the real plugin process. Reported: seconds from call to error, and
the excess over the total budget.

**Memory.** A fresh Python process makes one GET, and reports its peak RSS (``ru_maxrss``): against a
healthy answer (the baseline), against a 1 MB gzip body that unpacks to 1 GiB through ``GatewayClient``,
and (the reference: what the client did before its size cap) through a bare ``httpx.get``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime, timezone

from _common import REPO_ROOT

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from harness.hostile import (
    Behaviour,
    HostileServer,
    bomb,
    json_reply,
    stall,
    trickle,
    trickle_headers,
)
from harness.plugin import PluginError, ProviderPlugin
from pulumi_baseten_gateway import GatewayClient, GatewayError, RetryPolicy
from pulumi_baseten_gateway.api.transport import DEFAULT_MAX_RESPONSE_BYTES, LOGGER_NAME

KEY = "sk-bench-hostile-0123456789"
BASETEN = {"provider": "BASETEN", "model_id": "3kZ9xqd"}
ENDPOINT = {
    "id": "e1",
    "slug": "acme/a",
    "region": "UNRESTRICTED",
    "targets": [BASETEN],
    "created_at": "2026-06-17T12:00:00Z",
    "updated_at": "2026-06-17T12:00:00Z",
}

CLIENT_OPERATIONS: dict[str, Callable[[GatewayClient], object]] = {
    "get": lambda c: c.endpoints.get("e1"),
    "list": lambda c: list(c.endpoints.list()),
    "create": lambda c: c.endpoints.create("acme/a", [BASETEN]),
    "update": lambda c: c.endpoints.update("e1", [BASETEN]),
    "delete": lambda c: c.endpoints.delete("e1"),
}


Setup = Callable[[str, ExitStack], Callable[[], object]]


def time_one(label: str, behaviour: Behaviour, setup: Setup) -> tuple[str, float, str, int]:
    """Seconds from the call to its error (setup, e.g. starting the plugin, not counted)."""
    with HostileServer(lambda request, index: behaviour) as server, ExitStack() as resources:
        call = setup(server.base_url, resources)
        started = time.monotonic()
        try:
            call()
            outcome = "no error (!)"
        except (GatewayError, PluginError) as exc:
            outcome = (exc.details if isinstance(exc, PluginError) else str(exc)).strip().splitlines()[-1]
        elapsed = time.monotonic() - started
        requests = server.count()
    return label, elapsed, outcome, requests


def client_call(operation: str, policy: RetryPolicy) -> Setup:
    def setup(url: str, resources: ExitStack) -> Callable[[], object]:
        client = resources.enter_context(GatewayClient(KEY, base_url=url, retry=policy))
        return lambda: CLIENT_OPERATIONS[operation](client)

    return setup


def plugin_call(rpc: str, policy: RetryPolicy) -> Setup:
    def setup(url: str, resources: ExitStack) -> Callable[[], object]:
        config = {
            "baseten:apiKey": KEY,
            "baseten:apiUrl": url,
            "baseten:attemptTimeout": str(policy.attempt_timeout),
            "baseten:totalTimeout": str(policy.total_timeout),
        }
        plugin = resources.enter_context(ProviderPlugin())
        plugin.configure(config)
        checked, _ = plugin.check({"slug": "acme/a", "targets": [BASETEN]})
        if rpc == "Create":
            return lambda: plugin.create(checked)
        return lambda: plugin.read("e1", {"slug": "acme/a"})

    return setup


def bench_time(args: argparse.Namespace) -> None:
    policy = RetryPolicy(attempt_timeout=args.attempt_timeout, total_timeout=args.total_timeout)
    slow = {
        "trickled body": lambda: trickle(length=100_000, interval=args.interval),
        "trickled headers": lambda: trickle_headers(interval=args.interval),
        "stall": stall,
    }
    cases: list[tuple[str, Behaviour, Setup]] = []
    for operation in CLIENT_OPERATIONS:
        cases.append(
            (
                f"client {operation:<6} / trickled body",
                slow["trickled body"](),
                client_call(operation, policy),
            )
        )
    for operation in ("get", "create"):
        for name in ("trickled headers", "stall"):
            cases.append((f"client {operation:<6} / {name}", slow[name](), client_call(operation, policy)))
    for rpc in ("Create", "Read"):
        cases.append((f"plugin {rpc:<6} / trickled body", slow["trickled body"](), plugin_call(rpc, policy)))
    print(
        f"## time: {len(cases)} operations at once, each against its own server; attempt bound "
        f"{policy.attempt_timeout:g} s, total budget {policy.total_timeout:g} s, "
        f"trickle 1 byte / {args.interval:g} s\n"
    )
    with ThreadPoolExecutor(max_workers=len(cases)) as pool:
        results = list(pool.map(lambda case: time_one(*case), cases))
    print(f"   {'operation / server':<34} {'seconds':>8} {'over budget':>12} {'requests':>9}   error")
    for label, elapsed, outcome, requests in results:
        over = elapsed - policy.total_timeout
        print(f"   {label:<34} {elapsed:8.2f} {over:+12.2f} {requests:9d}   {outcome[:110]}")
    worst = max(elapsed for _, elapsed, _, _ in results)
    excess = worst - policy.total_timeout
    print(f"\n   worst case {worst:.2f} s against a {policy.total_timeout:g} s budget ({excess:+.2f} s)\n")


_CHILD = r"""
import json, resource, sys
mode, url = sys.argv[1], sys.argv[2]
import httpx
from pulumi_baseten_gateway import GatewayClient, GatewayError
outcome = "ok"
if mode == "bare":
    response = httpx.get(url + "/v1/gateway/endpoints/e1", headers={"Authorization": "Api-Key k"}, timeout=60)
    outcome = f"{len(response.content):,} bytes decoded"
else:
    with GatewayClient("k", base_url=url) as client:
        try:
            client.endpoints.get("e1")
        except GatewayError as exc:
            outcome = type(exc).__name__
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"peak_rss_mb": peak, "outcome": outcome}))
"""


def peak_rss(mode: str, behaviour: Behaviour) -> tuple[float, str]:
    with HostileServer(lambda request, index: behaviour) as server:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, mode, server.base_url],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=True,
        )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["peak_rss_mb"]), str(result["outcome"])


def bench_memory(args: argparse.Namespace) -> None:
    size = args.bomb_mib << 20
    gzip_body = bomb(size)
    print(
        f"## memory: peak RSS of a fresh process making one GET (cap {DEFAULT_MAX_RESPONSE_BYTES:,} bytes, "
        f"bomb: {size:,} bytes of zeros gzipped)\n"
    )
    arms = [
        ("GatewayClient, healthy answer (baseline)", "client", json_reply(200, ENDPOINT)),
        ("GatewayClient, gzip bomb", "client", gzip_body),
    ]
    if not args.no_reference:
        arms.append(("bare httpx.get, gzip bomb (reference)", "bare", gzip_body))
    for label, mode, behaviour in arms:
        rss, outcome = peak_rss(mode, behaviour)
        print(f"   {label:<42} {rss:8.1f} MB   {outcome}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = RetryPolicy()
    parser.add_argument("--only", choices=["time", "memory"])
    parser.add_argument("--attempt-timeout", type=float, default=defaults.attempt_timeout)
    parser.add_argument("--total-timeout", type=float, default=defaults.total_timeout)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between trickled bytes")
    parser.add_argument("--bomb-mib", type=int, default=1024, help="decoded size of the bomb, MiB")
    parser.add_argument("--no-reference", action="store_true", help="skip the bare-httpx bomb arm")
    args = parser.parse_args()
    now = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    python = platform.python_version()
    print(f"bench_hostile.py  {now}  python {python}  {os.cpu_count()} CPUs  {platform.platform()}\n")
    logging.getLogger(LOGGER_NAME).setLevel(logging.ERROR)  # one warning per retry: not the figures
    if args.only in (None, "memory"):
        bench_memory(args)
    if args.only in (None, "time"):
        bench_time(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
