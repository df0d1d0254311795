"""The operations of ``/v1/secrets``: list (metadata only), create, rotate, upsert, delete; with
``team_id``, the same in that team (``/v1/teams/{team_id}/secrets``), else in the caller's primary team.

The API upserts by name, so a plain POST would silently overwrite someone else's secret: a create looks
the name up first (``GET /v1/secrets``, inside the create's own retry loop and time budget) and refuses
a taken name (:class:`~pulumi_baseten_gateway.errors.SecretExistsError`) unless told to overwrite. An
upsert with the same name and value is idempotent, so a POST that got no clear answer is simply sent
again. A rotation first checks that the secret it rotates still exists (a POST would otherwise create a
new one under the old name), and a delete that the secret's name now belongs to another secret, with
another id, leaves that one alone.

The value is sent in the request body and nowhere else: it is scrubbed from every error and from every
record of the API logger (retry warnings quote the server) while the request that carries it runs
(``hidden.py``).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from urllib.parse import quote

from ..errors import GoneError, InvalidInputError, RequestContext, SecretExistsError
from .hidden import hiding
from .models.secret import SecretInfo, SecretList, SecretTombstone
from .rules import secret as rules
from .transport import APIResource, parse, raise_if_invalid

__all__ = ["SECRETS_PATH", "TEAMS_PATH", "Secrets"]

SECRETS_PATH = "/v1/secrets"
TEAMS_PATH = "/v1/teams"


def _secrets_path(team_id: str | None) -> str:
    """The secrets of a team (``/v1/teams/{team_id}/secrets``), or of the caller's primary team."""
    if team_id is None:
        return SECRETS_PATH
    problems = rules.validate_team_id(team_id)
    if problems:
        raise InvalidInputError("secret path", problems)
    return f"{TEAMS_PATH}/{quote(team_id, safe='')}/secrets"


def _secret_path(name: str, team_id: str | None = None) -> str:
    """The path of one secret: its name, which the secret rules make a safe path segment."""
    problems = rules.validate_secret_name(name, path="secret_name")
    if problems:
        raise InvalidInputError("secret path", problems)
    return f"{_secrets_path(team_id)}/{quote(name, safe='')}"


def _matching(
    secrets: Iterable[SecretInfo], name: str | None, secret_id: str | None = None
) -> SecretInfo | None:
    """The first secret with this name and/or id (either None: any). A listing of every team may hold a
    name more than once: the id tells them apart."""
    return next((s for s in secrets if name in (None, s.name) and secret_id in (None, s.id)), None)


class Secrets(APIResource):
    """``client.secrets``: the operations of ``/v1/secrets``."""

    path = SECRETS_PATH
    noun = "secret"

    def list(self, *, team_id: str | None = None) -> builtins.list[SecretInfo]:
        """Every secret of the caller's teams, or of the team ``team_id`` (metadata: never a value)."""
        context = RequestContext("list secrets", "GET", _secrets_path(team_id), team_id)
        return parse(self._request(context), SecretList, context).secrets

    def find(
        self, *, name: str | None = None, secret_id: str | None = None, team_id: str | None = None
    ) -> SecretInfo | None:
        """The secret with this name and/or id (in the team ``team_id``, when given), or None."""
        return _matching(self.list(team_id=team_id), name, secret_id)

    def create(
        self, name: str, value: str, *, overwrite: bool = False, team_id: str | None = None
    ) -> SecretInfo:
        """Create a secret; a name that exists already is :class:`SecretExistsError` unless ``overwrite``.

        The look-up runs once, before the first POST; a POST without a clear answer is sent again (the
        upsert of the same name and value is idempotent). Between the look-up and the POST another writer
        could still create the name: the API offers no create-only call.
        """

        def refuse_taken(context: RequestContext, existing: SecretInfo | None) -> None:
            if existing is not None and not overwrite:
                raise SecretExistsError(context, name, existing)

        return self._upsert("create secret", name, value, refuse_taken, team_id)

    def upsert(self, name: str, value: str, *, team_id: str | None = None) -> SecretInfo:
        """``POST /v1/secrets`` as the API defines it: create the secret, or set an existing one's value."""
        return self._upsert("upsert secret", name, value, None, team_id)

    def rotate(self, secret_id: str, name: str, value: str, *, team_id: str | None = None) -> SecretInfo:
        """Set a new value on the existing secret ``secret_id`` (named ``name``); its id stays the same.

        :class:`GoneError` when that secret no longer exists: an upsert would create a new one, with a
        new id, under the old name.
        """

        def refuse_gone(context: RequestContext, current: SecretInfo | None) -> None:
            if current is None:
                raise GoneError(
                    context,
                    f"secret {name!r} (id {secret_id!r}) no longer exists in this workspace "
                    "(deleted outside Pulumi)",
                )

        return self._upsert("rotate secret", name, value, refuse_gone, team_id, secret_id)

    def delete(
        self, name: str, *, secret_id: str | None = None, team_id: str | None = None
    ) -> SecretTombstone | None:
        """Delete the secret ``name``; ``NotFoundError`` when there is none.

        With ``secret_id``, the name is looked up first (on every attempt): when it is gone, or now names
        another secret (ours was deleted and the name reused), nothing is deleted and None is returned.
        """
        path = _secret_path(name, team_id)
        context = RequestContext("delete secret", "DELETE", path, name)
        look_up = RequestContext(context.operation, "GET", _secrets_path(team_id), name)

        def attempt() -> SecretTombstone | None:
            if secret_id is not None:
                current = _matching(parse(self._send(look_up), SecretList, look_up).secrets, name, secret_id)
                if current is None:
                    return None
            return parse(self._send(context), SecretTombstone, context)

        return self._retried(attempt)

    def _upsert(
        self,
        operation: str,
        name: str,
        value: str,
        check: Callable[[RequestContext, SecretInfo | None], None] | None,
        team_id: str | None,
        secret_id: str | None = None,
    ) -> SecretInfo:
        """``POST /v1/secrets`` (an upsert by name) under the retry policy, the value hidden from every log
        and error; ``check(context, secret named so now)`` (the one with ``secret_id``, when given) runs
        once, before the first POST, and may refuse by raising."""
        path = _secrets_path(team_id)
        context = RequestContext(operation, "POST", path, name)
        raise_if_invalid(context, rules.validate_secret(name, value))
        look_up = RequestContext(operation, "GET", path, name)
        checked = check is None

        def attempt() -> SecretInfo:
            nonlocal checked
            if check is not None and not checked:
                check(
                    context,
                    _matching(parse(self._send(look_up), SecretList, look_up).secrets, name, secret_id),
                )
                checked = True
            body = {"name": name, "value": value}
            return parse(self._send(context, json=body), SecretInfo, context)

        with hiding(value):
            return self._retried(attempt)
