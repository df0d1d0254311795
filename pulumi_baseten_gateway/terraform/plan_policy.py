"""``baseten-gateway-tofu-policy``: the policy pack's endpoint and group policies over an OpenTofu plan.

    tofu plan -out plan.tfplan && tofu show -json plan.tfplan > plan.json
    baseten-gateway-tofu-policy plan.json [--config policy-config.json]

The same policies as the CrossGuard pack (``policy/``: org prefix, single target, target fields, slug
format, allowed providers, unique slugs, group model slugs and rate limits), run on the planned values of
each ``basetengateway_*`` resource that is created or updated; a value known only after apply is unknown to
them, as in a Pulumi preview. ``--config`` takes the pack's config file (``{"<policy>": {"allowedPrefixes":
[...]}, ...}``, with ``enforcementLevel`` as in Pulumi). Each violation is one line; the exit code is 1 when
a mandatory policy is violated, else 0 (advisory ones are printed). The secret policy is Pulumi's alone: it
reviews the stack's configuration, which a plan does not carry.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs
from pulumi_policy.policy import PolicyCustomTimeouts, PolicyResourceOptions

from ..policy.endpoint import ENDPOINT_POLICIES
from ..policy.group import GROUP_POLICIES
from ..policy.spec import ResourcePolicySpec
from ..policy.values import UNKNOWN
from ..resources.declaration import ResourceDecl, to_schema_names
from ..resources.endpoint.resource import ENDPOINT
from ..resources.group.resource import GROUP
from .schema import resource_name

__all__ = ["Finding", "check_plan", "main"]

POLICIES = (*ENDPOINT_POLICIES, *GROUP_POLICIES)
_DECLS: Mapping[str, ResourceDecl] = {resource_name(decl): decl for decl in (ENDPOINT, GROUP)}
_REVIEWED = {"create", "update"}


Finding = tuple[str, str, str, str]  # (enforcement level, policy, resource address, message)


def _with_unknowns(value: Any, unknown: Any) -> Any:
    """``value`` with each place ``after_unknown`` marks replaced by the policies' UNKNOWN."""
    if unknown is True:
        return UNKNOWN
    if isinstance(value, dict):
        keyed = unknown if isinstance(unknown, dict) else {}
        return {k: _with_unknowns(v, keyed.get(k)) for k, v in value.items() if v is not None or k in keyed}
    if isinstance(value, list):
        listed = unknown if isinstance(unknown, list) else []
        return [_with_unknowns(v, listed[i] if i < len(listed) else None) for i, v in enumerate(value)]
    return value


def _resources(plan: Mapping[str, Any]) -> list[tuple[str, ResourceDecl, dict[str, Any]]]:
    """Each reviewed resource: its address, declaration and planned inputs (schema names)."""
    found = []
    for change in plan.get("resource_changes") or []:
        decl = _DECLS.get(change.get("type", ""))
        actions = set(change.get("change", {}).get("actions") or [])
        if decl is None or not actions & _REVIEWED:
            continue
        after = change["change"].get("after") or {}
        values = _with_unknowns(after, change["change"].get("after_unknown") or {})
        inputs = {p.name: values[p.name] for p in decl.inputs if p.name in values}
        found.append((change["address"], decl, to_schema_names(decl, inputs)))
    return found


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _run(spec: Any, resources: list[PolicyResource], settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """One policy's violations: (resource address, message)."""
    found: list[tuple[str, str]] = []
    config = dict(settings)  # a policy's arguments carry its own config

    def collect(at: str) -> Callable[[str, str | None], None]:
        return lambda message, urn: found.append((urn or at, message))

    if isinstance(spec, ResourcePolicySpec):
        for resource in resources:
            args = ResourceValidationArgs(
                resource.resource_type, resource.props, resource.urn, resource.name, _options(), None, config
            )
            spec.validate(args, collect(resource.urn))
    else:
        spec.validate(StackValidationArgs(resources, config), collect(""))
    return found


def check_plan(plan: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> list[Finding]:
    """Every violation of the pack's endpoint and group policies in ``plan`` (``tofu show -json``)."""
    config = config or {}
    resources = [
        PolicyResource(decl.token, props, address, address.rsplit(".", 1)[-1], _options(), None, None, [], {})
        for address, decl, props in _resources(plan)
    ]
    findings: list[Finding] = []
    for spec in POLICIES:
        given = dict(config.get(spec.name) or {})
        level = str(given.pop("enforcementLevel", spec.enforcement_level.value))
        if level == "disabled":
            continue
        for address, message in _run(spec, resources, spec.config_for(given)):
            findings.append((level, spec.name, address, message))
    return findings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="baseten-gateway-tofu-policy", description=__doc__.splitlines()[0])
    parser.add_argument("plan", help="`tofu show -json <planfile>` output (`-` reads stdin)")
    parser.add_argument("--config", help="the policy pack's config file (JSON)")
    args = parser.parse_args(argv)
    plan = json.loads(sys.stdin.read() if args.plan == "-" else Path(args.plan).read_text(encoding="utf-8"))
    config = json.loads(Path(args.config).read_text(encoding="utf-8")) if args.config else {}
    findings = check_plan(plan, config)
    for level, policy, address, message in findings:
        print(f"{level}: {policy}: {address}: {message}")
    mandatory = sum(1 for level, *_ in findings if level == "mandatory")
    advisory = len(findings) - mandatory
    print(
        f"{len(_resources(plan))} resources reviewed: {mandatory} mandatory, {advisory} advisory violations"
    )
    sys.exit(1 if mandatory else 0)


if __name__ == "__main__":
    main()
