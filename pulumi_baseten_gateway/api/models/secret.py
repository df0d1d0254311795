"""The secret's API objects (``/v1/secrets``, msgspec structs).

A Baseten secret is a named value (an upstream provider's credential, say) that endpoint targets refer to
by id (``Target.secret_id``). The API upserts by name (``POST /v1/secrets``), lists metadata only
(``GET /v1/secrets``: never a value) and deletes by name (``DELETE /v1/secrets/{name}``); the id is
"Unchanged across rotation".
"""

from __future__ import annotations

from datetime import datetime

from .base import ApiObject

__all__ = [
    "SecretInfo",
    "SecretList",
    "SecretTombstone",
]


class SecretInfo(ApiObject, frozen=True, kw_only=True):
    """A secret's metadata (``SecretV1``): the API never returns a value."""

    id: str
    name: str
    team_name: str
    created_at: datetime


class SecretList(ApiObject, frozen=True, kw_only=True):
    """``GET /v1/secrets`` (``SecretsV1``): every secret of the caller's teams, unpaginated."""

    secrets: list[SecretInfo]


class SecretTombstone(ApiObject, frozen=True, kw_only=True):
    """What a delete returns (``SecretTombstoneV1``)."""

    name: str
