"""``GET /docs``: a self-contained HTML page of the emulated operations, for offline use.

FastAPI's own ``/docs`` (Swagger UI) and ``/redoc`` load scripts and styles from a CDN, which an
emulator running in CI or on a plane cannot reach. This page is rendered on the server from the
OpenAPI document, with no script and no external asset: each operation's method, path, summary,
request body, success body and error statuses, and a link to ``/openapi.json`` for tools.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

__all__ = ["DOCS_PATH", "install_docs", "render_docs"]

DOCS_PATH = "/docs"

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
.op{margin:.75rem 0;padding:.5rem .75rem;border:1px solid #e3e3e3;border-radius:6px}
.method{display:inline-block;min-width:4.5rem;font-weight:bold;font-family:monospace}
code{background:#f5f5f5;padding:0 .2rem}.meta{color:#555;font-size:.9rem;margin:.25rem 0 0}
"""


def _ref_name(schema: dict[str, Any] | None) -> str | None:
    if not schema:
        return None
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else schema.get("type")


def _operation(path: str, method: str, operation: dict[str, Any]) -> str:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    request = _ref_name(body.get("schema"))
    responses = operation.get("responses", {})
    ok = responses.get("200", {}).get("content", {}).get("application/json", {})
    response = _ref_name(ok.get("schema"))
    errors = ", ".join(sorted(status for status in responses if status != "200"))
    meta = [f"request body <code>{escape(request)}</code>"] if request else []
    meta.append(f"200 <code>{escape(response or 'JSON')}</code>")
    for where in ("query", "header"):
        names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == where]
        if names:
            meta.append(f"{where}: {escape(', '.join(names))}")
    if errors:
        meta.append(f"errors: {escape(errors)}")
    return (
        f'<div class="op"><span class="method">{escape(method.upper())}</span> '
        f"<code>{escape(path)}</code> {escape(operation.get('summary', ''))}"
        f'<p class="meta">{" · ".join(meta)}</p></div>'
    )


def render_docs(document: dict[str, Any]) -> str:
    """The page for an OpenAPI document: operations grouped by their first path segments."""
    info = document.get("info", {})
    sections: dict[str, list[str]] = {}
    for path, operations in document.get("paths", {}).items():
        section = "/".join(path.split("/")[:4]).split("{")[0].rstrip("/")
        for method, operation in operations.items():
            if isinstance(operation, dict) and method != "parameters":
                sections.setdefault(section, []).append(_operation(path, method, operation))
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{escape(info.get('title', 'API'))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info.get('title', 'API'))} {escape(str(info.get('version', '')))}</h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        '<p>Machine-readable: <a href="/openapi.json"><code>/openapi.json</code></a>. Authenticate with '
        "<code>Authorization: Api-Key &lt;key&gt;</code> or <code>Bearer &lt;key&gt;</code>.</p>",
    ]
    for section, operations in sections.items():
        parts.append(f"<h2><code>{escape(section)}</code></h2>")
        parts += operations
    parts.append("</body></html>")
    return "".join(parts)


def install_docs(api: FastAPI) -> None:
    """Serve :func:`render_docs` of the app's document at ``/docs`` (build the app with ``docs_url=None``)."""

    async def docs(_: Request) -> HTMLResponse:
        return HTMLResponse(render_docs(api.openapi()))

    api.add_api_route(DOCS_PATH, docs, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)
