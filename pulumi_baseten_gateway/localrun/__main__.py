"""``python -m pulumi_baseten_gateway.localrun PROGRAM_DIR``: a ``pulumi up`` of a new stack, without the CLI.

Starts the real provider plugin, configures it from ``--config KEY=VALUE`` (e.g. ``baseten:apiUrl=...``;
the API key is best left in ``BASETEN_API_KEY``), runs the program under Pulumi's mock runtime with each
registration sent to the plugin, and prints the resources and stack outputs as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .plugin import ProviderPlugin
from .program import run_program


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_baseten_gateway.localrun", description=__doc__)
    parser.add_argument("program_dir", type=Path)
    parser.add_argument("--project", default=None, help="project name (default: the program folder's name)")
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    config: dict[str, str] = {}
    for item in args.config:
        key, sep, value = item.partition("=")
        if not sep or ":" not in key:
            parser.error(f"--config takes namespace:key=value, got {item!r}")
        config[key] = value
    program_dir: Path = args.program_dir
    if not (program_dir / "__main__.py").is_file():
        parser.error(f"{program_dir} has no __main__.py")
    with ProviderPlugin() as plugin:
        plugin.configure(config)
        try:
            registrations, outputs = run_program(
                program_dir,
                plugin,
                project=args.project or program_dir.resolve().name,
                stack=args.stack,
                config=config,
            )
        except Exception as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    report = {
        "resources": [
            {"type": r.type, "name": r.name, "id": r.id, "outputs": r.outputs} for r in registrations
        ],
        "outputs": outputs,
    }
    json.dump(report, sys.stdout, indent=2, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
