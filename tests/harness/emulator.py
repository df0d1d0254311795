"""Run the gateway emulator as a real subprocess (uvicorn, TCP, SQLite file), the way users run it.

:class:`EmulatorProcess` starts ``python -m pulumi_baseten_gateway.emulator --port 0``, reads the base
URL from the first stdout line (the emulator prints it once its socket is listening, so no sleeps are
needed), and stops it with SIGTERM. The constants describe the default test workspaces, so other test
files can use the same keys and prefixes.

Never change faults or the rate limit on the session-wide emulator (the ``emulator`` fixture): start a
private one with the ``make_emulator`` fixture instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

__all__ = [
    "ACME_KEY",
    "ACME_PREFIXES",
    "ACME_VIEWER_KEY",
    "ACME_WORKSPACE",
    "DEFAULT_WORKSPACES",
    "ENDPOINTS_PATH",
    "GLOBEX_KEY",
    "GLOBEX_PREFIX",
    "GLOBEX_WORKSPACE",
    "TEST_RATE_LIMIT",
    "EmulatorProcess",
    "auth_headers",
    "unique_slug",
    "write_config",
]

ACME_WORKSPACE = "acme"
ACME_PREFIXES = ("acme", "acme-labs")
ACME_KEY = "acme-key"  # management scope
ACME_VIEWER_KEY = "acme-viewer"  # view scope only: every endpoint operation is 403
GLOBEX_WORKSPACE = "globex"
GLOBEX_PREFIX = "globex"
GLOBEX_KEY = "globex-key"  # management scope
#: High enough that the per-key limit never disturbs a test that does not ask for it.
TEST_RATE_LIMIT = 10_000

ENDPOINTS_PATH = "/v1/gateway/endpoints"

DEFAULT_WORKSPACES: tuple[dict[str, Any], ...] = (
    {
        "name": ACME_WORKSPACE,
        "prefixes": list(ACME_PREFIXES),
        "api_keys": [{"key": ACME_KEY, "scopes": ["manage"]}, {"key": ACME_VIEWER_KEY, "scopes": ["view"]}],
    },
    {
        "name": GLOBEX_WORKSPACE,
        "prefixes": [GLOBEX_PREFIX],
        "api_keys": [{"key": GLOBEX_KEY, "scopes": ["manage"]}],
    },
)

_STARTUP_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0


def write_config(
    path: str | os.PathLike[str],
    workspaces: Sequence[Mapping[str, Any]] = DEFAULT_WORKSPACES,
    *,
    rate_limit_per_second: int = TEST_RATE_LIMIT,
) -> Path:
    """Write an emulator config file (several workspaces by default) and return its path."""
    target = Path(path)
    document = {"workspaces": [dict(w) for w in workspaces], "rate_limit_per_second": rate_limit_per_second}
    target.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return target


def auth_headers(key: str = ACME_KEY, scheme: str = "Api-Key") -> dict[str, str]:
    """``Authorization`` header for ``key`` (``Api-Key`` or ``Bearer``)."""
    return {"Authorization": f"{scheme} {key}"}


def unique_slug(prefix: str = ACME_PREFIXES[0], name: str = "t") -> str:
    """A slug no other test uses (slugs are global on the shared emulator)."""
    return f"{prefix}/{name}-{uuid.uuid4().hex[:12]}"


def _read_first_line(stream: IO[str], lines: queue.Queue[str]) -> None:
    lines.put(stream.readline())


class EmulatorProcess:
    """One emulator subprocess; a context manager that always stops it.

    ``extra_args`` are passed to the CLI (``--rate-limit 5``, ``--drop-rate 1``, ...). :meth:`restart`
    keeps the database, config and (by default) the port, so a client's base URL stays valid.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        config_path: str | os.PathLike[str] | None = None,
        extra_args: Sequence[str] = (),
        startup_timeout: float = _STARTUP_TIMEOUT,
    ) -> None:
        self.db_path = Path(db_path)
        self.config_path = Path(config_path) if config_path is not None else None
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[bytes] | None = None
        self._base_url: str | None = None
        self._port = 0
        self._last_stderr = ""

    # -- lifecycle ---------------------------------------------------------------------------------------

    def command(self, port: int | None = None) -> list[str]:
        """The command line that starts this emulator."""
        command = [
            sys.executable,
            "-m",
            "pulumi_baseten_gateway.emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(self._port if port is None else port),
            "--db",
            str(self.db_path),
        ]
        if self.config_path is not None:
            command += ["--config", str(self.config_path)]
        return command + self.extra_args

    def start(self) -> EmulatorProcess:
        """Start the process and wait for its base URL; raises with its stderr if it does not come up."""
        if self.running:
            raise RuntimeError("emulator already running")
        # stderr goes to a file: a pipe nobody reads could fill up and block the server.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self._process = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_read_first_line, args=(self._process.stdout, lines), daemon=True).start()
        try:
            line: str | None = lines.get(timeout=self.startup_timeout)
        except queue.Empty:
            line = None
        if line is None or not line.startswith("http://"):
            error = f"emulator did not print its URL within {self.startup_timeout} s"
            if line == "":  # EOF on stdout: the process is exiting; collect its status
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(_STOP_TIMEOUT)
            if self._process.poll() is not None:
                error = f"emulator exited with status {self._process.returncode} before printing its URL"
            elif line:
                error = f"emulator printed {line.strip()!r} instead of its URL"
            self.stop()
            raise RuntimeError(f"{error}; command: {self.command()}; stderr:\n{self.stderr}")
        self._base_url = line.strip()
        self._port = int(self._base_url.rsplit(":", 1)[1])
        return self

    def stop(self, timeout: float = _STOP_TIMEOUT) -> int | None:
        """SIGTERM, wait, then SIGKILL if needed; returns the exit status (None if never started)."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if process.stdout is not None:
            process.stdout.close()
        self._last_stderr = self.stderr
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._process = None
        return process.returncode

    def wait(self, timeout: float = _STOP_TIMEOUT) -> int:
        """Wait for the process to exit by itself (after a signal sent by the test); returns its status."""
        if self._process is None:
            raise RuntimeError("emulator not started")
        return self._process.wait(timeout)

    def restart(self, *, keep_port: bool = True) -> EmulatorProcess:
        """Stop and start again on the same database and config (and port, unless ``keep_port=False``)."""
        self.stop()
        if not keep_port:
            self._port = 0
        return self.start()

    def __enter__(self) -> EmulatorProcess:
        return self.start() if not self.running else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- state -------------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id while started."""
        return self._process.pid if self._process is not None else None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._base_url is None:
            raise RuntimeError("emulator not started")
        return self._base_url

    @property
    def stderr(self) -> str:
        """What the process has written to stderr so far (or wrote before its last stop)."""
        if self._stderr is None:
            return self._last_stderr
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def url(self, path: str = "") -> str:
        """``base_url + path``."""
        return self.base_url + path

    # -- admin API ---------------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """``GET /_emulator/stats``: request, status, fault and endpoint counters."""
        return self._admin("GET", "/_emulator/stats")

    def reset_stats(self) -> dict[str, Any]:
        """``POST /_emulator/reset-stats``."""
        return self._admin("POST", "/_emulator/reset-stats")

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """``PUT /_emulator/faults``: replaces the fault settings (omitted rates are 0); returns them.

        Fields: ``latency_ms``, ``error_rate``, ``rate_limit_rate``, ``drop_rate``, ``seed`` (reseeds),
        ``rate_limit`` (requests/s per key; unchanged when omitted).
        """
        return self._admin("PUT", "/_emulator/faults", settings)

    def faults(self) -> dict[str, Any]:
        """``GET /_emulator/faults``."""
        return self._admin("GET", "/_emulator/faults")

    def _admin(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.request(method, self.url(path), json=body, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result
