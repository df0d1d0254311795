"""The secret resource, declared once: its properties (inputs, outputs, what replaces) and its type token."""

from __future__ import annotations

from typing import Final

from ..declaration import Prop, ResourceDecl

__all__ = ["SECRET", "SECRET_TYPE_TOKEN"]

#: The Pulumi type token of the Python ``Secret`` resource: recorded in every stack's state (stable API).
SECRET_TYPE_TOKEN = "pulumi-python:dynamic/baseten-gateway:Secret"  # noqa: S105 (a type token)


SECRET: Final = ResourceDecl(
    name="Secret",
    description=(
        "A Baseten secret: a named value, such as an upstream provider's API key, that endpoint targets "
        "refer to by `secretId`.\n\nChanging `value` rotates the secret in place (its id stays the same, "
        "so targets keep working); changing `name` replaces it. The value is a Pulumi secret: stored "
        "encrypted in the state, never shown. The API never returns values, so a refresh detects a "
        "deleted secret but not a value changed out of band (the next `up` does not rewrite it unless "
        "`value` changes in the program). A create refuses a name that already exists in the workspace "
        "(the API would silently overwrite it) unless `adopt` is set."
    ),
    id_property="secret_id",
    props=(
        Prop(
            "secret_id",
            str,
            "Stable identifier of the secret, unchanged across rotation: the `secretId` of a target.",
            input=False,
        ),
        Prop(
            "name",
            str,
            "Name of the secret, unique in the workspace: letters, digits, `_`, `-` and `.`. Immutable: a "
            "change replaces the secret (the new name is created before the old one is deleted).",
            required=True,
            replaces=True,
        ),
        Prop(
            "value",
            str,
            "The secret's value. Always a Pulumi secret: stored encrypted in the state (so a change can be "
            "detected and rotated in place), never in plain text, never in a log or an error. The API "
            "never returns it: a value changed outside Pulumi goes unnoticed.",
            required=True,
            secret=True,
        ),
        Prop(
            "adopt",
            bool,
            "When true, take over a secret that already exists with this name (setting its value to "
            "`value`) instead of failing. Without it, a create never overwrites an existing secret.",
            output=False,
        ),
        Prop(
            "team_id",
            str,
            "Id of the team the secret belongs to (the public API's `team_id`: its secrets are under "
            "`/v1/teams/{team_id}/secrets`). Omitted: the API key's primary team. A name is unique within "
            "a team. Immutable: a change replaces the secret.",
            replaces=True,
        ),
        Prop("team_name", str, "Name of the team the secret belongs to.", input=False),
        Prop("created_at", str, "RFC 3339 UTC timestamp of the secret's creation.", input=False),
    ),
)
