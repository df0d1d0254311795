"""The package's layers only point down, and no import goes in a circle.

The import graph is read from the source (every ``import``, at module level, under ``TYPE_CHECKING`` or
inside a function: a lazy import is still a dependency), so the test sees what a reader sees. The layers,
bottom first:

0. the API's objects and field rules (``api.models``, ``api.rules``), the errors, process helpers;
1. the HTTP client (the rest of ``api``) and the settings that build it;
2. the declarations and lifecycle cores (``resources``), and the schema generated from them;
3. what adapts the cores or the rules to a caller: the dynamic provider, the native plugin, the policy pack,
   and the emulator (which stands for the API in tests);
4. the package face (``pulumi_baseten_gateway/__init__.py``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "pulumi_baseten_gateway"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE

#: Module-name prefixes of each layer, bottom first; the longest matching prefix decides.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("api.models", "api.rules", "errors", "_process"),
    ("api", "settings"),
    ("resources", "schema"),
    ("dynamic", "native", "terraform", "provider", "policy", "emulator"),
    ("",),
)


def _modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join((PACKAGE, *parts))] = path
    return modules


MODULES = _modules()


def _imports(module: str, path: Path) -> Iterator[str]:
    """The modules of ours that ``module`` imports (the module itself when a name is a submodule)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    yield submodule if submodule in MODULES else target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE):
                    yield alias.name


GRAPH = {module: sorted(set(_imports(module, path)) - {module}) for module, path in MODULES.items()}


def layer_of(module: str) -> int:
    name = module.removeprefix(PACKAGE).removeprefix(".")
    best, best_length = len(LAYERS) - 1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = prefix == "" or name == prefix or name.startswith(prefix + ".")
            if matches and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    return best


def test_the_graph_is_read() -> None:
    """The reader finds what the package is known to import, relative and absolute, so an empty graph
    cannot pass the tests below."""
    assert f"{PACKAGE}.api.models.base" in GRAPH[f"{PACKAGE}.api.models.endpoint"]
    assert f"{PACKAGE}.api.rules.endpoint" in GRAPH[f"{PACKAGE}.api.rules.group"]
    assert f"{PACKAGE}.resources.endpoint.core" in GRAPH[f"{PACKAGE}.provider"]
    assert sum(map(len, GRAPH.values())) > 200


def test_the_layers_are_assigned() -> None:
    assert layer_of(f"{PACKAGE}.api.models.endpoint") == 0
    assert layer_of(f"{PACKAGE}.api.transport") == 1
    assert layer_of(f"{PACKAGE}.resources.group.core") == 2
    assert layer_of(f"{PACKAGE}.native.server") == 3
    assert layer_of(f"{PACKAGE}.terraform.provider") == 3
    assert layer_of(PACKAGE) == 4


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_points_up(module: str) -> None:
    upward = [target for target in GRAPH[module] if layer_of(target) > layer_of(module)]
    assert not upward, f"{module} (layer {layer_of(module)}) imports from a layer above: {upward}"


def test_no_import_circle() -> None:
    """Tarjan's strongly connected components: any with two or more modules is a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in GRAPH.get(module, []):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert not circles, f"import circles: {circles}"


#: The longest a module of the package may be: past it, a module holds more than one thing.
MAX_MODULE_LINES = 400


def test_no_module_is_over_the_line_limit() -> None:
    sizes = {module: len(path.read_text().splitlines()) for module, path in MODULES.items()}
    assert max(sizes.values()) > MAX_MODULE_LINES // 4  # the files were read
    over = {module: lines for module, lines in sizes.items() if lines > MAX_MODULE_LINES}
    assert not over, f"modules over {MAX_MODULE_LINES} lines: {over}"
