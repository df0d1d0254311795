"""Policy as code for Baseten Frontier Gateway endpoints, groups and secrets (a CrossGuard policy pack).

Each policy is declared once, as one literal (:mod:`.spec`): name, display name, description,
enforcement level, config schema with defaults, validator, and whether it reviews one resource or the
whole stack. Everything else is derived from the list of declarations (:mod:`.pack`).

* :mod:`.values`: property values as plain data, unknowns (preview) marked :data:`UNKNOWN`;
* :mod:`.spec`: how a policy is declared, built into the SDK's objects, and given its config defaults;
* :mod:`.endpoint`: the Endpoint policies;
* :mod:`.group`: the Group policies (model slugs, rate limits);
* :mod:`.secret`: the Secret policy (value not written in the program);
* :mod:`.stack_config`: the stack's configuration, which the SDK drops, recorded for :mod:`.secret`;
* :mod:`.pack`: the pack's list of policies, the tables derived from it, and :func:`serve`.

This package imports no client and makes no network call: policy review is offline.
"""

from __future__ import annotations

from .endpoint import (
    ALLOWED_PROVIDERS_POLICY,
    ORG_PREFIX_POLICY,
    SINGLE_TARGET_POLICY,
    SLUG_FORMAT_POLICY,
    TARGET_FIELDS_POLICY,
    UNIQUE_SLUGS_POLICY,
    validate_allowed_providers,
    validate_org_prefix,
    validate_single_target,
    validate_slug_format,
    validate_target_fields,
    validate_unique_slugs,
)
from .group import (
    GROUP_MODEL_SLUGS_POLICY,
    GROUP_RATE_LIMITS_POLICY,
    validate_group_model_slugs,
    validate_group_rate_limits,
)
from .pack import (
    CONFIG_DEFAULTS,
    DEFAULT_ENFORCEMENT_LEVELS,
    POLICY_NAMES,
    POLICY_PACK_NAME,
    build_policies,
    policy_config,
    serve,
)
from .secret import SECRET_NOT_LITERAL_POLICY, validate_secret_not_literal
from .values import UNKNOWN, is_unknown, plain_value

__all__ = [
    "ALLOWED_PROVIDERS_POLICY",
    "CONFIG_DEFAULTS",
    "DEFAULT_ENFORCEMENT_LEVELS",
    "GROUP_MODEL_SLUGS_POLICY",
    "GROUP_RATE_LIMITS_POLICY",
    "ORG_PREFIX_POLICY",
    "POLICY_NAMES",
    "POLICY_PACK_NAME",
    "SECRET_NOT_LITERAL_POLICY",
    "SINGLE_TARGET_POLICY",
    "SLUG_FORMAT_POLICY",
    "TARGET_FIELDS_POLICY",
    "UNIQUE_SLUGS_POLICY",
    "UNKNOWN",
    "build_policies",
    "is_unknown",
    "plain_value",
    "policy_config",
    "serve",
    "validate_allowed_providers",
    "validate_group_model_slugs",
    "validate_group_rate_limits",
    "validate_org_prefix",
    "validate_secret_not_literal",
    "validate_single_target",
    "validate_slug_format",
    "validate_target_fields",
    "validate_unique_slugs",
]
