"""The documentation site (``make docs``) for the tests: its generated API pages and a strict build.

:func:`docsgen_tool` is ``tools/docsgen`` (:func:`harness.sdks.pkg_tool`; ``make test`` builds it before
pytest, so a test finds it cached); :func:`generate_api_docs` runs
``tools/docs_api.py`` as ``make docs`` does, into a copy of the site's layout; :func:`copy_site` copies
``mkdocs.yml`` and ``docs/``; :func:`mkdocs_build` builds a site in strict mode from the repository root (the
snippets' ``base_path`` is the working directory).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from harness.engine import REPO_ROOT
from harness.sdks import pkg_tool, run

DOCS_API = REPO_ROOT / "tools" / "docs_api.py"
MKDOCS_YML = REPO_ROOT / "mkdocs.yml"
DOCS_DIR = REPO_ROOT / "docs"
#: What tools/docs_api.py writes, under docs/.
API_DIR = DOCS_DIR / "api"
MKDOCS = Path(sys.executable).parent / "mkdocs"
_FENCE = re.compile(
    r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$",
    re.M | re.S,
)

__all__ = [
    "API_DIR",
    "DOCS_DIR",
    "MKDOCS_YML",
    "copy_site",
    "docsgen_tool",
    "fenced_blocks",
    "generate_api_docs",
    "mkdocs_build",
]


def docsgen_tool() -> Path:
    """The docsgen executable: the docs generator of the last Pulumi release that carried it."""
    return pkg_tool("docsgen")


def copy_site(root: Path) -> Path:
    """``mkdocs.yml`` and ``docs/`` copied into ``root``; returns the copy's ``mkdocs.yml``."""
    shutil.copytree(DOCS_DIR, root / "docs")
    _copy_config(root)
    return root / "mkdocs.yml"


def _copy_config(root: Path) -> None:
    """``mkdocs.yml`` and the hooks it names (relative to it) into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(MKDOCS_YML, root / "mkdocs.yml")
    (root / "tools").mkdir(exist_ok=True)
    shutil.copy2(REPO_ROOT / "tools" / "mkdocs_hooks.py", root / "tools" / "mkdocs_hooks.py")


def generate_api_docs(root: Path, schema: Path = REPO_ROOT / "schema.json") -> Path:
    """``tools/docs_api.py`` on ``schema`` into ``root/docs/api``, its nav into ``root/mkdocs.yml`` (a copy
    of ours, made here if missing), as ``make docs`` runs it; returns ``root/docs/api``."""
    if not (root / "mkdocs.yml").exists():
        _copy_config(root)
    out = root / "docs" / "api"
    run(
        [
            sys.executable,
            str(DOCS_API),
            "--docsgen",
            str(docsgen_tool()),
            "--schema",
            str(schema),
            "--out",
            str(out),
            "--docs-dir",
            str(root / "docs"),
            "--mkdocs",
            str(root / "mkdocs.yml"),
        ],
        REPO_ROOT,
    )
    return out


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``config`` into ``site``, from the repository root; not checked."""
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """Each fenced code block of a Markdown text: its info string (the language) and its body."""
    return [(m.group("info").strip(), m.group("body")) for m in _FENCE.finditer(text)]
