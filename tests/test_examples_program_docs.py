"""The documentation's examples (``examples/docs/<language>/<example>/``), each run as its user runs it.

Every resource and function page of the docs shows one example in Python, TypeScript, Go and YAML; ``make
schema`` copies the programs into the schema's descriptions, from which the SDKs' doc comments and the API
pages (docs/api) are generated. Each program here is a project directory of its own: ``pulumi stack init``,
``pulumi config set`` (the provider's key, and the example's own secrets), ``pulumi up`` (and ``pulumi
destroy``, which runs no program: once per example, in YAML), through the pinned CLI, its language host,
the generated SDK and the native plugin, against the emulator (workspace prefix ``my-org``, as the examples
write their slugs).

The oracle is what the example says it does, written here once per example for all four languages: after
``up`` the workspace holds exactly those objects (and what the test made beforehand for a look-up to find,
"managed by another stack"), the stack's outputs are those objects' ids and values, and after ``destroy``
only what was there before is left. So an example whose program breaks, or that does something other than
its title says, fails here; and the four languages cannot drift apart.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest

from harness.docs import fenced_blocks
from harness.emulator import ACME_SIGNING_SEED, EmulatorProcess, public_key_of, write_config
from harness.engine import tree_first
from harness.programs import ProgramStack, ProjectStack
from harness.sdks import python_sdk
from pulumi_baseten_gateway import GatewayClient
from pulumi_baseten_gateway.api.signing import SigningKey
from tools import doc_examples

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples" / "docs"
LANGUAGES = ("python", "typescript", "go", "yaml")
KEY = "my-org-management-key"
MY_ORG = {
    "name": "my-org",
    "prefixes": ["my-org"],
    "api_keys": [{"key": KEY, "scopes": ["manage"]}],
    "public_key": public_key_of(ACME_SIGNING_SEED),
}
ANTHROPIC_KEY = "sk-ant-docs-Example-9Lq3Xw7Zt2"
LEGACY_KEY = "legacy-docs-Example-k3J9pQ7vX2mB8nR4tW6yZ1cF5hL0sD"  # 51 printable characters, high entropy
#: The provider's signing key (the workspace's public key is MY_ORG's): raw, in base64.
SIGNING_KEY = base64.b64encode(ACME_SIGNING_SEED).decode("ascii")

GLM = {"provider": "BASETEN", "model_id": "3kZ9xqd"}
TOKEN_PER_MINUTE = {"type": "TOKEN", "unit": "MINUTE", "threshold": 100_000}
TOKEN_PER_DAY = {"type": "TOKEN", "unit": "DAY", "threshold": 10_000_000}


def _world(client: GatewayClient) -> dict[str, Any]:
    """The workspace, compared by what a user sees: endpoints by slug, groups and their keys by customer."""
    groups = {group.metadata.external_entity_id: group for group in client.groups.list()}
    return {
        "endpoints": {e.slug: [t.to_api() for t in e.targets] for e in client.endpoints.list()},
        "secrets": sorted(secret.name for secret in client.secrets.list()),
        "groups": {
            customer: {"name": group.metadata.name, "models": msgspec.to_builtins(group.models)}
            for customer, group in groups.items()
        },
        "keys": {
            customer: sorted((key.name or "", key.prefix) for key in client.keys.list(group.id))
            for customer, group in groups.items()
        },
    }


@dataclass
class Run:
    """One example's stack after ``pulumi up``: its outputs, the workspace, and a client to look further."""

    outputs: dict[str, Any]
    world: dict[str, Any]
    client: GatewayClient


@dataclass(frozen=True)
class Example:
    """What one example needs beforehand (``elsewhere``: made by "another stack") and what it does."""

    check: Callable[[Run], None]
    elsewhere: Callable[[GatewayClient], None] = lambda client: None
    secrets: tuple[tuple[str, str], ...] = ()


def _endpoint(run: Run) -> None:
    assert run.world["endpoints"] == {"my-org/glm-5.2": [GLM]}
    assert run.outputs == {"endpointId": run.client.endpoints.find_by_slug("my-org/glm-5.2").id}  # type: ignore[union-attr]


def _secret(run: Run) -> None:
    (secret,) = run.client.secrets.list()
    assert secret.name == "anthropic-api-key"
    claude = {"provider": "ANTHROPIC", "secret_id": secret.id, "target_model": "claude-sonnet-4-5"}
    assert run.world["endpoints"] == {"my-org/claude-sonnet": [claude]}
    assert run.outputs == {"secretId": secret.id}


def _group(run: Run) -> None:
    assert run.world["endpoints"] == {"my-org/glm-5.2": [GLM]}
    model = {"slug": "my-org/glm-5.2", "rate_limits": [TOKEN_PER_MINUTE], "usage_limits": [TOKEN_PER_DAY]}
    assert run.world["groups"] == {"cust_42": {"name": "Acme Corp", "models": [model]}}
    assert run.outputs == {"groupId": run.client.groups.find("cust_42").id}  # type: ignore[union-attr]


def _bare_group(run: Run) -> str:
    """The examples' group of keys: cust_42 allowed ``my-org/glm-5.2`` with no limit; its id."""
    model = {"slug": "my-org/glm-5.2", "rate_limits": [], "usage_limits": []}
    assert run.world["groups"] == {"cust_42": {"name": None, "models": [model]}}
    return run.client.groups.find("cust_42").id  # type: ignore[union-attr]


def _gateway_api_key(run: Run) -> None:
    _bare_group(run)
    ((name, prefix),) = run.world["keys"]["cust_42"]
    assert name == "prod-1"
    assert run.outputs["keyPrefix"] == prefix
    # The plaintext is a secret output: `pulumi stack output apiKey --show-secrets`, as the comment says.
    assert run.outputs["apiKey"] == "[secret]"


def _registered_gateway_api_key(run: Run) -> None:
    _bare_group(run)
    assert run.world["keys"] == {"cust_42": [("", LEGACY_KEY[:16])]}
    assert run.outputs == {"keyPrefix": LEGACY_KEY[:16]}


def _glm_elsewhere(client: GatewayClient) -> None:
    client.endpoints.create("my-org/glm-5.2", [GLM])


def _get_endpoint(run: Run) -> None:
    assert run.world["endpoints"] == {"my-org/glm-5.2": [GLM]}
    endpoint_id = run.client.endpoints.find_by_slug("my-org/glm-5.2").id  # type: ignore[union-attr]
    assert run.outputs == {"endpointId": endpoint_id, "modelId": "3kZ9xqd"}


def _customer_elsewhere(client: GatewayClient) -> None:
    client.groups.create(
        "cust_42", [{"slug": "my-org/glm-5.2", "usage_limits": [TOKEN_PER_DAY]}], name="Acme"
    )


def _get_group(run: Run) -> None:
    group_id = run.client.groups.find("cust_42").id  # type: ignore[union-attr]
    ((name, prefix),) = run.world["keys"]["cust_42"]
    assert name == "ci"
    assert run.outputs == {"groupId": group_id, "keyPrefix": prefix}


def _get_group_usage(run: Run) -> None:
    # One entry per usage limit of the group's one model; nothing counted yet (0, null or left out).
    (entry,) = run.outputs["usage"]["my-org/glm-5.2"]
    assert {k: entry[k] for k in ("type", "unit", "threshold")} == TOKEN_PER_DAY
    assert entry.get("currentUsage") in (None, 0)
    assert set(run.outputs) == {"usage"}


def _openai_elsewhere(client: GatewayClient) -> None:
    client.secrets.create("openai-api-key", "sk-openai-docs-Example-4Tn8")


def _get_secret(run: Run) -> None:
    (secret,) = run.client.secrets.list()
    gpt = {"provider": "OPENAI", "secret_id": secret.id, "target_model": "gpt-4o"}
    assert run.world["endpoints"] == {"my-org/gpt-4o": [gpt]}
    assert run.outputs == {"secretId": secret.id}


EXAMPLES_BY_NAME: dict[str, Example] = {
    "endpoint": Example(_endpoint),
    "secret": Example(_secret, secrets=(("anthropicApiKey", ANTHROPIC_KEY),)),
    "group": Example(_group),
    "gateway-api-key": Example(_gateway_api_key),
    "registered-gateway-api-key": Example(
        _registered_gateway_api_key,
        secrets=(("legacyKey", LEGACY_KEY), ("baseten-gateway:signingKey", SIGNING_KEY)),
    ),
    "get-endpoint": Example(_get_endpoint, elsewhere=_glm_elsewhere),
    "get-group": Example(_get_group, elsewhere=_customer_elsewhere),
    "get-group-usage": Example(_get_group_usage, elsewhere=_customer_elsewhere),
    "get-secret": Example(_get_secret, elsewhere=_openai_elsewhere),
}


def test_every_example_directory_has_an_oracle_and_all_four_languages() -> None:
    found = {(path.parent.name, path.name) for path in EXAMPLES.glob("*/*") if path.is_dir()}
    assert found == {(language, name) for language in LANGUAGES for name in EXAMPLES_BY_NAME}


@pytest.fixture(scope="module")
def _my_org_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    directory = tmp_path_factory.mktemp("my-org")
    with EmulatorProcess(
        directory / "gateway.sqlite3", config_path=write_config(directory / "c.json", [MY_ORG])
    ) as em:
        yield em


@pytest.fixture
def my_org(_my_org_emulator: EmulatorProcess) -> EmulatorProcess:
    """The ``my-org`` workspace, empty: one emulator per module and worker, emptied before each test (a
    group's delete takes its descendants and keys)."""
    with GatewayClient(KEY, base_url=_my_org_emulator.base_url) as client:
        for group in client.groups.list():
            if group.hierarchy.parent_group_id is None:
                client.groups.delete(group.id)
        for endpoint in client.endpoints.list():
            client.endpoints.delete(endpoint.id)
        for secret in client.secrets.list():
            client.secrets.delete(secret.name)
        assert _world(client) == {"endpoints": {}, "secrets": [], "groups": {}, "keys": {}}
    return _my_org_emulator


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(EXAMPLES_BY_NAME))
def test_the_example_does_what_its_page_says(
    tmp_path: Path, my_org: EmulatorProcess, name: str, language: str
) -> None:
    example = EXAMPLES_BY_NAME[name]
    with GatewayClient(KEY, base_url=my_org.base_url) as client:
        example.elsewhere(client)
        before = _world(client)
        extra_env = {}
        if language == "python":
            # The generated Python SDK (pulumi_baseten_gateway_native), as the example's venv would hold it.
            extra_env["PYTHONPATH"] = os.pathsep.join(
                [tree_first(os.environ.get("PYTHONPATH")), str(python_sdk())]
            )
        stack = ProgramStack(
            tmp_path,
            EXAMPLES / language / name,
            api_url=my_org.base_url,
            api_key=KEY,
            secrets=dict(example.secrets),
            extra_env=extra_env,
            namespace="baseten-gateway",
        )
        stack.up()
        example.check(Run(stack.outputs(), _world(client), client))
        if example.secrets:
            exported = str(stack.export(show_secrets=False))
            for _, value in example.secrets:
                assert value not in exported, "a secret of the example is in the state in plain text"
        # `pulumi destroy` runs no program (the engine deletes what the state holds), so it is the same in
        # every language: once per example.
        if language == "yaml":
            stack.destroy()
            assert _world(client) == before


def test_the_schema_carries_the_examples_as_they_are_in_examples_docs() -> None:
    """``make schema`` collected them last (doc_examples.json), and schema.json places each into its page."""
    packaged = (REPO_ROOT / "pulumi_baseten_gateway" / "doc_examples.json").read_text(encoding="utf-8")
    assert packaged == doc_examples.text(EXAMPLES), "stale: run `make schema`"
    schema = json.loads((REPO_ROOT / "schema.json").read_text(encoding="utf-8"))
    pages = {**schema["resources"], **schema["functions"]}
    assert set(json.loads(packaged)) == set(pages), "a resource or function without an example"
    for token, example in json.loads(packaged).items():
        description = pages[token]["description"]
        assert f"### {example['title']}" in description
        for language, source in example["programs"].items():
            assert f"```{language}\n{source}```" in description, (token, language)


def test_every_code_block_of_the_api_pages_is_a_tested_example_or_import_command() -> None:
    """docs/api (generated from schema.json) shows code only from examples/docs and the import commands,
    which the tests above run as written."""
    examples = json.loads((REPO_ROOT / "pulumi_baseten_gateway" / "doc_examples.json").read_text("utf-8"))
    programs = {
        (lang, source) for example in examples.values() for lang, source in example["programs"].items()
    }
    schema = json.loads((REPO_ROOT / "schema.json").read_text(encoding="utf-8"))
    imports = {
        m.group(1) for r in schema["resources"].values() if (m := IMPORT_COMMAND.search(r["description"]))
    }
    shown: set[tuple[str, str]] = set()
    for page in sorted((REPO_ROOT / "docs" / "api").rglob("*.md")):
        for language, code in fenced_blocks(page.read_text(encoding="utf-8")):
            if language == "sh":
                assert code.startswith("$ "), (page.name, code)
                assert code[2:].rstrip("\n") in imports, (page.name, code)
            else:
                assert (language, code) in programs, (page.name, language, code[:200])
            shown.add((language, code))
    assert programs <= shown, "an example is on no page"


#: A resource page's import command: ``$ pulumi import TOKEN NAME '<id>'`` in its ``## Import`` section.
IMPORT_COMMAND = re.compile(r"\n## Import\n.*?\n```sh\n\$ (pulumi import [^\n]+)\n```\n$", re.DOTALL)


def test_each_resource_page_s_import_command_imports_it(tmp_path: Path, my_org: EmulatorProcess) -> None:
    """The command of each page's ``## Import``, as written, with a real id for its placeholder."""
    with GatewayClient(KEY, base_url=my_org.base_url) as client:
        endpoint = client.endpoints.create("my-org/glm-5.2", [GLM])
        secret = client.secrets.create("anthropic-api-key", ANTHROPIC_KEY)
        group = client.groups.create("cust_42", [{"slug": "my-org/glm-5.2"}])
        key = client.keys.create(group.id, name="prod-1")
        registered = client.keys.register(group.id, LEGACY_KEY, signing_key=SigningKey(SIGNING_KEY))
    ids = {
        "Endpoint": endpoint.id,
        "Secret": secret.id,
        "Group": group.id,
        "GatewayApiKey": f"{group.id}/{key.prefix}",
        "RegisteredGatewayApiKey": f"{group.id}/{registered.prefix}",
    }
    schema = json.loads((REPO_ROOT / "schema.json").read_text(encoding="utf-8"))
    stack = ProjectStack(tmp_path, "name: imports\nruntime: yaml\n", api_url=my_org.base_url, api_key=KEY)
    for token, resource in schema["resources"].items():
        match = IMPORT_COMMAND.search(resource["description"])
        assert match, f"{token}: no import command at the end of its description"
        argv = shlex.split(match.group(1))
        kind = token.rsplit(":", 1)[1]
        assert argv[:3] == ["pulumi", "import", token], argv
        assert argv[4].startswith("<"), argv
        stack.pulumi(*argv[1:4], ids[kind], "--yes")
        assert stack.resources(kind)[argv[3]]["id"] == ids[kind]
