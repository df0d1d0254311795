"""The ``Secret`` resource of Python programs, and ``SecretProvider``, the dynamic provider behind it.

::

    key = Secret("openai", name="openai-prod", value=config.require_secret("openaiKey"))
    Endpoint("gpt", slug="my-org/gpt", targets=[TargetArgs(provider="OPENAI", secret_id=key.secret_id, ...)])

Stable API: Pulumi pickles ``SecretProvider`` *by reference* into every stack's state, so this module's
path (``pulumi_baseten_gateway.dynamic.secret``) and the class name must never change. The lifecycle is
``resources/secret/core.py``, shared with the native provider.

The value is always a Pulumi secret: the constructor wraps it with ``Output.secret`` (a plain string
too) and lists it in ``additional_secret_outputs``, so the engine stores it only encrypted (see the core's
docstring for why it is kept at all), and previews and diffs show ``[secret]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi.dynamic import Resource

from ..resources.secret.core import SecretCore
from ..resources.secret.resource import SECRET, SECRET_TYPE_TOKEN
from .adapter import CoreProvider

__all__ = ["SECRET_TYPE_TOKEN", "Secret", "SecretArgs", "SecretProvider"]


class SecretProvider(CoreProvider):
    """Check, diff, create, read, update (rotate) and delete Baseten secrets. Kept at this path forever."""

    core = SecretCore


@dataclass
class SecretArgs:
    """The inputs of a ``Secret``, for those who prefer an args object to keyword arguments."""

    name: pulumi.Input[str]
    value: pulumi.Input[str]
    adopt: pulumi.Input[bool] | None = None
    team_id: pulumi.Input[str] | None = None


class Secret(Resource, module="baseten-gateway", name="Secret"):
    """A Baseten secret (a provider credential, say) that endpoint targets refer to by ``secret_id``.

    Changing ``value`` rotates it in place (same ``secret_id``); changing ``name`` or ``team_id`` (the team
    it belongs to; omitted: the API key's primary team) replaces it. A create
    refuses a name that exists already (the API would overwrite it) unless ``adopt=True``. The API never
    returns values: a refresh notices a deleted secret, never a value changed outside Pulumi.
    """

    secret_id: pulumi.Output[str]
    """Stable id, unchanged across rotation: what a target's ``secret_id`` takes."""
    name: pulumi.Output[str]
    value: pulumi.Output[str]
    """The value, as a Pulumi secret."""
    team_id: pulumi.Output[str | None]
    """The team's id as given; None: the API key's primary team."""
    team_name: pulumi.Output[str]
    created_at: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: SecretArgs | None = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        name: pulumi.Input[str] | None = None,
        value: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        team_id: pulumi.Input[str] | None = None,
    ) -> None:
        if args is not None:
            if any(v is not None for v in (name, value, adopt, team_id)):
                raise TypeError("Secret takes either a SecretArgs or keyword inputs, not both")
            name, value, adopt, team_id = args.name, args.value, args.adopt, args.team_id
        props = {
            "name": name,
            "value": None if value is None else pulumi.Output.secret(value),
            "adopt": adopt,
            "team_id": team_id,
            # Output-only properties must be declared to appear on the resource (pulumi/pulumi#6678).
            **{prop.name: None for prop in SECRET.output_only},
        }
        secrets = pulumi.ResourceOptions(additional_secret_outputs=list(SECRET.secrets))
        super().__init__(SecretProvider(), resource_name, props, pulumi.ResourceOptions.merge(opts, secrets))
        # The same value as the id, which a preview knows for a secret being rotated: so the endpoints that
        # refer to it are not shown as changing (a dynamic provider's outputs are all unknown in a preview
        # of an update).
        self.secret_id = self.id

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None) -> Secret:
        """Read an existing secret by its id (``secret_id``) into a read-only resource (no value: the API
        never returns it)."""
        return Secret(resource_name, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))
