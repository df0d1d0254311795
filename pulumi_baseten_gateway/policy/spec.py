"""How a policy is declared: one literal holding everything the pack and the CLI need to know about it.

A policy module declares each policy once, the way pulumi-policy's own packs write a
``ResourceValidationPolicy(...)`` literal::

    ORG_PREFIX = ResourcePolicySpec(
        name="baseten-endpoint-org-prefix",
        display_name="Owned slug prefix",
        description="Endpoint slugs must start with one of the organization's registered prefixes.",
        enforcement_level=EnforcementLevel.MANDATORY,
        config={"allowedPrefixes": {"type": "array", ..., "default": []}},
        validate=validate_org_prefix,
    )

A spec differs from the SDK's policy object in two ways: its config schema is plain data whose
``default`` values the pack applies itself (:meth:`PolicySpec.config_for`), and :meth:`build` makes a
fresh SDK object each time, sharing nothing mutable with the declaration.

The CLI fills a policy's config from its schema defaults before ``Configure``; a pack driven without the
CLI gets no config at all. :meth:`PolicySpec.config_for` applies the same defaults in the pack.

Also here: the small helpers every validator uses to report findings and read list-valued config.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ..api.rules.common import Violation, is_sequence
from .values import plain_value

__all__ = [
    "ConfigSchema",
    "PolicySpec",
    "Report",
    "ResourcePolicySpec",
    "StackPolicySpec",
    "merge_config",
    "report_all",
    "reporter",
    "string_list",
    "string_list_schema",
]

#: The JSON-schema properties of a policy's config, by property name; each has a ``default``.
ConfigSchema = Mapping[str, Mapping[str, Any]]
ResourceValidate = Callable[[ResourceValidationArgs, ReportViolation], None]
StackValidate = Callable[[StackValidationArgs, ReportViolation], None]


def merge_config(defaults: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """``defaults`` overlaid with ``given``, all copied to plain data (the CLI's merge, done again)."""
    merged: dict[str, Any] = {key: plain_value(value) for key, value in defaults.items()}
    for key, value in (given or {}).items():
        merged[key] = plain_value(value)
    return merged


@dataclass(frozen=True, kw_only=True)
class PolicySpec:
    """What every policy declares, resource or stack."""

    name: str
    display_name: str
    description: str
    enforcement_level: EnforcementLevel
    #: The config's JSON-schema properties; ``default`` is what the CLI (and, without a CLI,
    #: :meth:`config_for`) uses when the config file leaves a property out. Empty: not configurable.
    config: ConfigSchema = field(default_factory=dict)
    #: The SDK class :meth:`build` makes, and the validator it is given (set by each kind of policy).
    sdk_class: ClassVar[Any]
    validate: Callable[..., None]

    @property
    def config_defaults(self) -> dict[str, Any]:
        """The schema defaults, as the CLI would send them."""
        return {key: copy.deepcopy(schema["default"]) for key, schema in self.config.items()}

    def config_for(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """The schema defaults overlaid with the config the policy was given.

        The CLI sends defaults for every property the user left out; a pack driven without the CLI
        gets an empty config, and must behave the same.
        """
        return merge_config({key: schema["default"] for key, schema in self.config.items()}, given)

    def config_schema(self) -> PolicyConfigSchema | None:
        """A fresh SDK config schema, or None when the policy takes no config."""
        if not self.config:
            return None
        return PolicyConfigSchema(properties={key: copy.deepcopy(dict(s)) for key, s in self.config.items()})

    def build(self) -> Policy:
        """A fresh SDK policy object for ``PolicyPack(policies=...)``."""
        built: Policy = self.sdk_class(
            name=self.name,
            description=self.description,
            display_name=self.display_name,
            enforcement_level=self.enforcement_level,
            config_schema=self.config_schema(),
            validate=self.validate,
        )
        return built


@dataclass(frozen=True, kw_only=True)
class ResourcePolicySpec(PolicySpec):
    """A policy run once per resource (``ResourceValidationPolicy``)."""

    sdk_class: ClassVar[Any] = ResourceValidationPolicy
    validate: ResourceValidate


@dataclass(frozen=True, kw_only=True)
class StackPolicySpec(PolicySpec):
    """A policy run once on the whole stack (``StackValidationPolicy``)."""

    sdk_class: ClassVar[Any] = StackValidationPolicy
    validate: StackValidate


# -- helpers of the validators ---------------------------------------------------------------------------

Report = Callable[[str], None]


def reporter(report_violation: ReportViolation) -> Report:
    """Report a message about the resource under review (no other URN)."""

    def report(message: str) -> None:
        report_violation(message, None)

    return report


def report_all(report: Report, violations: Sequence[Violation]) -> None:
    for violation in violations:
        report(str(violation))


def string_list_schema(
    description: str, *, enum: Sequence[str] | None = None, default: Sequence[str] = ()
) -> Any:
    """The config schema of a list of distinct strings (non-empty ones, or ones of ``enum``), read back with
    :func:`string_list`."""
    items: dict[str, Any] = (
        {"type": "string", "enum": list(enum)} if enum is not None else {"type": "string", "minLength": 1}
    )
    return {
        "type": "array",
        "items": items,
        "uniqueItems": True,
        "default": list(default),
        "description": description,
    }


def string_list(config: Mapping[str, Any], key: str) -> tuple[list[str] | None, str | None]:
    """``config[key]`` as a list of strings, or an error message (config not checked by a CLI)."""
    value = config.get(key)
    if is_sequence(value):
        assert isinstance(value, Sequence)
        if all(isinstance(item, str) for item in value):
            return [str(item) for item in value], None
    return None, f"config.{key}: must be a list of strings, got {value!r}"
