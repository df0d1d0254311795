"""The Secret policy: a Secret's value must not be a literal written in the program.

What the analyzer can and cannot see (pulumi 3.274, pulumi-policy 1.21;
tests/test_policy_plugin_group_secret.py shows each point):

* Secretness tells nothing. Every Secret's ``value`` reaches the analyzer marked secret, whatever its
  source: the Python ``Secret`` wraps it in ``Output.secret`` and the native provider's schema marks it
  secret, which pulumi-yaml and the generated SDKs honour. A literal, plain-text config and another
  resource's plain output all arrive exactly like ``config.require_secret(...)``. pulumi-policy also
  removes the secret marker before a policy sees the properties.
* Whether a value came from another resource is visible: a stack policy gets each property's
  dependencies (``property_dependencies["value"]``), the resources whose outputs went into it.
* Whether a value came from config is visible only by comparison: the engine sends the stack's
  configuration, decrypted, to ``ConfigureStack``; :mod:`.stack_config` records it (as digests) since
  the SDK drops it. A value equal to a config value (or to a string inside a JSON config value) came
  from that key, as far as anyone can tell.

So a known value with no resource dependency that equals no config value was written in the program, or
computed in it (read from an environment variable or a file, or derived from config): the policy reports
it, which is why it is advisory by default. A value taken from a config key stored in plain text is
reported too unless ``allowPlaintextConfig`` is set. The policy cannot tell a *secret* output of
another resource from a plain one (both arrive secret), and cannot check values unknown during preview.
No message ever quotes a value.
"""

from __future__ import annotations

from typing import Final

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs

from ..resources.api_key.resource import REGISTERED_GATEWAY_API_KEY, REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN
from ..resources.declaration import ResourceDecl
from ..resources.secret.resource import SECRET, SECRET_TYPE_TOKEN
from . import stack_config
from .spec import PolicySpec, StackPolicySpec
from .values import declared_props, is_unknown

__all__ = [
    "SECRET_NOT_LITERAL",
    "SECRET_NOT_LITERAL_POLICY",
    "SECRET_POLICIES",
    "SECRET_TYPES",
    "validate_secret_not_literal",
]

SECRET_NOT_LITERAL_POLICY: Final = "baseten-secret-not-literal"  # noqa: S105 (a policy name)

_ALLOW_PLAINTEXT_CONFIG = "allowPlaintextConfig"
_ADVICE = (
    "set it with `pulumi config set --secret <key>` and read it with config.require_secret(...) "
    "(`${<key>}` in YAML), or pass another resource's secret output"
)

#: A Secret of the Python dynamic provider, and of the native provider (any language).
SECRET_TYPES: Final = frozenset({SECRET_TYPE_TOKEN, SECRET.token})
#: The secret inputs the policy checks, by type token: a Secret's value, a registered key's key.
_SECRET_INPUTS: Final[dict[str, tuple[ResourceDecl, str]]] = {
    **{token: (SECRET, "value") for token in SECRET_TYPES},
    **{
        token: (REGISTERED_GATEWAY_API_KEY, "key")
        for token in (REGISTERED_GATEWAY_API_KEY_TYPE_TOKEN, REGISTERED_GATEWAY_API_KEY.token)
    },
}


def validate_secret_not_literal(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Each Secret's known value comes from another resource's output or from (secret) stack config.

    Skipped: a value unknown during preview, an absent one (``Secret.get``: the API never returns
    values), and a value that is not a non-empty string (the provider's check reports it).
    """
    allow_plaintext = SECRET_NOT_LITERAL.config_for(args.get_config()).get(_ALLOW_PLAINTEXT_CONFIG) is True
    config = stack_config.received()
    for resource in args.resources:
        checked = _SECRET_INPUTS.get(resource.resource_type)
        if checked is None:
            continue
        decl, prop = checked
        value = declared_props(decl, resource.resource_type, resource.props).get(prop)
        if is_unknown(value) or not isinstance(value, str) or not value:
            continue
        dependencies = resource.property_dependencies
        if dependencies.get(prop) or dependencies.get(decl.prop(prop).schema_name):
            continue  # computed from other resources' outputs
        name = f"{decl.name} '{resource.name}'"
        if config is None:
            report_violation(
                f"{prop}: cannot tell whether the {prop} of {name} is written in the program: the engine "
                f"sent this policy pack no stack configuration (ConfigureStack) to compare it with",
                resource.urn,
            )
            continue
        sources = config.sources_of(value)
        if any(source.secret for source in sources):
            continue
        if sources:
            if allow_plaintext:
                continue
            keys = ", ".join(f"'{source.key}'" for source in sources)
            report_violation(
                f"{prop}: {name} takes its {prop} from config stored in plain text ({keys}); store it "
                f"encrypted with `pulumi config set --secret`, or set '{_ALLOW_PLAINTEXT_CONFIG}' for "
                f"policy '{SECRET_NOT_LITERAL_POLICY}'",
                resource.urn,
            )
            continue
        report_violation(
            f"{prop}: the {prop} of {name} is written in the program (it equals no stack config value and "
            f"comes from no other resource's output); {_ADVICE}",
            resource.urn,
        )


SECRET_NOT_LITERAL: Final = StackPolicySpec(
    name=SECRET_NOT_LITERAL_POLICY,
    display_name="Secret values come from config or outputs",
    description=(
        "A Secret's value (and a RegisteredGatewayApiKey's key) must come from stack config or another "
        "resource's output, not be written in the program. Every value arrives marked secret whatever "
        "its source, so the policy compares: a known value that depends on no resource and equals no "
        "stack config value is reported (one read from a file or an environment variable, or derived "
        "from config, too), and so is one from plain-text config unless allowPlaintextConfig is set."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    config={
        _ALLOW_PLAINTEXT_CONFIG: {
            "type": "boolean",
            "default": False,
            "description": (
                "Accept a value taken from a config key stored in plain text (not set with --secret)."
            ),
        },
    },
    validate=validate_secret_not_literal,
)

#: Every Secret policy, in the order the pack lists them.
SECRET_POLICIES: Final[tuple[PolicySpec, ...]] = (SECRET_NOT_LITERAL,)
