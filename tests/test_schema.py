"""``schema.json`` stays in step with the code it documents.

The package schema is written by hand, so every fact it states is checked here against its source of truth:
the models (target fields, enums), the rules (``TARGET_FIELDS``), the resource class (inputs, outputs), the
provider (replace-on-change properties, config keys, environment variables, defaults). A change to one side
without the other fails a test. The schema is also validated structurally, against an inline excerpt of
Pulumi's package metaschema (``pkg/codegen/schema/pulumi.json``: the Pulumi CLI, the full validator, is not
installed here), and against the binder's cross-reference rules (``$ref`` targets exist, ``required`` names
exist, defaults are of the property's type).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import inspect
import json
import re
from collections.abc import Iterator, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # dev dependency, no stubs
import pytest

from pulumi_baseten_gateway import provider
from pulumi_baseten_gateway.api import client
from pulumi_baseten_gateway.dynamic import endpoint as resource
from pulumi_baseten_gateway.resources.endpoint import model as models
from pulumi_baseten_gateway.resources.endpoint import rules

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schema.json"
PACKAGE = "baseten-gateway"
CONFIG_NAMESPACE = "baseten"

# -- an excerpt of Pulumi's package metaschema: the parts this schema uses -----------------------------------
_TOKEN = r"^[a-zA-Z][-a-zA-Z0-9_]*:([^0-9][a-zA-Z0-9._/-]*)?:[^0-9][a-zA-Z0-9._/-]*$"
_PRIMITIVES = ["boolean", "integer", "number", "string"]

METASCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-zA-Z][-a-zA-Z0-9_]*$"},
        "displayName": {"type": "string"},
        "version": {
            "type": "string",
            "pattern": r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$",
        },
        "description": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "homepage": {"type": "string"},
        "license": {"type": "string"},
        "repository": {"type": "string"},
        "publisher": {"type": "string"},
        "config": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "variables": {"type": "object", "additionalProperties": {"$ref": "#/$defs/propertySpec"}},
                "defaults": {"type": "array", "items": {"type": "string"}},
            },
        },
        "provider": {"$ref": "#/$defs/resourceSpec"},
        "types": {
            "type": "object",
            "propertyNames": {"pattern": _TOKEN},
            "additionalProperties": {"$ref": "#/$defs/complexTypeSpec"},
        },
        "resources": {
            "type": "object",
            "propertyNames": {"pattern": _TOKEN},
            "additionalProperties": {"$ref": "#/$defs/resourceSpec"},
        },
        "language": {
            "type": "object",
            "properties": {
                "python": {
                    "type": "object",
                    "properties": {"packageName": {"type": "string"}, "requires": {"type": "object"}},
                }
            },
        },
    },
    "$defs": {
        "typeSpec": {
            "type": "object",
            "properties": {"plain": {"type": "boolean"}},
            "oneOf": [
                {
                    "title": "Primitive Type",
                    "properties": {
                        "type": {"enum": _PRIMITIVES},
                        "additionalProperties": False,
                        "items": False,
                        "oneOf": False,
                        "$ref": False,
                    },
                    "required": ["type"],
                },
                {
                    "title": "Array Type",
                    "properties": {
                        "type": {"const": "array"},
                        "items": {"$ref": "#/$defs/typeSpec"},
                        "additionalProperties": False,
                        "oneOf": False,
                        "$ref": False,
                    },
                    "required": ["type", "items"],
                },
                {
                    "title": "Map Type",
                    "properties": {
                        "type": {"const": "object"},
                        "additionalProperties": {"$ref": "#/$defs/typeSpec"},
                        "items": False,
                        "oneOf": False,
                        "$ref": False,
                    },
                    "required": ["type"],
                },
                {
                    "title": "Named Type",
                    "properties": {
                        "type": {"type": "string"},
                        "$ref": {"type": "string"},
                        "additionalProperties": False,
                        "items": False,
                        "oneOf": False,
                    },
                    "required": ["$ref"],
                },
            ],
        },
        "propertySpec": {
            "type": "object",
            "allOf": [{"$ref": "#/$defs/typeSpec"}],
            "properties": {
                "description": {"type": "string"},
                "const": {"type": ["boolean", "number", "string"]},
                "default": {"type": ["boolean", "number", "string"]},
                "defaultInfo": {
                    "type": "object",
                    "properties": {
                        "environment": {"type": "array", "items": {"type": "string"}},
                        "language": {"type": "object"},
                    },
                    "required": ["environment"],
                },
                "deprecationMessage": {"type": "string"},
                "language": {"type": "object"},
                "secret": {"type": "boolean"},
                "replaceOnChanges": {"type": "boolean"},
                "willReplaceOnChanges": {"type": "boolean"},
            },
        },
        "objectTypeSpec": {
            "type": "object",
            "properties": {
                "description": {"type": "string"},
                "properties": {"type": "object", "additionalProperties": {"$ref": "#/$defs/propertySpec"}},
                "type": {"type": "string"},
                "required": {"type": "array", "items": {"type": "string"}},
                "language": {"type": "object"},
            },
        },
        "enumTypeSpec": {
            "type": "object",
            "properties": {
                "type": {"enum": _PRIMITIVES},
                "enum": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "description": {"type": "string"},
                            "value": {"type": ["boolean", "integer", "number", "string"]},
                            "deprecationMessage": {"type": "string"},
                        },
                        "required": ["value"],
                    },
                },
            },
            "required": ["type", "enum"],
        },
        "complexTypeSpec": {
            "type": "object",
            "properties": {"description": {"type": "string"}, "language": {"type": "object"}},
            "oneOf": [
                {"allOf": [{"$ref": "#/$defs/objectTypeSpec"}], "properties": {"type": {"const": "object"}}},
                {"$ref": "#/$defs/enumTypeSpec"},
            ],
        },
        "resourceSpec": {
            "type": "object",
            "allOf": [{"$ref": "#/$defs/objectTypeSpec"}],
            "properties": {
                "description": {"type": "string"},
                "inputProperties": {
                    "type": "object",
                    "additionalProperties": {"$ref": "#/$defs/propertySpec"},
                },
                "requiredInputs": {"type": "array", "items": {"type": "string"}},
                "deprecationMessage": {"type": "string"},
                "isComponent": {"type": "boolean"},
            },
        },
    },
}


# -- helpers -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as stream:
        loaded: dict[str, Any] = json.load(stream)
    return loaded


def _type_token(name: str) -> str:
    return f"{PACKAGE}:index:{name}"


def _ref(token: str) -> str:
    return f"#/types/{token}"


def _type(schema: Mapping[str, Any], name: str) -> dict[str, Any]:
    spec: dict[str, Any] = schema["types"][_type_token(name)]
    return spec


def _endpoint(schema: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = schema["resources"][_type_token("Endpoint")]
    return spec


def _enum_values(spec: Mapping[str, Any]) -> list[Any]:
    return [member["value"] for member in spec["enum"]]


def _property_specs(schema: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every property spec in the schema (config, provider, types, resources), with a path for messages."""
    for name, spec in schema.get("config", {}).get("variables", {}).items():
        yield f"config.variables.{name}", spec
    owners: list[tuple[str, Mapping[str, Any]]] = [("provider", schema.get("provider", {}))]
    owners += [(f"types[{token}]", spec) for token, spec in schema.get("types", {}).items()]
    owners += [(f"resources[{token}]", spec) for token, spec in schema.get("resources", {}).items()]
    for owner, spec in owners:
        for section in ("properties", "inputProperties"):
            for name, prop in spec.get(section, {}).items():
                yield f"{owner}.{section}.{name}", prop


def _type_refs(spec: Mapping[str, Any]) -> Iterator[str]:
    """Every ``$ref`` in a type reference, including array items and map values."""
    if "$ref" in spec:
        yield spec["$ref"]
    for key in ("items", "additionalProperties"):
        nested = spec.get(key)
        if isinstance(nested, Mapping):
            yield from _type_refs(nested)


def _output_names(cls: type) -> set[str]:
    """Names of the ``pulumi.Output[...]`` annotations a class declares itself (annotations are strings)."""
    names = set()
    for name, annotation in inspect.get_annotations(cls).items():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if re.match(r"^(pulumi\.)?Output\[", text.strip()):
            names.add(name)
    return names


def _config_key(constant: str) -> str:
    namespace, _, key = constant.partition(":")
    assert namespace == CONFIG_NAMESPACE, constant
    return key


# -- structure -----------------------------------------------------------------------------------------------


def test_metaschema_is_itself_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(METASCHEMA)


def test_schema_matches_pulumi_metaschema(schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(METASCHEMA)
    errors = sorted(validator.iter_errors(schema), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_metaschema_rejects_broken_schemas(schema: dict[str, Any]) -> None:
    """The excerpt is strict enough to catch the mistakes a hand edit makes."""
    validator = jsonschema.Draft202012Validator(METASCHEMA)
    broken = json.loads(json.dumps(schema))
    broken["resources"]["baseten-gateway:Endpoint"] = broken["resources"].pop(_type_token("Endpoint"))
    assert not validator.is_valid(broken), "a token without a module"
    broken = json.loads(json.dumps(schema))
    broken["types"][_type_token("Target")]["properties"]["model_id"] = {"type": "str"}
    assert not validator.is_valid(broken), "an unknown primitive type"
    broken = json.loads(json.dumps(schema))
    broken["types"][_type_token("Region")]["enum"] = ["EU"]
    assert not validator.is_valid(broken), "enum values must be objects with a value"
    broken = json.loads(json.dumps(schema))
    broken["typo"] = {}
    assert not validator.is_valid(broken), "an unknown top-level key"


def test_package_identity(schema: dict[str, Any]) -> None:
    assert schema["name"] == PACKAGE
    assert schema["version"] == importlib.metadata.version("pulumi-baseten-gateway")
    assert schema["language"]["python"]["packageName"] == resource.__name__.split(".")[0]


def test_every_token_is_in_this_package(schema: dict[str, Any]) -> None:
    for section in ("types", "resources"):
        for token in schema[section]:
            assert token.split(":")[0] == PACKAGE, token


def test_every_type_reference_resolves(schema: dict[str, Any]) -> None:
    for path, prop in _property_specs(schema):
        for ref in _type_refs(prop):
            assert ref.startswith("#/types/"), f"{path}: {ref} is not a local type reference"
            assert ref.removeprefix("#/types/") in schema["types"], f"{path}: {ref} is not defined"


def test_every_type_is_used(schema: dict[str, Any]) -> None:
    used = {ref for _, prop in _property_specs(schema) for ref in _type_refs(prop)}
    assert {_ref(token) for token in schema["types"]} <= used


def test_required_names_exist(schema: dict[str, Any]) -> None:
    specs = [schema["provider"], *schema["types"].values(), *schema["resources"].values()]
    for spec in specs:
        assert set(spec.get("required", [])) <= set(spec.get("properties", {}))
        assert set(spec.get("requiredInputs", [])) <= set(spec.get("inputProperties", {}))


def test_defaults_have_the_property_type(schema: dict[str, Any]) -> None:
    python_types: dict[str, tuple[type, ...]] = {
        "string": (str,),
        "number": (int, float),
        "integer": (int,),
        "boolean": (bool,),
    }
    for path, prop in _property_specs(schema):
        if "default" not in prop:
            continue
        default = prop["default"]
        if "$ref" in prop:
            target = schema["types"][prop["$ref"].removeprefix("#/types/")]
            assert "enum" in target, f"{path}: only enum-typed references may have a default"
            assert default in _enum_values(target), f"{path}: {default!r} is not an enum value"
        else:
            assert isinstance(default, python_types[prop["type"]]), f"{path}: {default!r}"
            assert not (prop["type"] != "boolean" and isinstance(default, bool)), path


def test_every_property_is_described(schema: dict[str, Any]) -> None:
    for path, prop in _property_specs(schema):
        assert prop.get("description", "").strip(), f"{path} has no description"
    for section in ("types", "resources"):
        for token, spec in schema[section].items():
            assert spec.get("description", "").strip(), f"{token} has no description"


# -- types against the models and rules ----------------------------------------------------------------------


def test_target_fields_match_rules_and_model(schema: dict[str, Any]) -> None:
    properties = set(_type(schema, "Target")["properties"])
    assert properties == set(rules.TARGET_FIELDS)
    assert properties == set(models.Target.model_fields)


def test_target_required_fields_match_model(schema: dict[str, Any]) -> None:
    required = {name for name, field in models.Target.model_fields.items() if field.is_required()}
    assert set(_type(schema, "Target")["required"]) == required == {"provider"}


def test_target_property_types(schema: dict[str, Any]) -> None:
    properties = _type(schema, "Target")["properties"]
    assert properties["provider"]["$ref"] == _ref(_type_token("TargetProvider"))
    assert properties["vertex_config"]["$ref"] == _ref(_type_token("VertexConfig"))
    for name in set(rules.TARGET_FIELDS) - {"provider", "vertex_config"}:
        assert properties[name]["type"] == "string", name
        assert "$ref" not in properties[name], name


def test_vertex_config_matches_model(schema: dict[str, Any]) -> None:
    spec = _type(schema, "VertexConfig")
    assert spec["type"] == "object"
    assert set(spec["properties"]) == set(models.VertexConfig.model_fields)
    required = {name for name, field in models.VertexConfig.model_fields.items() if field.is_required()}
    assert set(spec["required"]) == required
    assert all(prop["type"] == "string" for prop in spec["properties"].values())


@pytest.mark.parametrize(("name", "enum"), [("TargetProvider", models.Provider), ("Region", models.Region)])
def test_enum_values_match_model(schema: dict[str, Any], name: str, enum: type[Enum]) -> None:
    spec = _type(schema, name)
    assert spec["type"] == "string"
    values = _enum_values(spec)
    assert len(values) == len(set(values)), f"duplicate values in {name}"
    assert set(values) == {member.value for member in enum}


# -- the Endpoint resource against resource.py and provider.py -----------------------------------------------


def test_resource_token_matches_the_dynamic_type_token(schema: dict[str, Any]) -> None:
    token = _type_token("Endpoint")
    assert token in schema["resources"]
    # ENDPOINT_TYPE_TOKEN is "pulumi-python:dynamic/<package>:<Name>".
    engine_package, module, name = models.ENDPOINT_TYPE_TOKEN.split(":")
    assert engine_package == "pulumi-python"
    assert module == f"dynamic/{PACKAGE}"
    assert token.endswith(f":{name}")
    assert f"pulumi-python:{resource.Endpoint._resource_type_name}" == models.ENDPOINT_TYPE_TOKEN


def test_resource_inputs_match_the_constructor(schema: dict[str, Any]) -> None:
    parameters = inspect.signature(resource.Endpoint.__init__).parameters.values()
    keyword_inputs = {p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}
    args_fields = {field.name for field in dataclasses.fields(resource.EndpointArgs)}
    inputs = set(_endpoint(schema)["inputProperties"])
    assert inputs == keyword_inputs == args_fields == {"slug", "targets", "region", "adopt"}


def test_required_inputs_are_the_args_without_default(schema: dict[str, Any]) -> None:
    without_default = {
        field.name
        for field in dataclasses.fields(resource.EndpointArgs)
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    }
    assert set(_endpoint(schema)["requiredInputs"]) == without_default == {"slug", "targets"}


def test_resource_outputs_match_the_output_annotations(schema: dict[str, Any]) -> None:
    outputs = _output_names(resource.Endpoint)
    assert outputs == {"endpoint_id", "slug", "targets", "region", "created_at", "updated_at"}
    spec = _endpoint(schema)
    assert set(spec["properties"]) == outputs
    assert set(spec["required"]) == outputs


def test_resource_outputs_match_what_the_provider_returns(schema: dict[str, Any]) -> None:
    from datetime import datetime, timezone

    now = datetime(2026, 6, 17, 12, tzinfo=timezone.utc)
    endpoint = models.Endpoint(
        id="abc123hash",
        slug="my-org/glm-5.2",
        targets=[models.Target(provider=models.Provider.BASETEN, model_id="3kZ9xqd")],
        created_at=now,
        updated_at=now,
    )
    assert set(provider._outputs(endpoint)) == set(_endpoint(schema)["properties"])


def test_resource_property_types(schema: dict[str, Any]) -> None:
    spec = _endpoint(schema)
    target_array = {"type": "array", "items": {"$ref": _ref(_type_token("Target"))}}
    for section in ("inputProperties", "properties"):
        props = spec[section]
        assert props["slug"]["type"] == "string"
        assert {k: props["targets"][k] for k in ("type", "items")} == target_array
        assert props["region"]["$ref"] == _ref(_type_token("Region"))
    assert spec["inputProperties"]["adopt"]["type"] == "boolean"
    for name in ("endpoint_id", "created_at", "updated_at"):
        assert spec["properties"][name]["type"] == "string"


def test_targets_description_says_exactly_one(schema: dict[str, Any]) -> None:
    assert "exactly one" in _endpoint(schema)["inputProperties"]["targets"]["description"].lower()


def test_region_defaults_to_the_model_default(schema: dict[str, Any]) -> None:
    default = models.CreateEndpointRequest.model_fields["region"].default
    assert _endpoint(schema)["inputProperties"]["region"]["default"] == default.value
    assert "default" not in _endpoint(schema)["inputProperties"]["slug"]


def test_replace_on_changes_matches_the_provider(schema: dict[str, Any]) -> None:
    spec = _endpoint(schema)
    for section in ("inputProperties", "properties"):
        replacing = {name for name, prop in spec[section].items() if prop.get("replaceOnChanges")}
        assert replacing == set(provider.REPLACE_ON_CHANGES), section


# -- provider configuration against provider.py --------------------------------------------------------------


def test_config_variables_match_the_provider_keys(schema: dict[str, Any]) -> None:
    keys = {_config_key(c) for c in (provider.API_KEY_CONFIG, provider.API_URL_CONFIG, provider.RATE_CONFIG)}
    assert set(schema["config"]["variables"]) == keys


def test_provider_inputs_are_the_config_variables(schema: dict[str, Any]) -> None:
    assert schema["provider"]["inputProperties"] == schema["config"]["variables"]


def test_config_environment_variables(schema: dict[str, Any]) -> None:
    variables = schema["config"]["variables"]
    expected = {
        provider.API_KEY_CONFIG: provider.API_KEY_ENV,
        provider.API_URL_CONFIG: provider.API_URL_ENV,
        provider.RATE_CONFIG: provider.RATE_ENV,
    }
    for constant, env in expected.items():
        assert variables[_config_key(constant)]["defaultInfo"]["environment"] == [env]


def test_config_types_and_defaults(schema: dict[str, Any]) -> None:
    variables = schema["config"]["variables"]
    api_key = variables[_config_key(provider.API_KEY_CONFIG)]
    assert api_key["type"] == "string"
    assert api_key.get("secret") is True
    assert "default" not in api_key
    api_url = variables[_config_key(provider.API_URL_CONFIG)]
    assert api_url["type"] == "string"
    assert api_url["default"] == client.DEFAULT_BASE_URL
    assert not api_url.get("secret", False)
    rate = variables[_config_key(provider.RATE_CONFIG)]
    assert rate["type"] == "number"
    assert rate["default"] == provider.DEFAULT_MAX_REQUESTS_PER_SECOND


def test_config_descriptions_name_the_real_config_keys(schema: dict[str, Any]) -> None:
    """The dynamic provider reads ``baseten:<key>``, not ``<package>:<key>``: the docs must say so."""
    variables = schema["config"]["variables"]
    for constant in (provider.API_KEY_CONFIG, provider.API_URL_CONFIG, provider.RATE_CONFIG):
        assert constant in variables[_config_key(constant)]["description"]
