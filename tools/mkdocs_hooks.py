"""Hooks of the docs site (``mkdocs.yml``: ``hooks``).

``docs/_index.md`` is the overview page under the name the Pulumi Registry gives a package's overview; mkdocs
makes only ``index.md`` (or ``README.md``) the site's home page, so this publishes ``_index.md`` at the root.
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import Files


def on_files(files: Files, config: Any) -> Files:
    for file in files:
        if file.src_uri == "_index.md":
            file.dest_uri = "index.html"
    return files
