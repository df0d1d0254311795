"""The native provider plugin through the real CLI: YAML programs, ``pulumi import``, policies, parity.

YAML programs run on the real YAML language host (built by ``make pulumi``) and resolve
``baseten-gateway:index:Endpoint`` through ``pulumi-resource-baseten-gateway``, found on PATH. A shared
scenario runs the same endpoints through the Python dynamic provider and the native one and compares the
emulator's end state and the errors.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import EmulatorProcess
from harness.engine import EngineStack, declared_endpoints
from harness.programs import ProjectStack
from pulumi_baseten_gateway import GatewayClient
from tests.conftest import REPO_ROOT, MakeEmulator

DEMO_KEY = "demo-key"
EXAMPLE = (REPO_ROOT / "examples" / "yaml" / "Pulumi.yaml").read_text(encoding="utf-8")
POLICY_PACK = str(Path(sys.executable).parent / "baseten-gateway-policy-pack")


def held(emulator: EmulatorProcess) -> dict[str, dict[str, Any]]:
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        return {
            e.slug: {"id": e.id, "targets": [t.to_api() for t in e.targets], "region": e.region.value}
            for e in gateway.endpoints.list()
        }


def yaml_program(endpoints: dict[str, dict[str, Any]]) -> str:
    """A YAML program (JSON is YAML) declaring ``endpoints``: name -> schema-named properties."""
    resources = {
        name: {"type": "baseten-gateway:index:Endpoint", "properties": props}
        for name, props in endpoints.items()
    }
    outputs = {f"{name}Id": f"${{{name}.endpointId}}" for name in endpoints}
    return json.dumps({"name": "gateway-yaml", "runtime": "yaml", "resources": resources, "outputs": outputs})


@pytest.fixture
def demo(make_emulator: MakeEmulator) -> EmulatorProcess:
    return make_emulator(config=False)


def test_import_records_state_generates_code_and_the_next_preview_is_clean(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    with GatewayClient(DEMO_KEY, base_url=demo.base_url) as gateway:
        existing = gateway.endpoints.create(
            "demo/legacy", [{"provider": "OPENAI", "secret_id": "s1", "target_model": "gpt-4o"}], region="EU"
        )
    stack = ProjectStack(tmp_path, yaml_program({}), api_url=demo.base_url, api_key=DEMO_KEY)
    generated = tmp_path / "imported.yaml"
    stack.pulumi(
        "import", "baseten-gateway:index:Endpoint", "legacy", existing.id, "--yes", "--out", str(generated)
    )

    state = stack.resources()
    assert state["legacy"]["id"] == existing.id
    assert state["legacy"]["outputs"]["slug"] == "demo/legacy"
    code = generated.read_text()
    for expected in (
        "type: baseten-gateway:Endpoint",
        "slug: demo/legacy",
        "region: EU",
        "targetModel: gpt-4o",
    ):
        assert expected in code

    # The generated code (a `resources:` section), made the program, describes exactly what was imported.
    stack.write_program("name: gateway-yaml\nruntime: yaml\n" + code)
    result = stack.preview("--expect-no-changes", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert held(demo)["demo/legacy"]["id"] == existing.id


def test_the_policy_pack_reviews_native_endpoints(tmp_path: Path, demo: EmulatorProcess) -> None:
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"baseten-endpoint-org-prefix": {"allowedPrefixes": ["demo"]}}))
    target = {"provider": "BASETEN", "modelId": "m"}
    stack = ProjectStack(
        tmp_path / "stack",
        yaml_program({"outside": {"slug": "other-org/x", "targets": [target]}}),
        api_url=demo.base_url,
        api_key=DEMO_KEY,
    )
    result = stack.preview("--policy-pack", POLICY_PACK, "--policy-pack-config", str(config), check=False)
    assert result.returncode != 0
    assert "[mandatory]  baseten-endpoint-org-prefix" in result.stdout
    assert "'other-org/x'" in result.stdout

    stack.write_program(yaml_program({"inside": {"slug": "demo/x", "targets": [target]}}))
    result = stack.preview("--policy-pack", POLICY_PACK, "--policy-pack-config", str(config), check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "baseten-endpoint-" not in result.stdout
    assert demo.stats()["total_requests"] == 0


def test_the_plugin_installed_from_a_local_file_needs_nothing_on_path(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    plugin = Path(sys.executable).parent / "pulumi-resource-baseten-gateway"
    program = yaml_program({"a": {"slug": "demo/a", "targets": [{"provider": "BASETEN", "modelId": "m"}]}})
    stack = ProjectStack(tmp_path, program, api_url=demo.base_url, api_key=DEMO_KEY, plugin_on_path=False)
    stack.pulumi(
        "plugin",
        "install",
        "resource",
        "baseten-gateway",
        version("pulumi-baseten-gateway"),
        "--file",
        str(plugin),
    )
    output = stack.up().stdout
    assert "from $PATH" not in output
    assert set(held(demo)) == {"demo/a"}
    stack.pulumi("destroy", "--yes", "--skip-preview")


# -- the same scenario through both providers ----------------------------------------------------------

SCENARIO = {
    "base": {
        "slug": "{p}/base",
        "targets": [{"provider": "BASETEN", "model_id": "m1", "environment_name": "staging"}],
    },
    "eu": {
        "slug": "{p}/eu",
        "targets": [{"provider": "OPENAI", "secret_id": "s", "target_model": "gpt-4o"}],
        "region": "EU",
    },
    "vertex": {
        "slug": "{p}/vertex",
        "targets": [
            {
                "provider": "VERTEX",
                "target_model": "gemini",
                "vertex_config": {"project_id": "p1", "location": "global"},
            }
        ],
    },
}
BAD = {"bad": {"slug": "{p}/bad", "targets": [{"provider": "OPENAI", "target_model": "gpt-4o"}]}}


def _camel(value: Any) -> Any:
    from pulumi_baseten_gateway.resources.declaration import camel_case

    if isinstance(value, dict):
        return {camel_case(k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _with_prefix(spec: dict[str, Any], prefix: str) -> dict[str, Any]:
    return json.loads(json.dumps(spec).replace("{p}", prefix))


def test_native_and_dynamic_reach_the_same_end_state_and_errors(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    dynamic_emulator, native_emulator = make_emulator(config=False), make_emulator(config=False)
    dynamic = EngineStack(
        tmp_path / "dynamic",
        declared_endpoints,
        api_url=dynamic_emulator.base_url,
        api_key=DEMO_KEY,
        config={"endpoints": _with_prefix(SCENARIO, "demo")},
    )
    native = ProjectStack(
        tmp_path / "native",
        yaml_program(_camel(_with_prefix(SCENARIO, "demo"))),
        api_url=native_emulator.base_url,
        api_key=DEMO_KEY,
    )
    dynamic.up()
    native.up()

    def end_state(emulator: EmulatorProcess) -> dict[str, Any]:
        return {slug: {k: v for k, v in e.items() if k != "id"} for slug, e in held(emulator).items()}

    assert end_state(dynamic_emulator) == end_state(native_emulator)
    assert len(end_state(native_emulator)) == 3

    # The same bad input: the same rule, named the way each program writes the property.
    dynamic.set_config({"endpoints": _with_prefix({**SCENARIO, **BAD}, "demo")})
    native.write_program(yaml_program(_camel(_with_prefix({**SCENARIO, **BAD}, "demo"))))
    dynamic_error = str(dynamic.failing("preview"))
    native_error = native.preview(check=False)
    assert native_error.returncode != 0
    assert "targets[0].secret_id" in dynamic_error
    assert "targets[0].secretId" in native_error.stdout
    for output in (dynamic_error, native_error.stdout):
        assert "is required for OPENAI targets [target-fields]" in output

    # The same taken slug: the same one-line error, with the same advice.
    for emulator in (dynamic_emulator, native_emulator):
        with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
            gateway.endpoints.create("demo/taken", [{"provider": "BASETEN", "model_id": "x"}])
    taken = {"taken": {"slug": "demo/taken", "targets": [{"provider": "BASETEN", "model_id": "y"}]}}
    dynamic.set_config({"endpoints": _with_prefix({**SCENARIO, **taken}, "demo")})
    native.write_program(yaml_program(_camel(_with_prefix({**SCENARIO, **taken}, "demo"))))
    dynamic_error = str(dynamic.failing("up"))
    native_error = native.pulumi("up", "--yes", "--skip-preview", check=False)
    for output in (dynamic_error, native_error.stdout):
        assert "Endpoint 'demo/taken': create failed: POST /v1/gateway/endpoints returned HTTP 400" in output
        assert "set adopt=True on it" in output
        assert "Traceback" not in output
