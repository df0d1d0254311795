"""The documentation site (``make docs``): ``mkdocs.yml`` and ``docs/`` build in strict mode.

Strict mode is what keeps the site whole: a link to a page that is not there, a page left out of the nav or
a nav entry without its page fails the build (a test breaks each in a copy and reads the failure). The built
API pages show what a reader looks for: a property's tab per language, in that language's spelling, with
its description.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from harness.docs import MKDOCS_YML, copy_site, mkdocs_build
from harness.engine import REPO_ROOT


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as ``make docs`` builds it (strict mode is asserted by the test that uses this first)."""
    site = tmp_path_factory.mktemp("site")
    built = mkdocs_build(MKDOCS_YML, site)
    if built.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{built.stdout[-6000:]}{built.stderr[-6000:]}")
    return site


def test_the_site_builds_in_strict_mode(site: Path) -> None:
    for page in ("resources/endpoint", "functions/getendpoint", "provider"):
        assert (site / "api" / page / "index.html").is_file(), page
    # The overview (docs/_index.md, the registry's name for it) is the home page, at the site's root.
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "<title>Overview - " in home
    assert not (site / "_index").exists()


def _plain(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def test_the_endpoint_page_lists_each_property_in_each_languages_spelling(site: Path) -> None:
    page = (site / "api" / "resources" / "endpoint" / "index.html").read_text(encoding="utf-8")
    inputs = page[page.index('id="inputs"') : page.index('id="outputs"')]
    tab_set = inputs[inputs.index('<div class="tabbed-set') :]
    labels = re.findall(r'<label for="[^"]+">([^<]*)</label>', tab_set.split("tabbed-content")[0])
    assert labels == ["TypeScript", "Python", "Go", "YAML"]
    tabs = dict(zip(labels, tab_set.split('<div class="tabbed-block">')[1:5], strict=True))
    schema = json.loads((REPO_ROOT / "schema.json").read_text(encoding="utf-8"))
    slug = schema["resources"]["baseten-gateway:index:Endpoint"]["inputProperties"]["slug"]
    description = " ".join(slug["description"].replace("`", "").split())
    for label, name, kind in (
        ("TypeScript", "slug", "string"),
        ("Python", "slug", "str"),
        ("Go", "Slug", "string"),
        ("YAML", "slug", "String"),
    ):
        text = _plain(tabs[label])
        assert f"{name}: {kind} (required, changing it replaces the resource) {description}" in text, label
    # A two-word property, in each spelling, in the Target type's tabs.
    target = _plain(page[page.index('id="target"') : page.index('id="targetprovider"')])
    for term in ("targetModel: string", "target_model: str", "TargetModel: string"):
        assert f"{term} (optional)" in target, term
    for dropped in ("csharp", ">Java<", ">C#<"):
        assert dropped not in page


def test_a_broken_link_a_page_off_the_nav_and_a_nav_entry_without_its_page_fail(tmp_path: Path) -> None:
    config = copy_site(tmp_path)
    endpoint = tmp_path / "docs" / "api" / "resources" / "endpoint.md"
    endpoint.write_text(
        endpoint.read_text(encoding="utf-8") + "\nSee [the missing one](../functions/getnothing.md).\n",
        encoding="utf-8",
    )
    (tmp_path / "docs" / "api" / "resources" / "orphan.md").write_text("# Orphan\n", encoding="utf-8")
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "  - Provider: api/provider.md\n", "  - Provider: api/provider.md\n  - Gone: api/gone.md\n"
        ),
        encoding="utf-8",
    )
    built = mkdocs_build(config, tmp_path / "site")
    output = built.stdout + built.stderr
    assert built.returncode != 0
    assert re.search(r"Aborted with \d+ warnings in strict mode", output), output
    # Each warning, with the lines under it (the pages left out of the nav are listed one a line).
    warnings = re.split(r"^(?=WARNING|INFO|ERROR)", output, flags=re.M)
    for says, named in (
        ("contains a link", "'../functions/getnothing.md'"),
        ('not included in the "nav"', "  - api/resources/orphan.md\n"),
        ("not found", "'api/gone.md'"),
    ):
        assert any(w.startswith("WARNING") and says in w and named in w for w in warnings), (named, output)
