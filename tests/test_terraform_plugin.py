"""The OpenTofu provider's service in-process, call by call (fast; the real ``tofu`` runs are the other
tests/test_*_tofu*.py): its schema against the Pulumi package schema, what its plan replaces against what
Pulumi replaces, unknown values at plan, a state upgrade, and the provider block's checks.

The oracle for the schema and the replacements is ``schema.json`` (what Pulumi users get), read as JSON:
a required input is a required attribute, a secret a sensitive one, an output alone a computed one, and a
``replaceOnChanges`` input the one attribute whose change plans a replacement.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgpack
import pytest
from tf.gen import tfplugin_pb2 as pb
from tf.types import Unknown
from tf.utils import to_dynamic_value

from pulumi_baseten_gateway.terraform.provider import DATA_SOURCES, RESOURCES, TerraformProvider
from pulumi_baseten_gateway.terraform.values import decode

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "schema.json").read_text())
TYPES = {
    "basetengateway_endpoint": "Endpoint",
    "basetengateway_secret": "Secret",
    "basetengateway_group": "Group",
    "basetengateway_api_key": "GatewayApiKey",
    "basetengateway_registered_api_key": "RegisteredGatewayApiKey",
}
#: A valid configuration of each resource, and another valid value for each of its inputs.
CONFIGS: dict[str, dict[str, Any]] = {
    "basetengateway_endpoint": {
        "slug": "acme/glm",
        "targets": [{"provider": "BASETEN", "model_id": "abc1234"}],
        "region": "UNRESTRICTED",
    },
    "basetengateway_secret": {"name": "openai", "value": "sk-one", "team_id": "team-1"},
    "basetengateway_group": {
        "external_entity_id": "cust-1",
        "name": "Customer",
        "models": [{"slug": "acme/glm"}],
        "limit_enforcement": "INDEPENDENT",
        "parent_group_id": "parent-1",
    },
    "basetengateway_api_key": {"group_id": "g1", "name": "ci"},
    "basetengateway_registered_api_key": {
        "group_id": "g1",
        "key": "Zq8vN3pXw7LmT2yR5cKd9HbF4sJg6AeU",
        "name": "ci",
    },
}
CHANGED: dict[str, Any] = {
    "slug": "acme/glm-2",
    "targets": [{"provider": "BASETEN", "model_id": "xyz7890"}],
    "region": "EU",
    "name": "other-name",
    "value": "sk-two",
    "team_id": "team-2",
    "external_entity_id": "cust-2",
    "models": [{"slug": "acme/other"}],
    "limit_enforcement": "CASCADING",
    "parent_group_id": "parent-2",
    "group_id": "g2",
    "key": "Wt5nB8xQm2Rz7KcL4vHd9GfY3pJs6EaU",
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _pulumi(type_name: str) -> dict[str, Any]:
    resource: dict[str, Any] = SCHEMA["resources"][f"baseten-gateway:index:{TYPES[type_name]}"]
    return resource


def _attributes(type_name: str) -> dict[str, pb.Schema.Attribute]:
    response = TerraformProvider().GetProviderSchema(pb.GetProviderSchema.Request(), None)
    return {a.name: a for a in response.resource_schemas[type_name].block.attributes}


def test_the_resource_types_are_the_pulumi_resources() -> None:
    assert {TYPES[name] for name in RESOURCES} == {token.split(":")[-1] for token in SCHEMA["resources"]}
    assert set(RESOURCES) == set(TYPES)
    assert {f"get{n.split('_', 1)[1].title().replace('_', '')}" for n in DATA_SOURCES} == {
        token.split(":")[-1] for token in SCHEMA["functions"]
    }


@pytest.mark.parametrize("type_name", sorted(TYPES))
def test_each_attribute_carries_the_pulumi_schemas_flags(type_name: str) -> None:
    pulumi, attributes = _pulumi(type_name), _attributes(type_name)
    inputs = {_snake(k) for k in pulumi["inputProperties"]}
    outputs = {_snake(k) for k in pulumi["properties"]}
    assert set(attributes) == {"id"} | inputs | outputs
    assert {n for n, a in attributes.items() if a.required} == {_snake(k) for k in pulumi["requiredInputs"]}
    secrets = {
        _snake(k) for k, v in {**pulumi["inputProperties"], **pulumi["properties"]}.items() if v.get("secret")
    }
    assert {n for n, a in attributes.items() if a.sensitive} == secrets
    assert {n for n, a in attributes.items() if a.computed and not a.optional} == {"id"} | (outputs - inputs)
    for name in inputs:
        assert attributes[name].optional or attributes[name].required, name


def _plan(type_name: str, prior: dict[str, Any] | None, config: dict[str, Any]) -> Any:
    attrs = RESOURCES[type_name].attrs
    full = {name: config.get(name) for name in attrs}
    prior_full = None if prior is None else {name: prior.get(name) for name in attrs}
    if prior_full is not None:  # what OpenTofu proposes: the config, and the prior value of each output
        for name, attr in attrs.items():
            if attr.computed and full[name] is None:
                full[name] = prior_full[name]
    request = pb.PlanResourceChange.Request(
        type_name=type_name,
        prior_state=to_dynamic_value(prior_full),
        proposed_new_state=to_dynamic_value(full),
        config=to_dynamic_value({name: config.get(name) for name in attrs}),
    )
    return TerraformProvider().PlanResourceChange(request, None)


@pytest.mark.parametrize("type_name", sorted(TYPES))
def test_a_plan_replaces_exactly_where_pulumi_replaces(type_name: str) -> None:
    config = CONFIGS[type_name]
    prior = {**config, "id": "the-id"}
    unchanged = _plan(type_name, prior, config)
    assert not unchanged.diagnostics
    assert not unchanged.requires_replace
    assert decode(unchanged.planned_state)["id"] == "the-id"
    replacing = {
        _snake(k) for k, v in _pulumi(type_name)["inputProperties"].items() if v.get("replaceOnChanges")
    }
    for name in config:
        plan = _plan(type_name, prior, {**config, name: CHANGED[name]})
        assert not plan.diagnostics, (name, plan.diagnostics)
        replaced = {step.attribute_name for path in plan.requires_replace for step in path.steps}
        assert replaced == ({name} if name in replacing else set()), name


def test_a_create_plan_leaves_outputs_and_what_the_api_fills_unknown_and_takes_refined_unknowns() -> None:
    refined = msgpack.ExtType(12, b"\x81\x02\xa5acme/")  # "a string starting with acme/", as tofu sends
    proposed = {name: None for name in RESOURCES["basetengateway_group"].attrs}
    proposed.update(
        external_entity_id="c", models=[{"slug": refined, "rate_limits": None, "usage_limits": None}]
    )
    request = pb.PlanResourceChange.Request(
        type_name="basetengateway_group",
        proposed_new_state=pb.DynamicValue(msgpack=msgpack.packb(proposed)),
        config=pb.DynamicValue(msgpack=msgpack.packb(proposed)),
    )
    plan = TerraformProvider().PlanResourceChange(request, None)
    assert not plan.diagnostics
    planned = decode(plan.planned_state)
    assert planned["models"][0]["slug"] is Unknown
    for name in ("id", "group_id", "effective_models", "created_at", "limit_enforcement"):
        assert planned[name] is Unknown, name
    assert planned["parent_group_id"] is None


def test_a_state_of_an_older_shape_is_upgraded_to_every_current_attribute() -> None:
    stored = {"id": "e1", "slug": "acme/glm", "targets": [], "retired_attribute": 1}
    response = TerraformProvider().UpgradeResourceState(
        pb.UpgradeResourceState.Request(
            type_name="basetengateway_endpoint",
            version=0,
            raw_state=pb.RawState(json=json.dumps(stored).encode()),
        ),
        None,
    )
    upgraded = decode(response.upgraded_state)
    assert set(upgraded) == set(RESOURCES["basetengateway_endpoint"].attrs)
    assert upgraded["slug"] == "acme/glm"
    assert upgraded["region"] is None


def test_the_provider_block_judges_what_is_written_and_configure_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BASETEN_API_KEY", raising=False)
    monkeypatch.delenv("BASETEN_API_URL", raising=False)
    provider = TerraformProvider()
    names = [
        a.name
        for a in provider.GetProviderSchema(pb.GetProviderSchema.Request(), None).provider.block.attributes
    ]
    assert names == [
        "api_key",
        "api_url",
        "max_requests_per_second",
        "attempt_timeout",
        "total_timeout",
        "signing_key",
    ]
    block = dict.fromkeys(names)
    bad = provider.ValidateProviderConfig(
        pb.ValidateProviderConfig.Request(config=to_dynamic_value({**block, "total_timeout": -1.0})), None
    )
    (diagnostic,) = bad.diagnostics
    assert (
        diagnostic.summary
        == "total_timeout (or BASETEN_TOTAL_TIMEOUT) must be a number of seconds greater than 0"
    )
    assert [s.attribute_name for s in diagnostic.attribute.steps] == ["total_timeout"]
    unknown = provider.ValidateProviderConfig(
        pb.ValidateProviderConfig.Request(config=to_dynamic_value({**block, "api_url": Unknown})), None
    )
    assert not unknown.diagnostics
    assert not provider.ValidateProviderConfig(
        pb.ValidateProviderConfig.Request(config=to_dynamic_value(block)), None
    ).diagnostics
    configured = provider.ConfigureProvider(
        pb.ConfigureProvider.Request(config=to_dynamic_value(block)), None
    )
    assert [d.summary.split(":")[0] for d in configured.diagnostics] == ["no Baseten API key"]


def test_an_apply_whose_unknowns_came_out_unchanged_sends_nothing_and_leaves_nothing_unknown() -> None:
    attrs = RESOURCES["basetengateway_endpoint"].attrs
    prior = {name: None for name in attrs}
    prior.update(
        id="e1",
        endpoint_id="e1",
        slug="acme/glm",
        targets=[{"provider": "BASETEN", "model_id": "abc1234"}],
        created_at="2026-12-06T00:00:00Z",
        updated_at="2026-12-06T00:00:00Z",
    )
    # Planned while the target's model id was unknown (another resource's output): an update, with the
    # update's outputs unknown; at apply it is known, and the same as before.
    planned = {**prior, "updated_at": Unknown}
    provider = TerraformProvider()

    def no_request() -> None:
        raise AssertionError("a request was made")

    provider._client = no_request  # type: ignore[assignment,method-assign]
    response = provider.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name="basetengateway_endpoint",
            prior_state=to_dynamic_value(prior),
            planned_state=to_dynamic_value(planned),
            config=to_dynamic_value(planned),
        ),
        None,
    )
    assert not response.diagnostics
    state = decode(response.new_state)
    assert state["updated_at"] == "2026-12-06T00:00:00Z"
    assert Unknown not in state.values()
