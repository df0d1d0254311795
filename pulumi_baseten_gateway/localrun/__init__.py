"""Run Pulumi programs and the Endpoint provider plugin without the Pulumi CLI.

The Pulumi CLI is a separate download; this package drives the same processes ``pulumi up`` launches
(``python -m pulumi.dynamic`` with our provider inside) over their real gRPC protocol, and runs a
program under Pulumi's mock runtime with every registration handed to that plugin; and it starts the
gateway emulator as a subprocess. Our tests, benchmarks, ``make demo`` on machines without the CLI, and
users' own CI use it.
"""

from __future__ import annotations

from .emulator import EmulatorProcess
from .plugin import UNKNOWN, Failure, PluginError, ProviderPlugin, without_provider
from .program import Registration, run_program

__all__ = [
    "UNKNOWN",
    "EmulatorProcess",
    "Failure",
    "PluginError",
    "ProviderPlugin",
    "Registration",
    "run_program",
    "without_provider",
]
