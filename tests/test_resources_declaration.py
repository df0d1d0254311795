"""Everything generated from the declarations is current, valid, and agrees with the code it describes.

``schema.json`` and ``dynamic/types.py`` are generated (``make schema``); a stale committed copy fails here.
The schema must satisfy Pulumi's own metaschema (from the pinned release's module), and its references
must resolve. Then one test, over every resource, holds each one to its declaration everywhere: the
schema the native plugin publishes, the core both providers drive, the hand-written Python resource class
and its dynamic provider, and what the core actually returns from the emulator.
"""

from __future__ import annotations

import base64
import inspect
import json
import re
import secrets
import sys
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # dev dependency, no stubs
import pytest

import pulumi_baseten_gateway as package
from harness.emulator import ACME_KEY, ACME_SIGNING_SEED, EmulatorProcess, unique_slug
from harness.engine import pulumi_metaschema
from pulumi_baseten_gateway import GatewayClient
from pulumi_baseten_gateway.api.models.endpoint import PROVIDER_FIELDS, Target
from pulumi_baseten_gateway.api.signing import SigningKey
from pulumi_baseten_gateway.dynamic import typegen
from pulumi_baseten_gateway.native.server import CORES
from pulumi_baseten_gateway.resources.api_key.resource import GATEWAY_API_KEY, REGISTERED_GATEWAY_API_KEY
from pulumi_baseten_gateway.resources.declaration import ResourceDecl, camel_case
from pulumi_baseten_gateway.resources.endpoint.resource import ENDPOINT
from pulumi_baseten_gateway.resources.group.resource import GROUP
from pulumi_baseten_gateway.resources.secret.resource import SECRET
from pulumi_baseten_gateway.schema import RESOURCES, package_schema, schema_text
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
#: acme's signing key (the workspace's public key is registered in the emulator), for registrations.
ACME_SIGNING_KEY = base64.b64encode(ACME_SIGNING_SEED).decode()


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


# -- every resource follows its declaration everywhere --------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What one resource must be, written out here (not read from its declaration) so a changed
    declaration fails until the change is meant."""

    decl: ResourceDecl
    module: str  # where the Python resource class lives
    provider_module: str  # where its dynamic provider lives: Pulumi pickles that path into every state
    required: list[str]  # the schema's `requiredInputs`, in order
    replaced: set[str]  # the inputs with `replaceOnChanges` (schema names)
    core_replaces: tuple[str, ...]  # what the core replaces (declaration names)
    secrets: set[str]  # the properties marked secret (schema names)
    output_only: set[str]  # what only the API sets (declaration names)
    inputs: Callable[[GatewayClient, ExitStack], dict[str, Any]]  # valid inputs for a create


def _group(client: GatewayClient, cleanup: ExitStack) -> str:
    """A group for a key to belong to, deleted after the test."""
    group = client.groups.create(f"conformance-{uuid.uuid4().hex[:12]}", [{"slug": "acme/a"}])
    cleanup.callback(client.groups.delete, group.id)
    return group.id


EXPECTED = [
    Expected(
        ENDPOINT,
        module="pulumi_baseten_gateway.dynamic.endpoint",
        provider_module="pulumi_baseten_gateway.provider",
        required=["slug", "targets"],
        replaced={"slug", "region"},
        core_replaces=("slug", "region"),
        secrets=set(),
        output_only={"endpoint_id", "created_at", "updated_at"},
        inputs=lambda client, cleanup: {
            "slug": unique_slug(name="schema"),
            "targets": [{"provider": "BASETEN", "model_id": "m"}],
        },
    ),
    Expected(
        SECRET,
        module="pulumi_baseten_gateway.dynamic.secret",
        provider_module="pulumi_baseten_gateway.dynamic.secret",
        required=["name", "value"],
        replaced={"name", "teamId"},
        core_replaces=("name", "team_id"),
        secrets={"value"},
        output_only={"secret_id", "team_name", "created_at"},
        inputs=lambda client, cleanup: {
            "name": f"conformance-{uuid.uuid4().hex[:12]}",
            "value": "sk-conformance-Example-4Rt8Wq",
        },
    ),
    Expected(
        GROUP,
        module="pulumi_baseten_gateway.dynamic.group",
        provider_module="pulumi_baseten_gateway.dynamic.group",
        required=["externalEntityId", "models"],
        replaced={"externalEntityId", "limitEnforcement", "parentGroupId"},
        core_replaces=("external_entity_id", "limit_enforcement", "parent_group_id"),
        secrets=set(),
        output_only={"group_id", "effective_models", "created_at"},
        inputs=lambda client, cleanup: {
            "external_entity_id": f"conformance-{uuid.uuid4().hex[:12]}",
            "models": [{"slug": "acme/a"}],
        },
    ),
    Expected(
        GATEWAY_API_KEY,
        module="pulumi_baseten_gateway.dynamic.api_key",
        provider_module="pulumi_baseten_gateway.dynamic.api_key",
        required=["groupId"],
        replaced={"groupId", "name"},
        core_replaces=("group_id", "name"),
        secrets={"apiKey"},
        output_only={"prefix", "api_key"},
        inputs=lambda client, cleanup: {"group_id": _group(client, cleanup), "name": "conformance"},
    ),
    Expected(
        REGISTERED_GATEWAY_API_KEY,
        module="pulumi_baseten_gateway.dynamic.api_key",
        provider_module="pulumi_baseten_gateway.dynamic.api_key",
        required=["groupId", "key"],
        replaced={"groupId", "key", "name"},
        core_replaces=("group_id", "key", "name"),
        secrets={"key"},
        output_only={"prefix"},
        inputs=lambda client, cleanup: {
            "group_id": _group(client, cleanup),
            "key": "lk_" + secrets.token_urlsafe(34)[:45],  # 48 characters, entropy well above 3.0
            "name": "conformance",
        },
    ),
]


def test_every_resource_is_expected_here() -> None:
    assert [e.decl for e in EXPECTED] == list(RESOURCES)
    assert set(CORES) == {decl.token for decl in RESOURCES}


@pytest.mark.parametrize("expected", EXPECTED, ids=[e.decl.name for e in EXPECTED])
def test_each_resource_follows_its_declaration_everywhere(
    expected: Expected, emulator: EmulatorProcess
) -> None:
    decl = expected.decl
    inputs = {p.name for p in decl.inputs}
    outputs = {p.name for p in decl.outputs}
    assert {p.name for p in decl.output_only} == expected.output_only

    # The schema the native plugin publishes.
    resource = package_schema()["resources"][decl.token]
    assert set(resource["inputProperties"]) == {p.schema_name for p in decl.inputs}
    assert resource["requiredInputs"] == expected.required
    assert set(resource["properties"]) == {p.schema_name for p in decl.outputs}
    assert {n for n, p in resource["properties"].items() if p.get("secret")} == expected.secrets
    assert {n for n, p in resource["inputProperties"].items() if p.get("secret")} <= expected.secrets
    assert {
        n for n, p in resource["inputProperties"].items() if p.get("replaceOnChanges")
    } == expected.replaced
    for name in expected.output_only:  # what the API sets is an output, never an input
        assert camel_case(name) in resource["properties"]
        assert camel_case(name) not in resource["inputProperties"]

    # The core the native plugin serves, and the dynamic provider drives: the same one.
    core_class = CORES[decl.token]
    assert core_class.declaration is decl
    assert core_class.declaration.replaces == expected.core_replaces

    # The hand-written Python resource class and its dynamic provider.
    cls = getattr(package, decl.name)
    assert cls.__module__ == expected.module
    parameters = inspect.signature(cls.__init__).parameters
    keyword_inputs = {name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert keyword_inputs == inputs
    annotated = {name for name, hint in cls.__annotations__.items() if hint.startswith("pulumi.Output[")}
    assert annotated == outputs
    for name in expected.output_only:
        assert name not in parameters
        assert cls.__annotations__[name].startswith("pulumi.Output[")
    provider = getattr(sys.modules[cls.__module__], f"{decl.name}Provider")
    assert provider.__module__ == expected.provider_module
    assert provider.core is core_class

    # What the core returns, against the emulator: what the declaration lists.
    with (
        GatewayClient(
            ACME_KEY, base_url=emulator.base_url, signing_key=SigningKey(ACME_SIGNING_KEY)
        ) as client,
        ExitStack() as cleanup,
    ):
        core = core_class(lambda: client)
        id_, created = core.create(expected.inputs(client, cleanup))
        try:
            assert set(created) == outputs
            read = core.read(id_, created)
            assert read is not None
            assert set(read.outputs) == set(created)
            assert set(read.inputs) <= inputs
        finally:
            core.delete(id_, created)
