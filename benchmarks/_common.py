"""Shared helpers of the benchmarks: the emulator as a subprocess, and small statistics.

Import it from a benchmark run as ``python benchmarks/<name>.py`` (this directory is then first on
``sys.path``). Every process started here is stopped by the context manager that started it.
"""

from __future__ import annotations

import contextlib
import json
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

__all__ = [
    "BENCH_DIR",
    "DEMO_KEY",
    "DEMO_PREFIX",
    "REPO_ROOT",
    "Emulator",
    "fmt_ms",
    "median",
]

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

#: The emulator's default workspace (no ``--config``): key ``demo-key`` with management scope.
DEMO_KEY = "demo-key"
DEMO_PREFIX = "demo"

_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


class Emulator:
    """``python -m pulumi_baseten_gateway.emulator`` on a free port with a throwaway SQLite file.

    ``rate_limit`` is requests/s per key (0 = off). Faults and added latency stay at their defaults
    (off); :meth:`set_rate_limit` changes only the real rate limiter, through the admin API.
    """

    def __init__(
        self,
        *,
        rate_limit: int = 0,
        config: Mapping[str, Any] | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.rate_limit = rate_limit
        self.config = config
        self.extra_args = list(extra_args)
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[bytes] | None = None
        self._base_url: str | None = None
        self._admin: httpx.Client | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        self._dir = tempfile.TemporaryDirectory(prefix="bench-emulator-")
        workdir = Path(self._dir.name)
        command = [
            sys.executable,
            "-m",
            "pulumi_baseten_gateway.emulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--db",
            str(workdir / "emulator.sqlite3"),
            "--rate-limit",
            str(self.rate_limit),
        ]
        if self.config is not None:
            config_path = workdir / "config.json"
            config_path.write_text(json.dumps(self.config), encoding="utf-8")
            command += ["--config", str(config_path)]
        command += self.extra_args
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self._process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL, text=True
        )
        assert self._process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout = self._process.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=_START_TIMEOUT)
        except queue.Empty:
            line = ""
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"emulator did not start (first line {line!r}); stderr:\n{self.stderr}")
        self._base_url = line.strip()
        self._admin = httpx.Client(base_url=self._base_url, timeout=10.0)
        return self

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(_STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(_STOP_TIMEOUT)
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._dir is not None:
            with contextlib.suppress(OSError):
                self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- state -------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("emulator not started")
        return self._base_url

    @property
    def stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    # -- admin API (not rate limited, not counted) ---------------------------------------------------------

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if self._admin is None:
            raise RuntimeError("emulator not started")
        response = self._admin.request(method, path, json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def stats(self) -> dict[str, Any]:
        """Counters: ``total_requests``, ``by_status``, ``rate_limited`` (real 429s), ``endpoints``..."""
        return self._call("GET", "/_emulator/stats")

    def reset_stats(self) -> dict[str, Any]:
        return self._call("POST", "/_emulator/reset-stats")

    def faults(self) -> dict[str, Any]:
        """The fault settings and the real rate limit."""
        return self._call("GET", "/_emulator/faults")

    def set_rate_limit(self, per_second: int) -> dict[str, Any]:
        """Change the real per-key rate limit only; every fault stays as it is (off unless asked)."""
        current = self.faults()
        settings = {k: current[k] for k in ("latency_ms", "error_rate", "rate_limit_rate", "drop_rate")}
        return self._call("PUT", "/_emulator/faults", {**settings, "rate_limit": per_second})
