"""The server holds something other than what a request assumed: a natural key taken, or a resource gone.

``ConflictError`` and its subclasses (a slug, a secret name, a group's ``external_entity_id``, a registered
key's prefix, held by something that exists already) and ``GoneError`` (a resource in the stack's state
deleted out of band).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import RequestContext, _RequestError

if TYPE_CHECKING:
    from ..api.models.endpoint import EndpointInfo
    from ..api.models.group import GroupInfo
    from ..api.models.secret import SecretInfo

__all__ = [
    "ConflictError",
    "DuplicateGroupError",
    "DuplicateSlugError",
    "GoneError",
    "KeyPrefixTakenError",
    "SecretExistsError",
]


class ConflictError(_RequestError):
    """A natural key is taken: the slug of an endpoint (see :class:`DuplicateSlugError`).

    A request error: ``context`` is the request that found the key taken, and the message and ``detail``
    are built as every request error's (``<operation> '<subject>' failed: <detail>``).
    """


class DuplicateSlugError(ConflictError):
    """The slug is taken. ``existing`` is the endpoint holding it, when it is in this workspace.

    Raised once by the client, whichever way it found out (a 400 "duplicate slug", or a look-up after an
    ambiguous create), so callers never list the workspace again to learn what it already knows.
    """

    def __init__(
        self, context: RequestContext, slug: str, existing: EndpointInfo | None, reason: str
    ) -> None:
        super().__init__(context, reason)
        self.slug = slug
        self.existing = existing

    @property
    def endpoint_id(self) -> str | None:
        """The id of the endpoint holding the slug, when this workspace can see it."""
        return self.existing.id if self.existing is not None else None


class SecretExistsError(ConflictError):
    """A secret with this name exists already; a create refuses to overwrite it (the API upserts by name).

    ``existing`` is that secret's metadata (never its value: the API does not return values).
    """

    def __init__(self, context: RequestContext, name: str, existing: SecretInfo) -> None:
        super().__init__(
            context,
            f"a secret named {name!r} already exists in this workspace (id {existing.id!r}, created "
            f"{existing.created_at.isoformat()}); POST {context.path} would overwrite its value",
        )
        self.name = name
        self.existing = existing


class DuplicateGroupError(ConflictError):
    """A group with this ``external_entity_id`` exists (``existing``, when this workspace sees it).

    Raised once by the client, whichever way it found out (the 400 "duplicate ``external_entity_id``",
    or a look-up after an ambiguous create).
    """

    def __init__(
        self, context: RequestContext, external_entity_id: str, existing: GroupInfo | None, reason: str
    ) -> None:
        super().__init__(context, reason)
        self.external_entity_id = external_entity_id
        self.existing = existing

    @property
    def group_id(self) -> str | None:
        return self.existing.id if self.existing is not None else None


class KeyPrefixTakenError(ConflictError):
    """A registered key's prefix (its first 16 characters) is taken in the group already.

    The API requires each registered key's prefix to be new to the workspace; the client asks the group
    before registering, and the API refuses a prefix taken in another group with its own 400.
    """

    def __init__(self, context: RequestContext, prefix: str, group_id: str) -> None:
        super().__init__(
            context,
            f"a key with prefix {prefix!r} (the key's first 16 characters) is already registered in group "
            f"{group_id!r}; a registered key's prefix must be new to the workspace",
        )
        self.prefix = prefix
        self.group_id = group_id


class GoneError(_RequestError):
    """A resource in the stack's state no longer exists on the server (deleted out of band).

    Raised before a change that would otherwise silently recreate it (a secret's rotation upserts by
    name); ``pulumi refresh`` records the deletion, and the next ``pulumi up`` creates it again.
    """

    def __init__(self, context: RequestContext, reason: str) -> None:  # keeps its parameter's name
        super().__init__(context, reason)
