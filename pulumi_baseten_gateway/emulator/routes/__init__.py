"""The emulator's routers, one module per resource, and the admin router.

To emulate another resource, write ``routes/<resource>.py`` with an ``APIRouter`` of its documented
operations (depending on :data:`~..dependencies.Manager` for the caller), a function returning the
component schemas of the raw JSON bodies it reads, and, if FastAPI's names differ from the public
spec's, a document edit (:func:`~..openapi.rename_schemas`); then add a :class:`Resource` for it to
:data:`RESOURCES`. Its rows go in a store module of their own on the shared
:class:`~..database.Database` (created in :func:`~..state.install_state`). ``create_app`` includes every
router in order, the admin router last, and the OpenAPI document collects every resource's schemas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from ..openapi import DocumentEdit, SchemaProvider
from . import admin, api_keys, endpoints, groups, secrets

__all__ = ["ADMIN_ROUTER", "RESOURCES", "Resource"]


def _no_schemas() -> dict[str, Any]:
    return {}


def _no_edit(document: dict[str, Any]) -> None:
    return None


@dataclass(frozen=True)
class Resource:
    """One emulated API resource: its router, its request-body schemas, and its document edit."""

    router: APIRouter
    request_schemas: SchemaProvider = _no_schemas
    edit_document: DocumentEdit = _no_edit


#: The emulated API, in the order the routes are matched and documented.
RESOURCES: tuple[Resource, ...] = (
    Resource(endpoints.router, endpoints.request_schemas, endpoints.edit_document),
    Resource(groups.router, groups.request_schemas, groups.edit_document),
    Resource(api_keys.router, api_keys.request_schemas),
    Resource(secrets.router, secrets.request_schemas),
)
#: ``/_emulator/...``: not authenticated, not rate limited, not counted, not documented.
ADMIN_ROUTER = admin.router
