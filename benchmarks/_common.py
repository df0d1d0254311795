"""Shared helpers of the benchmarks: the emulator as a subprocess, and small statistics.

Import it from a benchmark run as ``python benchmarks/<name>.py`` (this directory is then first on
``sys.path``). Every process started here is stopped by the context manager that started it.
"""

from __future__ import annotations

import compileall
import contextlib
import json
import statistics
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from pulumi_baseten_gateway.emulator.process import EmulatorProcess

__all__ = [
    "BENCH_DIR",
    "DEMO_KEY",
    "DEMO_PREFIX",
    "REPO_ROOT",
    "Emulator",
    "byte_compile",
    "fmt_ms",
    "median",
]

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent

#: The emulator's default workspace (no ``--config``): key ``demo-key`` with management scope.
DEMO_KEY = "demo-key"
DEMO_PREFIX = "demo"


def byte_compile() -> None:
    """Write the bytecode of our package and of the reference provider, as ``pip install`` does.

    An editable checkout on a machine with ``PYTHONDONTWRITEBYTECODE=1`` (this project's machines) would
    otherwise compile our modules from source in every new process, while the libraries in site-packages
    were compiled at install: a start-up benchmark would time the compiler, not the start-up.
    """
    for path in (REPO_ROOT / "pulumi_baseten_gateway", BENCH_DIR / "reference_provider.py"):
        compiled = (compileall.compile_dir if path.is_dir() else compileall.compile_file)(path, quiet=1)
        if not compiled:
            raise RuntimeError(f"could not byte-compile {path}")


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3f} ms"


class Emulator(EmulatorProcess):
    """The emulator in a throwaway directory, with faults and added latency off.

    ``rate_limit`` is requests/s per key (0 = off); :meth:`set_rate_limit` changes only the real rate
    limiter, through the admin API. The directory goes when the context ends.
    """

    def __init__(
        self,
        *,
        rate_limit: int = 0,
        config: Mapping[str, Any] | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="bench-emulator-")
        workdir = Path(self._dir.name)
        config_path = None
        if config is not None:
            config_path = workdir / "config.json"
            config_path.write_text(json.dumps(config), encoding="utf-8")
        super().__init__(
            workdir / "emulator.sqlite3",
            config_path=config_path,
            extra_args=["--rate-limit", str(rate_limit), *extra_args],
        )

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        with contextlib.suppress(OSError):
            self._dir.cleanup()

    def set_rate_limit(self, per_second: int) -> dict[str, Any]:
        """Change the real per-key rate limit only; every fault stays as it is (off unless asked)."""
        current = self.faults()
        settings = {k: current[k] for k in ("latency_ms", "error_rate", "rate_limit_rate", "drop_rate")}
        return self.set_faults(**settings, rate_limit=per_second)
