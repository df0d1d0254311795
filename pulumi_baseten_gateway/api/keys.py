"""The operations of ``/v1/gateway/groups/{group_id}/api_keys``: create, register, get, list, revoke.

A create returns the whole key exactly once, and the API has no idempotency key: a key created by an
attempt whose answer was lost is live, yet nobody holds it. So a create lists the group's keys before its
first POST, and after an attempt without a clear answer it lists them again, inside the create's own
retry loop and time budget, and revokes each key that appeared since with this create's name (logged as
a warning naming its prefix) before posting again. A key another writer creates in the same group, with
the same name, during that window cannot be told apart: keep one writer per group and key name.

A registration (a key of the caller's own) is signed: ``X-Baseten-Signature`` is the Ed25519 signature
of the exact body bytes sent, made with the client's ``signing_key``. The key is checked against the
documented rules before any request, and hidden from every log record and error while it is sent. The
registration is safe to retry: the group is first asked for the key's prefix (a prefix taken already is
:class:`~pulumi_baseten_gateway.errors.KeyPrefixTakenError`, before any POST), and after an attempt
without a clear answer, a key with that prefix is the one sent (nobody else holds it).

The key itself is a ``SecretStr`` (:class:`~..api.models.api_key.CreatedApiKey`): no repr, log
record or error shows it.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import logging
from collections.abc import Iterator

from ..errors import (
    ConfigurationError,
    KeyPrefixTakenError,
    NotFoundError,
    RequestContext,
    ServerError,
    TransportError,
)
from .groups import group_path
from .hidden import hiding
from .models.api_key import ApiKeyInfo, ApiKeyPage, ApiKeyTombstone, CreatedApiKey, RegisteredApiKey
from .pages import MAX_PAGE_SIZE, iterate_pages, page_params
from .rules import api_key as rules
from .signing import SIGNATURE_HEADER, SigningKey
from .transport import LOGGER_NAME, APIResource, item_path, parse, raise_if_invalid

__all__ = ["ApiKeys"]

_logger = logging.getLogger(LOGGER_NAME)


def _keys_path(group_id: str) -> str:
    return f"{group_path(group_id)}/api_keys"


def _key_path(group_id: str, prefix: str) -> str:
    return item_path(
        _keys_path(group_id), prefix, "API key", field="prefix", rule="api-key-prefix", what="prefix"
    )


class ApiKeys(APIResource):
    """``client.keys``: the operations of a group's federated API keys (``.../groups/{id}/api_keys``)."""

    def create(self, group_id: str, *, name: str | None = None) -> CreatedApiKey:
        """Create a key for the group; returned whole this once (``api_key``, a ``SecretStr``).

        Safe to retry: a key that an attempt without a clear answer may have created is revoked before
        the next attempt (see the module's docstring), so no live key is left that nobody holds.
        """
        path = _keys_path(group_id)
        context = RequestContext("create API key", "POST", path, name or group_id)
        raise_if_invalid(context, rules.validate_api_key(group_id, name))
        body = {"name": name} if name is not None else {}
        before: set[str] | None = None  # the group's key prefixes before the first POST
        ambiguous = False

        def attempt() -> CreatedApiKey:
            nonlocal before, ambiguous
            if before is None:
                before = {key.prefix for key in self._keys_in_create(context, group_id)}
            if ambiguous:
                self._revoke_orphans(context, group_id, name, before)
                ambiguous = False
            try:
                return parse(self._send(context, json=body), CreatedApiKey, context)
            except (TransportError, ServerError):
                ambiguous = True
                raise

        return self._retried(attempt)

    def register(
        self, group_id: str, key: str, *, name: str | None = None, signing_key: SigningKey | None = None
    ) -> ApiKeyInfo:
        """Register a key of the caller's own under the group; returns its ``prefix`` (first 16 characters)
        and name, never the key. Signed with ``signing_key``, else the client's.

        The key's rules (length, characters, entropy) and the signing key's presence are checked before any
        request; a prefix taken in the group is :class:`KeyPrefixTakenError` before any POST. Safe to retry
        (see the module's docstring).
        """
        path = f"{_keys_path(group_id)}/register"
        context = RequestContext("register API key", "POST", path, name or group_id)
        violations = rules.validate_api_key(group_id, name) + rules.validate_registered_key(key)
        raise_if_invalid(context, violations)
        signer = signing_key or self._transport.signing_key
        if signer is None:
            raise ConfigurationError(
                f"{context}: no signing key: registering a key needs the workspace's Ed25519 private key "
                "(the client's signing_key)",
                setting="signing_key",
                reason="is required to register an API key",
            )
        prefix = rules.registered_prefix(key)
        look_up = RequestContext(context.operation, "GET", _key_path(group_id, prefix), prefix)
        body = json.dumps({"key": key, "name": name}, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signer.sign(body)}
        registered = ApiKeyInfo(prefix=prefix, name=name)
        checked = ambiguous = False

        def attempt() -> ApiKeyInfo:
            nonlocal checked, ambiguous
            if not checked:
                # Before the first POST: a prefix already taken is someone else's key (or ours, from a
                # registration nothing recorded): refused, never taken over.
                if self._key_or_none(look_up) is not None:
                    raise KeyPrefixTakenError(context, prefix, group_id)
                checked = True
            if ambiguous:
                # An attempt got no clear answer: a key with our prefix now is the one we sent.
                if self._key_or_none(look_up) is not None:
                    return registered
                ambiguous = False
            try:
                parse(self._send(context, content=body, headers=headers), RegisteredApiKey, context)
            except (TransportError, ServerError):
                ambiguous = True
                raise
            return registered

        with hiding(key):
            return self._retried(attempt)

    def get(self, group_id: str, prefix: str) -> ApiKeyInfo:
        """A key's prefix and name (``NotFoundError`` when it, or its group, is gone or revoked)."""
        path = _key_path(group_id, prefix)
        context = RequestContext("get API key", "GET", path, prefix)
        return parse(self._request(context), ApiKeyInfo, context)

    def list_page(self, group_id: str, *, limit: int | None = None, cursor: str | None = None) -> ApiKeyPage:
        """One page of the group's live keys."""
        context = RequestContext("list API keys", "GET", _keys_path(group_id), group_id)
        params = page_params(context, limit, cursor)
        return parse(self._request(context, params=params), ApiKeyPage, context)

    def list(self, group_id: str, *, page_size: int = MAX_PAGE_SIZE) -> Iterator[ApiKeyInfo]:
        """Every live key of the group, following ``cursor`` across pages lazily."""

        context = RequestContext("list API keys", "GET", _keys_path(group_id), group_id)
        return iterate_pages(lambda cursor: self.list_page(group_id, limit=page_size, cursor=cursor), context)

    def revoke(self, group_id: str, prefix: str) -> ApiKeyTombstone:
        """Revoke a key, irreversibly (``NotFoundError`` when it, or its group, is already gone)."""
        path = _key_path(group_id, prefix)
        context = RequestContext("revoke API key", "DELETE", path, prefix)
        return parse(self._request(context), ApiKeyTombstone, context)

    # -- the create's look-ups ------------------------------------------------------------------------

    def _key_or_none(self, context: RequestContext) -> ApiKeyInfo | None:
        """The key at ``context.path``, or None; one attempt, whose failure is the caller's."""
        try:
            return parse(self._send(context), ApiKeyInfo, context)
        except NotFoundError:
            return None

    def _keys_in_create(self, create: RequestContext, group_id: str) -> builtins.list[ApiKeyInfo]:
        """The group's live keys, one attempt per page; failures are the create's."""
        context = RequestContext(create.operation, "GET", create.path, create.subject)

        def page(cursor: str | None) -> ApiKeyPage:
            reply = self._send(context, params=page_params(context, MAX_PAGE_SIZE, cursor))
            return parse(reply, ApiKeyPage, context)

        return list(iterate_pages(page, context))

    def _revoke_orphans(
        self, create: RequestContext, group_id: str, name: str | None, before: set[str]
    ) -> None:
        """Revoke the keys named ``name`` that appeared since ``before``: made by an attempt whose answer
        was lost, so nobody holds them."""
        for key in self._keys_in_create(create, group_id):
            if key.prefix in before or key.name != name:
                continue
            _logger.warning(
                "create API key %r: an attempt got no clear answer and key %r appeared in the group; nobody "
                "holds it, so it is revoked before trying again",
                name,
                key.prefix,
            )
            context = RequestContext(create.operation, "DELETE", _key_path(group_id, key.prefix), key.prefix)
            with contextlib.suppress(NotFoundError):
                self._send(context)
