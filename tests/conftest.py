"""Shared fixtures: one gateway emulator for the session, and a factory for private ones.

``emulator`` is shared by every test: use :func:`tests.harness.emulator.unique_slug` for slugs and never
change its faults or rate limit. ``make_emulator`` starts a fresh process (own database and config)
per call and stops it at teardown.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.harness.emulator import (  # noqa: E402
    DEFAULT_WORKSPACES,
    TEST_RATE_LIMIT,
    EmulatorProcess,
    write_config,
)

MakeEmulator = Callable[..., EmulatorProcess]

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
