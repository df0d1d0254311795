"""A PostgreSQL server for a test: Pulumi's shared state backend (``pulumi login postgres://...``).

:class:`PostgresServer` makes a cluster in a temporary directory (``initdb``, trust authentication, for the
``postgres`` role), starts it on 127.0.0.1 at a free port with its socket in that directory (``pg_ctl start
-w``: back once the server accepts connections), and stops it (``pg_ctl stop -m fast``) when the context
ends. The server refuses to run as root, so as root (CI) it runs as the ``postgres`` user the Debian
package made. The programs come from ``tools/postgres/ensure.sh`` (``make postgres``), which installs
Debian's package when it is missing.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

from .engine import REPO_ROOT, built_dir

__all__ = ["PostgresServer", "postgres_bin_dir"]

ENSURE_SCRIPT = REPO_ROOT / "tools" / "postgres" / "ensure.sh"
_START_TIMEOUT = 30


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
        self._log = self._dir / "server.log"
        self._started = False

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres?sslmode=disable"

    def _as_server_user(self, *command: str) -> list[str]:
        if os.geteuid() != 0:
            return list(command)
        return ["runuser", "-u", "postgres", "--", *command]

    def _pg_ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
        command = [str(postgres_bin_dir() / "pg_ctl"), "-D", str(self._dir / "data"), *args]
        return subprocess.run(
            self._as_server_user(*command), capture_output=True, timeout=timeout + 30, check=False
        )

    def __enter__(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self._dir, "postgres")
        initdb = (str(postgres_bin_dir() / "initdb"), "-D", str(self._dir / "data"), "--auth=trust")
        subprocess.run(
            self._as_server_user(*initdb, "-U", "postgres", "-E", "UTF8"),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        # -w: pg_ctl returns once the server accepts connections (or fails, after -t seconds).
        started = self._pg_ctl("start", "-w", "-t", str(_START_TIMEOUT), "-o", options, "-l", str(self._log))
        self._started = started.returncode == 0
        if not self._started:
            log = self._log.read_text(errors="replace") if self._log.exists() else ""
            self.__exit__(None, None, None)
            raise RuntimeError(f"PostgreSQL did not start on 127.0.0.1:{self.port}:\n{log[-2000:]}")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._started:
            self._pg_ctl("stop", "-w", "-m", "fast")
            self._started = False
        shutil.rmtree(self._dir, ignore_errors=True)
