"""Run the gateway emulator as a subprocess, the way users run it, and steer it through its admin API.

``EmulatorProcess`` starts ``python -m pulumi_baseten_gateway.emulator --port 0``, reads the base URL
from the first stdout line (printed once its socket listens, so nothing has to sleep), and stops it with
SIGTERM, all through :class:`pulumi_baseten_gateway._process.ChildProcess`. Our tests, benchmarks and
``make demo`` use it; so can users' own CI (the emulator needs the ``emulator`` extra:
``pip install 'pulumi-baseten-gateway[emulator]'``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from .._process import ChildProcess, ChildStartupError

__all__ = ["EmulatorProcess"]

_STARTUP_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0


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
        self._child = ChildProcess()
        self._base_url: str | None = None
        self._port = 0

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
        self._child.stop()  # reap a process that exited by itself
        try:
            line = self._child.start(
                self.command(), startup_timeout=self.startup_timeout, stop_timeout=_STOP_TIMEOUT
            )
        except ChildStartupError as exc:
            if exc.returncode is not None:
                error = f"emulator exited with status {exc.returncode} before printing its URL"
            else:
                error = f"emulator did not print its URL within {self.startup_timeout} s"
            raise RuntimeError(f"{error}; command: {self.command()}; stderr:\n{exc.stderr}") from None
        if not line.startswith("http://"):
            if self._child.running:
                error = f"emulator printed {line.strip()!r} instead of its URL"
            else:
                error = f"emulator exited with status {self._child.returncode} before printing its URL"
            self.stop()
            raise RuntimeError(f"{error}; command: {self.command()}; stderr:\n{self.stderr}")
        self._base_url = line.strip()
        self._port = int(self._base_url.rsplit(":", 1)[1])
        return self

    def stop(self, timeout: float = _STOP_TIMEOUT) -> int | None:
        """SIGTERM, wait, then SIGKILL if needed; returns the exit status (None if never started)."""
        return self._child.stop(timeout)

    def wait(self, timeout: float = _STOP_TIMEOUT) -> int:
        """Wait for the process to exit by itself (after a signal sent by the test); returns its status."""
        if not self._child.started:
            raise RuntimeError("emulator not started")
        return self._child.wait(timeout)

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
        return self._child.running

    @property
    def pid(self) -> int | None:
        """The process id while started."""
        return self._child.pid

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._base_url is None:
            raise RuntimeError("emulator not started")
        return self._base_url

    @property
    def stderr(self) -> str:
        """What the process has written to stderr so far (or wrote before its last stop)."""
        return self._child.stderr

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
