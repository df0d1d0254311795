"""One child process that announces it is ready with its first line of stdout.

The emulator prints its base URL, a Pulumi dynamic-provider plugin and a policy pack print their gRPC
port: the parent waits for that line (bounded, on a reader thread, never by sleeping), and then knows
the child is serving. :class:`ChildProcess` is that pattern once, for
:class:`~pulumi_baseten_gateway.emulator.process.EmulatorProcess` and the test harness:

* stdout is a pipe read by a daemon thread: the first line is handed over, later lines are kept in
  :attr:`ChildProcess.stdout_lines` (a pipe nobody reads could fill up and block the child);
* stderr goes to a temporary file, readable at any time with :attr:`ChildProcess.stderr` (and still
  after :meth:`ChildProcess.stop`). It is read with ``pread``, which leaves the file offset the child
  writes at untouched;
* :meth:`ChildProcess.stop` sends SIGTERM, waits, then SIGKILLs.

POSIX only, like the signals it sends.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from typing import IO

__all__ = ["DEFAULT_STOP_TIMEOUT", "ChildProcess", "ChildStartupError"]

#: Seconds :meth:`ChildProcess.stop` waits after SIGTERM (and again after SIGKILL).
DEFAULT_STOP_TIMEOUT = 10.0
_CHUNK = 1 << 16


class ChildStartupError(RuntimeError):
    """The child closed its stdout, or stayed silent, before printing its first line.

    By the time this is raised the child has been stopped. ``returncode`` is its exit status if it had
    exited by itself (None if it was still running and had to be stopped), ``stderr`` what it wrote
    there, and ``timed_out`` whether the parent gave up waiting (rather than seeing stdout close).
    """

    def __init__(
        self, command: Sequence[str], *, timed_out: bool, returncode: int | None, stderr: str
    ) -> None:
        self.command = list(command)
        self.timed_out = timed_out
        self.returncode = returncode
        self.stderr = stderr
        if returncode is not None:
            what = f"exited with status {returncode} before printing its first line"
        elif timed_out:
            what = "printed nothing on stdout in time"
        else:
            what = "closed its stdout before printing its first line"
        super().__init__(f"the process {what}; command: {self.command}; stderr:\n{stderr}")


def _read_file(fd: int) -> str:
    """The whole file behind ``fd``, read with ``pread`` so the shared offset is not moved."""
    chunks: list[bytes] = []
    offset = 0
    while chunk := os.pread(fd, _CHUNK, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _drain(stream: IO[str], first_line: queue.Queue[str], later_lines: list[str]) -> None:
    """Hand over the first line ("" at EOF), then keep reading to EOF so the child never blocks."""
    try:
        first_line.put(stream.readline())
        for line in iter(stream.readline, ""):
            later_lines.append(line)
    except (OSError, ValueError):  # the stream was closed under us
        first_line.put("")


class ChildProcess:
    """A child process started by :meth:`start`, stopped by :meth:`stop`; it may be started again."""

    def __init__(self) -> None:
        self._popen: subprocess.Popen[str] | None = None
        self._stderr_file: IO[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._stderr_text = ""
        self._returncode: int | None = None
        self.command: list[str] = []
        #: The stdout lines after the first (line endings kept), of the current or last run.
        self.stdout_lines: list[str] = []

    def start(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        startup_timeout: float,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
    ) -> str:
        """Start ``command`` and return its first stdout line (without the line ending).

        ``env`` replaces the environment when given. Raises :class:`ChildStartupError` (after stopping
        the child) if stdout closes first, or if no line comes within ``startup_timeout`` seconds; when
        stdout closes, the child gets ``stop_timeout`` seconds to exit so its status can be reported.
        """
        if self._popen is not None:
            raise RuntimeError(f"already started: {self.command}")
        self.command = list(command)
        self.stdout_lines = []
        self._stderr_text = ""
        self._returncode = None
        self._stderr_file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        try:
            self._popen = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr_file,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                encoding="utf-8",
                errors="replace",
            )
        except BaseException:
            self._stderr_file.close()
            self._stderr_file = None
            raise
        assert self._popen.stdout is not None
        first_line: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(
            target=_drain, args=(self._popen.stdout, first_line, self.stdout_lines), daemon=True
        )
        self._reader.start()
        try:
            line: str | None = first_line.get(timeout=startup_timeout)
        except queue.Empty:
            line = None
        except BaseException:  # interrupted: never leave the child behind
            self.stop(stop_timeout)
            raise
        if line:
            return line.rstrip("\r\n")
        if line == "":  # EOF: the child is exiting; collect its status
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(stop_timeout)
        returncode = self._popen.poll()
        self.stop(stop_timeout)
        raise ChildStartupError(
            self.command, timed_out=line is None, returncode=returncode, stderr=self.stderr
        )

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> int | None:
        """SIGTERM, wait, then SIGKILL if needed; the exit status (None if nothing was started)."""
        popen = self._popen
        if popen is None:
            return None
        if popen.poll() is None:
            popen.terminate()
            try:
                popen.wait(timeout)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait(timeout)
        reader = self._reader
        if reader is not None:
            reader.join(timeout)  # the child is gone, so its stdout is at EOF
        if popen.stdout is not None and (reader is None or not reader.is_alive()):
            # (A grandchild may still hold the pipe open: then leave the stream to the blocked reader.)
            popen.stdout.close()
        self._stderr_text = self.stderr
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None
        self._popen = None
        self._reader = None
        self._returncode = popen.returncode
        return popen.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to exit by itself; its exit status (TimeoutExpired if it does not)."""
        if self._popen is None:
            raise RuntimeError("process not started")
        return self._popen.wait(timeout)

    def poll(self) -> int | None:
        """The exit status if the child has exited (also after :meth:`stop`), else None."""
        return self._popen.poll() if self._popen is not None else self._returncode

    @property
    def returncode(self) -> int | None:
        """Same as :meth:`poll`."""
        return self.poll()

    @property
    def started(self) -> bool:
        """Whether a child was started and not yet stopped (it may have exited by itself)."""
        return self._popen is not None

    @property
    def running(self) -> bool:
        """Whether the child is alive."""
        return self._popen is not None and self._popen.poll() is None

    @property
    def pid(self) -> int | None:
        """The child's process id, from :meth:`start` until :meth:`stop`."""
        return self._popen.pid if self._popen is not None else None

    @property
    def stderr(self) -> str:
        """What the child has written to stderr so far (or wrote, once stopped)."""
        if self._stderr_file is None:
            return self._stderr_text
        return _read_file(self._stderr_file.fileno())
