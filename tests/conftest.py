"""Shared fixtures: one gateway emulator for the session, and a factory for private ones.

``emulator`` is shared by every test: use :func:`harness.emulator.unique_slug` for slugs and never
change its faults or rate limit. ``make_emulator`` starts a fresh process (own database and config)
per call and stops it at teardown.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
# Every process the tests start (plugins, language hosts, programs, the emulator, the policy pack) imports
# the tree under test first, whichever checkout's editable install the virtualenv holds. (An isolated
# program stack drops it: there, nothing of the checkout may be on any path.)
from harness.engine import tree_first  # noqa: E402

os.environ["PYTHONPATH"] = tree_first(os.environ.get("PYTHONPATH"))

from harness.emulator import (  # noqa: E402
    DEFAULT_WORKSPACES,
    TEST_RATE_LIMIT,
    EmulatorProcess,
    write_config,
)
from pulumi_baseten_gateway.settings import close_shared_clients  # noqa: E402

MakeEmulator = Callable[..., EmulatorProcess]


def pytest_report_header(config: pytest.Config) -> str:
    """Which of the two runs the example programs: the language hosts, or the Automation API fallback."""
    from harness.programs import program_mode_reason

    return program_mode_reason()


@pytest.fixture(autouse=True)
def _fresh_shared_clients() -> Iterator[None]:
    """Providers configured in this process share clients by settings; no test sees another's."""
    yield
    close_shared_clients()


# CI replays the same examples every run, so a result there depends on the commit alone; local runs keep
# exploring new ones (and remember failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One emulator for the whole session, with the ``acme`` and ``globex`` workspaces."""
    directory = tmp_path_factory.mktemp("emulator")
    config = write_config(directory / "config.json")
    with EmulatorProcess(directory / "gateway.sqlite3", config_path=config) as process:
        yield process


@pytest.fixture
def make_emulator(tmp_path: Path) -> Iterator[MakeEmulator]:
    """Factory: ``make_emulator("--rate-limit", "5", workspaces=..., rate_limit_per_second=...)``.

    Each call starts a new emulator with its own database (or ``db_path``) and config file (the default
    workspaces unless ``workspaces`` is given; ``config=False`` runs without one, i.e. the demo
    workspace). Every process started is stopped at teardown.
    """
    started: list[EmulatorProcess] = []

    def make(
        *extra_args: str,
        workspaces: Sequence[Mapping[str, Any]] = DEFAULT_WORKSPACES,
        rate_limit_per_second: int = TEST_RATE_LIMIT,
        db_path: Path | None = None,
        config: bool = True,
    ) -> EmulatorProcess:
        index = len(started)
        config_path = None
        if config:
            config_path = write_config(
                tmp_path / f"emulator-{index}.json", workspaces, rate_limit_per_second=rate_limit_per_second
            )
        process = EmulatorProcess(
            db_path or tmp_path / f"emulator-{index}.sqlite3", config_path=config_path, extra_args=extra_args
        )
        started.append(process)
        return process.start()

    yield make
    for process in started:
        process.stop()


def _processes_under(directory: Path) -> dict[int, str]:
    """The processes whose working directory is in ``directory``: pid -> command line."""
    found = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cwd = os.readlink(proc / "cwd")
            if cwd == str(directory) or cwd.startswith(f"{directory}{os.sep}"):
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, ValueError):
            continue  # gone meanwhile, or not ours to read
    return {pid: command for pid, command in found.items() if command}  # a zombie has no command line


@pytest.fixture(autouse=True)
def _nothing_outlives_its_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that ran programs in its ``tmp_path`` leaves no process there (a plugin, a language host, an
    emulator): every service a test starts is stopped by the end of its teardown. What is left is killed,
    and the test fails naming it. (The CLI stops its plugins as it exits; a few seconds are allowed.)"""
    if "tmp_path" not in request.fixturenames:
        yield
        return
    directory = request.getfixturevalue("tmp_path")  # set up before, so torn down after, this fixture
    yield
    deadline = time.monotonic() + 10
    left = _processes_under(directory)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)  # a bounded wait for processes already told to exit, not a synchronisation
        left = _processes_under(directory)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, "processes outlived the test: " + "; ".join(f"{pid}: {cmd}" for pid, cmd in left.items())


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Exit even if an inline Pulumi program is stuck on its thread after a failed CLI run.

    The Automation API runs inline programs on a thread pool that the interpreter joins at exit; a
    program whose engine died mid-run (a broken provider, say) waits forever, and the suite would hang
    after reporting instead of failing. The results are reported by now, so end the process.
    """
    stuck = [t for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor") and t.is_alive()]
    if any(_runs_a_program(thread) for thread in stuck):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status or 1)  # a stuck program means a run failed


def _runs_a_program(thread: threading.Thread) -> bool:
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_filename.endswith(os.path.join("automation", "_server.py")):
            return True
        frame = frame.f_back
    return False
