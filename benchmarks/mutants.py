"""Mutation testing of the modules where a wrong line costs users most (``make mutants``).

Runs mutmut (configured in ``pyproject.toml``, ``[tool.mutmut]``: which modules it mutates and which fast
tests it runs), then prints per module how many mutants the tests killed, how many survived, timed out
(the tests looped: detected, like a kill) or were reached by no test, the kill rate ((killed + timed out)
/ reached), and every survivor (survived or reached by no test) with its line and diff. Hypothesis runs
derandomized (``CI=true``), so two runs of one commit see the same examples.

    python benchmarks/mutants.py                  # a fresh run: mutants/ is removed first
    python benchmarks/mutants.py --survivors      # after adding tests: re-run what the last run left alive
    python benchmarks/mutants.py --report-only    # the table and survivors of the last run
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
BIN = Path(sys.executable).parent

# mutmut's exit codes of a mutant's test run (mutmut.stats.status_by_exit_code, 3.8), in our columns. A
# timeout (the tests ran past their CPU limit: the mutant made them loop) is detected, like a kill.
KILLED = "killed"
SURVIVED = "survived"
TIMEOUT = "timeout"
NOT_RUN = "not run"
STATUS_BY_EXIT_CODE = {
    1: KILLED,
    3: KILLED,
    0: SURVIVED,
    5: "no tests",
    33: "no tests",
    36: TIMEOUT,
    -24: TIMEOUT,  # SIGXCPU
    24: TIMEOUT,
    152: TIMEOUT,
    255: TIMEOUT,
    None: NOT_RUN,  # the run was stopped before it reached this mutant
}
DETECTED = (KILLED, TIMEOUT)
OTHER = "other"  # mutmut's suspicious, skipped, interrupted, ...
COLUMNS = (KILLED, SURVIVED, TIMEOUT, "no tests", OTHER, NOT_RUN)


@dataclass(frozen=True)
class Mutant:
    name: str
    source: Path
    status: str


def load_results() -> dict[Path, list[Mutant]]:
    """Every mutant of the last run, by source file (from mutmut's ``mutants/**/*.py.meta``)."""
    results: dict[Path, list[Mutant]] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        source = meta.relative_to(MUTANTS).with_suffix("")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        results[source] = [
            Mutant(name, source, STATUS_BY_EXIT_CODE.get(c, OTHER)) for name, c in codes.items()
        ]
    return results


def function_name(mutant: str) -> str:
    """``pkg.mod.x_func__mutmut_3`` -> ``func``; ``pkg.mod.xǁClassǁmethod__mutmut_3`` -> ``Class.method``."""
    mangled = mutant.rpartition(".")[2].rpartition("__mutmut_")[0]
    if mangled.startswith("xǁ"):
        return ".".join(mangled[2:].split("ǁ"))
    return mangled[2:]


def function_lines(source: Path) -> dict[str, int]:
    """The first line (decorators included) of every function and method of ``source``, by name."""
    first: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = [child.lineno] + [d.lineno for d in child.decorator_list]
                first[prefix + child.name] = min(lines)
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(ast.parse((ROOT / source).read_text()), "")
    return first


def changed_line(diff: str, start: int) -> int:
    """The file line of a function-relative diff's first changed line (the function begins at ``start``)."""
    line = start
    for text in diff.splitlines():
        if text.startswith("@@"):
            line = start + int(text.split()[1].lstrip("-").split(",")[0]) - 1
        elif text.startswith(("---", "+++")):
            continue
        elif text.startswith(("-", "+")):
            return line
        else:
            line += 1
    return start


def survivor_report(survivors: list[Mutant]) -> list[str]:
    """``file:line  mutant`` and the diff (only its changed lines) of each survivor."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    lines: list[str] = []
    starts: dict[Path, dict[str, int]] = {}
    for mutant in survivors:
        diff = get_diff_for_mutant(mutant.name, path=mutant.source)
        if mutant.source not in starts:
            starts[mutant.source] = function_lines(mutant.source)
        start = starts[mutant.source].get(function_name(mutant.name), 1)
        lines.append(f"{mutant.source}:{changed_line(diff, start)}  {mutant.name.rpartition('.')[2]}")
        lines += [
            f"    {text}"
            for text in diff.splitlines()
            if text.startswith(("-", "+")) and not text.startswith(("---", "+++"))
        ]
    return lines


def not_killed(results: dict[Path, list[Mutant]]) -> list[Mutant]:
    """Every mutant the run reached and did not detect (survived, reached by no test, or other)."""
    return [m for mutants in results.values() for m in mutants if m.status not in (*DETECTED, NOT_RUN)]


def report(results: dict[Path, list[Mutant]]) -> int:
    """Print the per-module table and the survivors; the number of survivors."""
    print("| module | mutants | killed | survived | timeout | no tests | other | not run | kill rate |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    total: Counter[str] = Counter()
    for source, mutants in results.items():
        counts = Counter(m.status for m in mutants)
        total.update(counts)
        print(row(str(source), counts))
    print(row("**all**", total))
    survivors = not_killed(results)
    if survivors:
        print(f"\n{len(survivors)} survivors (survived, or reached by no test):")
        print("\n".join(survivor_report(survivors)))
    return len(survivors)


def row(name: str, counts: Counter[str]) -> str:
    n = sum(counts.values())
    tried = n - counts[NOT_RUN]  # the kill rate is of the mutants the run reached
    rate = f"{100 * (counts[KILLED] + counts[TIMEOUT]) / tried:.1f}%" if tried else "-"
    cells = [str(counts[c]) for c in COLUMNS]
    return f"| {name} | {n} | {' | '.join(cells)} | {rate} |"


def run(max_children: int, mutants: list[str]) -> float:
    """mutmut on ``mutants`` (when empty: all, in a fresh copy of the tree); its wall time in seconds."""
    if not mutants:
        shutil.rmtree(MUTANTS, ignore_errors=True)
    env = {**os.environ, "CI": "true"}
    began = time.monotonic()
    command = [str(BIN / "mutmut"), "run", "--max-children", str(max_children), *mutants]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1, help="parallel test runs")
    parser.add_argument("--report-only", action="store_true", help="report the last run without running")
    parser.add_argument("--survivors", action="store_true", help="re-run only what the last run did not kill")
    args = parser.parse_args()
    os.chdir(ROOT)  # mutmut reads its configuration and results relative to the working directory
    if not args.report_only:
        again = [m.name for m in not_killed(load_results())] if args.survivors else []
        if args.survivors and not again:
            print("no survivors to re-run", file=sys.stderr)
            return 1
        wall = run(args.max_children, again)
        what = f"{len(again)} survivors" if again else "all mutants"
        print(f"\nmutmut run --max-children {args.max_children}, {what}: {wall / 60:.1f} min wall time\n")
    results = load_results()
    if not results:
        print("no results in mutants/: run without --report-only first", file=sys.stderr)
        return 1
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
