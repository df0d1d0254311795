"""Run a Pulumi program under the mock runtime, handing every registration to the real plugin.

This is what ``pulumi up`` on a new stack does for our resources: for each ``Endpoint`` the engine sends
Check, then Create, to the dynamic-provider plugin; for ``Endpoint.get`` it sends Read. Other resource
types get no provider here and are echoed back, as Pulumi's mocks do.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .plugin import ProviderPlugin, without_provider

__all__ = ["Registration", "run_program"]

_DYNAMIC_PREFIX = "pulumi-python:dynamic"


@dataclass
class Registration:
    """One resource the program registered, and what the plugin answered."""

    type: str
    name: str
    id: str
    outputs: dict[str, Any] = field(default_factory=dict)


def _unwrap(value: Any) -> Any:
    from pulumi.runtime import rpc

    return rpc.unwrap_rpc_secret(value)


def run_program(
    program_dir: str | os.PathLike[str],
    plugin: ProviderPlugin,
    *,
    project: str = "project",
    stack: str = "dev",
    config: Mapping[str, str] | None = None,
) -> tuple[list[Registration], dict[str, Any]]:
    """Run ``program_dir/__main__.py`` once in this process; return registrations and stack outputs.

    The mock runtime is process-global: call this at most once per process (the CLI entry point runs
    it in a fresh interpreter).
    """
    import pulumi
    from pulumi.runtime import settings
    from pulumi.runtime import stack as pulumi_stack
    from pulumi.runtime.sync_await import _sync_await

    os.environ["PULUMI_CONFIG"] = json.dumps(dict(config or {}))
    registrations: list[Registration] = []
    failures: list[str] = []

    class _PluginMocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
            if not args.typ.startswith(_DYNAMIC_PREFIX):
                return f"{args.name}-id", dict(args.inputs)
            inputs = {k: _unwrap(v) for k, v in args.inputs.items()}
            try:
                if args.resource_id:
                    id_, outputs, _ = plugin.read(args.resource_id, {}, inputs, name=args.name)
                else:
                    checked, check_failures = plugin.check(inputs, name=args.name)
                    if check_failures:
                        details = "; ".join(f"{f.property}: {f.reason}" for f in check_failures)
                        raise ValueError(f"{args.typ} {args.name!r} failed its check: {details}")
                    id_, outputs = plugin.create(checked, name=args.name)
            except Exception as exc:
                failures.append(str(exc))
                raise
            outputs = without_provider(outputs)
            registrations.append(Registration(args.typ, args.name, id_, outputs))
            return id_, outputs

        def call(
            self, args: pulumi.runtime.MockCallArgs
        ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
            return {}, None

    pulumi.runtime.set_mocks(_PluginMocks(), project=project, stack=stack, preview=False)
    main = Path(program_dir) / "__main__.py"
    sys.path.insert(0, str(Path(program_dir).resolve()))
    settings.SETTINGS.outputs.clear()

    def body() -> None:
        runpy.run_path(str(main), run_name="__main__")

    _sync_await(pulumi_stack.run_pulumi_func(body))
    if failures:
        raise RuntimeError("; ".join(failures))
    exported = getattr(settings.get_root_resource(), "outputs", None)
    root_outputs = {
        key: _sync_await(pulumi.Output.from_input(value).future())
        for key, value in (exported.items() if isinstance(exported, dict) else ())
    }
    return registrations, root_outputs
