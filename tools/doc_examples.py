"""pulumi_baseten_gateway/doc_examples.json: the documentation's example programs, for the schema.

Each example is a directory per language under ``examples/docs/`` (``python/endpoint/``,
``typescript/endpoint/``, ``go/endpoint/``, ``yaml/endpoint/``), run by tests/test_examples_program_docs.py.
This collects, for each resource and function, the example's title (its ``Pulumi.yaml`` description, the same
in every language) and the program of each language (``__main__.py``, ``index.ts``, ``main.go``, and the YAML
program without its ``name``/``description``/``runtime`` lines), keyed by the type token the directory names
(``gateway-api-key`` is ``GatewayApiKey``, ``get-endpoint`` is ``getEndpoint``). ``make schema`` writes it;
the schema (:mod:`pulumi_baseten_gateway.schema`) places it into each description as the registry's
``{{% examples %}}`` section, so the SDKs' doc comments and the API pages show the programs the tests run.

    python tools/doc_examples.py examples/docs pulumi_baseten_gateway/doc_examples.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

#: Each language's program file, in the order the registry's examples list them.
PROGRAMS = {"typescript": "index.ts", "python": "__main__.py", "go": "main.go", "yaml": "Pulumi.yaml"}
_PROJECT_KEYS = ("name", "description", "runtime")


def token_of(directory: str) -> str:
    """The token a directory names: ``gateway-api-key`` is ``baseten-gateway:index:GatewayApiKey``,
    ``get-endpoint`` is ``baseten-gateway:index:getEndpoint``."""
    words = directory.split("-")
    name = "".join(word.capitalize() for word in words)
    if words[0] == "get":
        name = "get" + name[3:]
    return f"baseten-gateway:index:{name}"


def _yaml_program(text: str) -> str:
    """The YAML program as a user reads it: the project file without the project's own keys."""
    kept = [line for line in text.splitlines() if not line.startswith(tuple(f"{k}:" for k in _PROJECT_KEYS))]
    return "\n".join(kept).strip("\n") + "\n"


def collect(root: Path) -> dict[str, Any]:
    """``{token: {"title": ..., "programs": {language: source}}}`` of every example under ``root``."""
    names = sorted({path.name for path in root.glob("*/*") if path.is_dir()})
    examples: dict[str, Any] = {}
    for name in names:
        titles = set()
        programs: dict[str, str] = {}
        for language, program in PROGRAMS.items():
            directory = root / language / name
            if not directory.is_dir():
                raise SystemExit(f"{root}/{language}/{name}: missing (every example has all four languages)")
            project = yaml.safe_load((directory / "Pulumi.yaml").read_text(encoding="utf-8"))
            titles.add(str(project["description"]).rstrip("."))
            source = (directory / program).read_text(encoding="utf-8")
            programs[language] = _yaml_program(source) if language == "yaml" else source
        if len(titles) != 1:
            raise SystemExit(f"{name}: the four Pulumi.yaml descriptions differ: {sorted(titles)}")
        examples[token_of(name)] = {"title": titles.pop(), "programs": programs}
    return dict(sorted(examples.items()))


def text(root: Path) -> str:
    return json.dumps(collect(root), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python tools/doc_examples.py EXAMPLES_DIR OUTPUT.json")
    Path(sys.argv[2]).write_text(text(Path(sys.argv[1])), encoding="utf-8")
