"""Everything generated from the declarations is current, valid, and agrees with the code it describes.

``schema.json`` and ``dynamic/types.py`` are generated (``make schema``); a stale committed copy fails here.
The schema must satisfy Pulumi's own metaschema (from the pinned release's module), and its references
must resolve. The hand-written Python resource class must match its declaration: constructor inputs,
output attributes, and what the provider actually returns.
"""

from __future__ import annotations

import inspect
import json
import re

import jsonschema  # type: ignore[import-untyped]  # dev dependency, no stubs
import pytest

from harness.emulator import EmulatorProcess
from harness.engine import pulumi_metaschema
from pulumi_baseten_gateway import Endpoint, GatewayClient
from pulumi_baseten_gateway.api.models.endpoint import PROVIDER_FIELDS, Target
from pulumi_baseten_gateway.dynamic import typegen
from pulumi_baseten_gateway.resources.declaration import camel_case
from pulumi_baseten_gateway.resources.endpoint.core import EndpointCore
from pulumi_baseten_gateway.resources.endpoint.resource import ENDPOINT
from pulumi_baseten_gateway.schema import package_schema, schema_text
from pulumi_baseten_gateway.settings import (
    API_KEY,
    API_URL,
    ATTEMPT_TIMEOUT,
    MAX_REQUESTS_PER_SECOND,
    SIGNING_KEY,
    TOTAL_TIMEOUT,
)
from tests.conftest import REPO_ROOT

TYPES_PATH = REPO_ROOT / "pulumi_baseten_gateway" / "dynamic" / "types.py"


def test_the_committed_schema_is_the_generated_one() -> None:
    assert (REPO_ROOT / "schema.json").read_text(encoding="utf-8") == schema_text(), "run `make schema`"


def test_the_committed_argument_types_are_the_generated_ones() -> None:
    assert TYPES_PATH.read_text(encoding="utf-8") == typegen.types_source(), "run `make schema`"


def test_the_schema_is_valid_against_pulumis_own_metaschema() -> None:
    validator = jsonschema.Draft202012Validator(pulumi_metaschema())
    errors = sorted(validator.iter_errors(package_schema()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_every_type_reference_resolves() -> None:
    schema = package_schema()
    text = json.dumps(schema)
    for token in re.findall(r'"#/types/([^"]+)"', text):
        assert token in schema["types"], token
    for token, definition in schema["types"].items():  # and every type is used
        assert f'"#/types/{token}"' in text, token
        for name in definition.get("required", []):
            assert name in definition["properties"]


def test_every_target_field_and_provider_rule_reaches_the_schema() -> None:
    schema = package_schema()
    target = schema["types"]["baseten-gateway:index:Target"]
    assert list(target["properties"]) == [camel_case(name) for name in Target.__struct_fields__]
    providers = schema["types"]["baseten-gateway:index:TargetProvider"]["enum"]
    described = {value["value"]: value["description"] for value in providers}
    for provider, variant in PROVIDER_FIELDS.items():
        for field in variant.required | variant.optional:
            assert f"`{field}`" in described[provider.value]


def test_resource_inputs_outputs_and_replacements_follow_the_declaration() -> None:
    resource = package_schema()["resources"][ENDPOINT.token]
    assert set(resource["inputProperties"]) == {p.schema_name for p in ENDPOINT.inputs}
    assert resource["requiredInputs"] == ["slug", "targets"]
    assert set(resource["properties"]) == {p.schema_name for p in ENDPOINT.outputs}
    replaced = {name for name, p in resource["inputProperties"].items() if p.get("replaceOnChanges")}
    assert replaced == {"slug", "region"}
    assert EndpointCore.declaration.replaces == ("slug", "region")


def test_config_variables_are_the_provider_settings() -> None:
    config = package_schema()["config"]["variables"]
    settings = (API_KEY, API_URL, MAX_REQUESTS_PER_SECOND, ATTEMPT_TIMEOUT, TOTAL_TIMEOUT, SIGNING_KEY)
    assert set(config) == {setting.name for setting in settings}
    assert config["apiKey"]["secret"] is True
    assert config["signingKey"]["secret"] is True
    for setting in settings:
        assert config[setting.name]["defaultInfo"]["environment"] == [setting.env]
        # The native provider is handed its own package's config: `baseten-gateway:<name>`.
        assert f"baseten-gateway:{setting.name}" in config[setting.name]["description"]


def test_the_python_resource_matches_its_declaration() -> None:
    parameters = inspect.signature(Endpoint.__init__).parameters
    keyword_inputs = {name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert keyword_inputs == {p.name for p in ENDPOINT.inputs}
    outputs = {name for name, hint in Endpoint.__annotations__.items() if hint.startswith("pulumi.Output[")}
    assert outputs == {p.name for p in ENDPOINT.outputs}


def test_what_the_provider_returns_is_what_the_declaration_lists(emulator: EmulatorProcess) -> None:
    with GatewayClient("acme-key", base_url=emulator.base_url) as client:
        core = EndpointCore(lambda: client)
        slug = f"acme/schema-{id(core)}"
        id_, outputs = core.create({"slug": slug, "targets": [{"provider": "BASETEN", "model_id": "m"}]})
        try:
            assert set(outputs) == {p.name for p in ENDPOINT.outputs}
            read = core.read(id_, outputs)
            assert read is not None
            assert set(read.outputs) == set(outputs)
            assert set(read.inputs) <= {p.name for p in ENDPOINT.inputs}
        finally:
            core.delete(id_, outputs)


@pytest.mark.parametrize("name", ["endpoint_id", "created_at", "updated_at"])
def test_output_only_properties_are_not_inputs(name: str) -> None:
    """What the API sets is an output of the schema and the Python class, never an input of either."""
    resource = package_schema()["resources"][ENDPOINT.token]
    assert camel_case(name) in resource["properties"]
    assert camel_case(name) not in resource["inputProperties"]
    assert name not in inspect.signature(Endpoint.__init__).parameters
    assert Endpoint.__annotations__[name].startswith("pulumi.Output[")


def test_the_metaschema_check_catches_a_broken_schema() -> None:
    """Not vacuous: the kinds of mistake a hand edit makes are refused."""
    validator = jsonschema.Draft202012Validator(pulumi_metaschema())
    broken = package_schema()
    broken["types"]["baseten-gateway:index:Target"]["properties"]["modelId"] = {"type": "str"}
    assert not validator.is_valid(broken)
    broken = package_schema()
    broken["types"]["baseten-gateway:index:Region"]["enum"] = ["EU"]
    assert not validator.is_valid(broken)
    broken = package_schema()
    broken["resources"]["baseten-gateway:Endpoint"] = broken["resources"].pop(ENDPOINT.token)
    assert not validator.is_valid(broken)
