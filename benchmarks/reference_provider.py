"""A minimal Endpoint provider: the yardstick ``bench_provider.py`` measures ours against.

It makes the same HTTP calls as ``EndpointProvider`` (POST on create, GET on read, PATCH on update,
DELETE on delete) with bare httpx and one module-level connection pool, and nothing else: no
validation, no normalisation, no retries, no pacing, no typed errors. ``check`` returns the inputs as
they came; ``diff`` compares ``targets`` naively.

The plugin process unpickles it by reference, so it must be importable there as ``reference_provider``:
put this directory on the plugin's ``PYTHONPATH`` and build the blob from an import of this module
(never from ``__main__``, or dill pickles the class by value).
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from pulumi.dynamic import (
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

__all__ = ["ReferenceEndpointProvider"]

ENDPOINTS_PATH = "/v1/gateway/endpoints"

_settings: dict[str, str] = {}
_client: httpx.Client | None = None
_lock = threading.Lock()


def _http() -> httpx.Client:
    """One shared connection pool for the plugin's worker threads, made on first use."""
    global _client
    with _lock:
        if _client is None:
            _client = httpx.Client(
                base_url=_settings["base_url"],
                headers={"Authorization": f"Api-Key {_settings['api_key']}"},
                timeout=30.0,
            )
        return _client


def _outputs(body: dict[str, Any]) -> dict[str, Any]:
    """The same output shape as ours: the API object with ``id`` renamed ``endpoint_id``."""
    outputs = {k: v for k, v in body.items() if k != "id"}
    outputs["endpoint_id"] = body["id"]
    return outputs


class ReferenceEndpointProvider(ResourceProvider):
    """Bare httpx, the same requests; no validation, no retries."""

    def configure(self, req: ConfigureRequest) -> None:
        _settings["api_key"] = str(req.config.get("baseten:apiKey"))
        _settings["base_url"] = str(req.config.get("baseten:apiUrl"))

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in ("slug", "region") if olds.get(key) != news.get(key)]
        changed = bool(replaces) or olds.get("targets") != news.get("targets")
        return DiffResult(changes=changed, replaces=replaces, stables=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        body = {"slug": props["slug"], "targets": props["targets"], "region": props.get("region")}
        response = _http().post(ENDPOINTS_PATH, json=body)
        response.raise_for_status()
        data = response.json()
        return CreateResult(data["id"], _outputs(data))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        response = _http().get(f"{ENDPOINTS_PATH}/{id_}")
        if response.status_code == 404:
            return ReadResult("", {})
        response.raise_for_status()
        data = response.json()
        outputs = _outputs(data)
        inputs = {"slug": data["slug"], "targets": data["targets"], "region": data["region"]}
        return ReadResult(data["id"], outputs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        response = _http().patch(f"{ENDPOINTS_PATH}/{id_}", json={"targets": news["targets"]})
        response.raise_for_status()
        return UpdateResult(_outputs(response.json()))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        response = _http().delete(f"{ENDPOINTS_PATH}/{id_}")
        if response.status_code != 404:
            response.raise_for_status()
