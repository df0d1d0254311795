"""The documentation site's hand-written pages (docs/, but docs/api/, which tools/docs_api.py generates).

* docs/policy-pack.md is generated from the policy literals (tools/docs_policy.py): regenerating it gives
  the committed page.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = REPO_ROOT / "docs"


def test_the_policy_page_is_generated_from_the_policy_literals(tmp_path: Path) -> None:
    page = tmp_path / "policy-pack.md"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "docs_policy.py"), str(page)], check=True, cwd=REPO_ROOT
    )
    assert page.read_text(encoding="utf-8") == (DOCS / "policy-pack.md").read_text(encoding="utf-8"), (
        "docs/policy-pack.md is stale: run `python tools/docs_policy.py docs/policy-pack.md`"
    )
