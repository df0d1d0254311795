"""The api_key resource, declared once: its properties (inputs, outputs, what replaces) and its type token."""

from __future__ import annotations

from typing import Final

from ..declaration import Prop, ResourceDecl

__all__ = [
    "GATEWAY_API_KEY",
    "GATEWAY_API_KEY_TYPE_TOKEN",
    "REGISTERED_GATEWAY_API_KEY",
    "REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN",
]

#: The Pulumi type token of the Python ``GatewayApiKey`` resource: recorded in every stack's state.
GATEWAY_API_KEY_TYPE_TOKEN = "pulumi-python:dynamic/baseten-gateway:GatewayApiKey"  # noqa: S105 (a type token)
#: The Pulumi type token of the Python ``RegisteredGatewayApiKey`` resource.
REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN = "pulumi-python:dynamic/baseten-gateway:RegisteredGatewayApiKey"  # noqa: S105 (a type token)


#: The inputs both key resources have.
_GROUP_ID = Prop(
    "group_id",
    str,
    "The `groupId` of the group the key belongs to. Immutable: a change replaces the key.",
    required=True,
    replaces=True,
)
_NAME = Prop(
    "name",
    str,
    "Display name of the key (at most 255 characters). Immutable: a change replaces the key.",
    replaces=True,
)

GATEWAY_API_KEY: Final = ResourceDecl(
    name="GatewayApiKey",
    id_format="<groupId>/<prefix>",
    description=(
        "A federated API key of a Frontier Gateway group: the credential your customer calls the gateway "
        "with (`Authorization: Api-Key <key>`), under the group's models and limits. The API generates it "
        "and returns it exactly once: `apiKey` is kept in the state as a secret (encrypted), so it can be "
        "exported to the customer, and is never shown in plain text.\n\nKeys are immutable: changing "
        "`groupId` or `name` replaces the key (the new key is created before the old one is revoked). "
        "Deleting the resource revokes the key, irreversibly; a key that is revoked or whose group is "
        "deleted reads as gone on refresh. The resource's id is `<groupId>/<prefix>`."
    ),
    props=(
        _GROUP_ID,
        _NAME,
        Prop(
            "prefix",
            str,
            "The key's prefix, the part before the `.` (e.g. `sky_sCqhBwEy4kPd`): how the API, the "
            "billing events (`apiKeyPrefix`) and your logs name it. Not a secret.",
            input=False,
        ),
        Prop(
            "api_key",
            str,
            "The whole key, `prefix.secret`, as returned once at creation. A secret: stored encrypted in "
            "the state, never shown in plain text. Empty for a key read with `get` (the API never returns "
            "it again).",
            input=False,
            secret=True,
        ),
    ),
)


REGISTERED_GATEWAY_API_KEY: Final = ResourceDecl(
    name="RegisteredGatewayApiKey",
    id_format="<groupId>/<prefix>",
    description=(
        "A caller-supplied federated API key, registered under a Frontier Gateway group: for keys you "
        "already issued to customers (white-label migration). The request is signed with your "
        "workspace's Ed25519 private key (the provider's `signingKey` setting, a secret), whose public "
        "half Baseten registered for the workspace; the API stores only a hash of the key.\n\n"
        "The key must be 32 to 128 printable ASCII characters without whitespace, with a Shannon entropy "
        "of at least 3.0 bits per character: checked before any request. Its first 16 characters become "
        "its `prefix`, which must be new to the workspace (the API checks that) and which the API shows to "
        "anyone with management access, so only the rest of the key is secret: prefer keys of 48 "
        "characters or more. Keys are immutable: changing `groupId`, `key` or `name` replaces the "
        "registration (a new key is registered before the old one is revoked, so a new key must not "
        "share the old one's prefix). Deleting the resource revokes the key; a key revoked outside "
        "Pulumi, or gone with its group, reads as gone on refresh. The resource's id is "
        "`<groupId>/<prefix>`."
    ),
    props=(
        _GROUP_ID,
        Prop(
            "key",
            str,
            "The key your customer calls the gateway with. A secret: stored encrypted in the state, "
            "never shown in plain text. Immutable: a change replaces the registration.",
            required=True,
            replaces=True,
            secret=True,
        ),
        _NAME,
        Prop(
            "prefix",
            str,
            "The key's first 16 characters, how the API, the billing events (`apiKeyPrefix`) and your "
            "logs name it. Not a secret.",
            input=False,
        ),
    ),
)
