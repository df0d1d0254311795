"""A PostgreSQL server for a test: Pulumi's shared state backend (``pulumi login postgres://...``).

:class:`PostgresServer` makes a cluster in a temporary directory (``initdb``, trust authentication, for the
``postgres`` role), starts ``postgres`` on 127.0.0.1 at a free port with its socket in that directory, waits
until it answers, and stops it (``pg_ctl stop -m fast``) when the context ends. The server refuses to run as
root, so as root (CI) it runs as the ``postgres`` user the Debian package made. The programs come from
``tools/postgres/ensure.sh`` (``make postgres``), which installs Debian's package when it is missing.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from .engine import REPO_ROOT, built_dir

__all__ = ["PostgresServer", "postgres_bin_dir"]

ENSURE_SCRIPT = REPO_ROOT / "tools" / "postgres" / "ensure.sh"
_START_TIMEOUT = 30.0


@functools.cache
def postgres_bin_dir() -> Path:
    """The directory of ``initdb``, ``postgres`` and ``pg_ctl`` (installed on first use if missing)."""
    return built_dir(ENSURE_SCRIPT, "postgres")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresServer:
    """A throwaway PostgreSQL server on 127.0.0.1; ``url`` is the backend URL for ``pulumi login``."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="pg-test-"))
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres?sslmode=disable"

    def _as_server_user(self, *command: str) -> list[str]:
        if os.geteuid() != 0:
            return list(command)
        return ["runuser", "-u", "postgres", "--", *command]

    def __enter__(self) -> PostgresServer:
        bin_dir = postgres_bin_dir()
        if os.geteuid() == 0:
            shutil.chown(self._dir, "postgres")
        data = self._dir / "data"
        subprocess.run(
            self._as_server_user(
                str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8"
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = ("-p", str(self.port), "-k", str(self._dir), "-c", "listen_addresses=127.0.0.1")
        self._process = subprocess.Popen(
            self._as_server_user(str(bin_dir / "postgres"), "-D", str(data), *options, "-c", "fsync=off"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while True:  # until it accepts connections: pg_isready's answer, not a sleep
            ready = subprocess.run(
                [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-t", "5"],
                capture_output=True,
                timeout=30,
                check=False,
            )
            if ready.returncode == 0:
                return self
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"PostgreSQL did not start on 127.0.0.1:{self.port}")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process is not None and self._process.poll() is None:
            subprocess.run(
                self._as_server_user(
                    str(postgres_bin_dir() / "pg_ctl"), "-D", str(self._dir / "data"), "stop", "-m", "fast"
                ),
                capture_output=True,
                timeout=60,
                check=False,
            )
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self._dir, ignore_errors=True)
