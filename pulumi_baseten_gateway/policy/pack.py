"""The pack: every declared policy, and what is derived from the declarations.

Names, default levels and config defaults are read off the one list :data:`POLICIES`; nothing here
repeats a policy's attributes. A new resource's policies go in a module of their own (like
:mod:`.endpoint`) and join :data:`POLICIES`.

Building the pack is left to :func:`serve` (``policy-pack/__main__.py`` and the console script):
constructing ``PolicyPack`` starts the gRPC server and never returns, so :func:`build_policies` only
*describes* the policies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pulumi_policy import EnforcementLevel, Policy

from . import stack_config
from .endpoint import ENDPOINT_POLICIES
from .group import GROUP_POLICIES
from .secret import SECRET_POLICIES
from .spec import PolicySpec, merge_config

__all__ = [
    "CONFIG_DEFAULTS",
    "DEFAULT_ENFORCEMENT_LEVELS",
    "POLICIES",
    "POLICY_NAMES",
    "POLICY_PACK_NAME",
    "build_policies",
    "policy_config",
    "serve",
]

POLICY_PACK_NAME: Final = "baseten-gateway"

#: Every policy of the pack, in the order the pack lists them.
POLICIES: Final[tuple[PolicySpec, ...]] = (*ENDPOINT_POLICIES, *GROUP_POLICIES, *SECRET_POLICIES)

POLICY_NAMES: Final = tuple(spec.name for spec in POLICIES)

_BY_NAME: Final[Mapping[str, PolicySpec]] = {spec.name: spec for spec in POLICIES}
if len(_BY_NAME) != len(POLICIES):
    raise RuntimeError(f"policy names must be unique: {POLICY_NAMES}")

#: Each policy's level when the config does not override it.
DEFAULT_ENFORCEMENT_LEVELS: Final[Mapping[str, EnforcementLevel]] = {
    spec.name: spec.enforcement_level for spec in POLICIES
}

#: The schema defaults of each configurable policy, as the CLI would send them.
CONFIG_DEFAULTS: Final[Mapping[str, Mapping[str, Any]]] = {
    spec.name: spec.config_defaults for spec in POLICIES if spec.config
}


def policy_config(policy_name: str, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The policy's schema defaults overlaid with the config it was given (the CLI's merge, done again).

    The CLI sends defaults for every property the user left out; a pack driven without the CLI gets an
    empty config, and must behave the same. A name that is no policy of the pack has no defaults.
    """
    spec = _BY_NAME.get(policy_name)
    return spec.config_for(given) if spec is not None else merge_config({}, given)


def build_policies() -> list[Policy]:
    """Fresh policy objects for ``PolicyPack(name=POLICY_PACK_NAME, policies=build_policies())``."""
    return [spec.build() for spec in POLICIES]


def serve() -> None:
    """Serve the pack's analyzer until killed (``baseten-gateway-policy-pack``, ``policy-pack/__main__.py``).

    The console script is a policy pack the CLI can run as an executable (``pulumi preview --policy-pack
    "$(command -v baseten-gateway-policy-pack)"``), with the interpreter it was installed into, no
    language host and no virtualenv of its own. The SDK writes the port line to the raw stdout buffer
    without flushing; the engine waits for that line, so stdout is made unbuffered first. The stack's
    configuration, which the SDK drops, is recorded for the policies that need it (:mod:`.stack_config`).
    """
    import io
    import sys

    from pulumi_policy import PolicyPack

    raw = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)  # noqa: SIM115 (lives until exit)
    sys.stdout = io.TextIOWrapper(raw, write_through=True)
    stack_config.install()
    PolicyPack(name=POLICY_PACK_NAME, policies=build_policies())
