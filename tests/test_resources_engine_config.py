"""The provider's settings checked at preview, through the real CLI, on both providers.

A missing API key or a malformed setting fails ``pulumi preview`` (not only ``up``): the native plugin's
``CheckConfig`` and the dynamic provider's ``check`` apply the rules the client applies
(``Settings.problems``), before any request, and the engine prints one line naming the setting as the
program's user writes it (``baseten-gateway:apiKey`` in a YAML program, ``baseten:apiKey`` in a Python
one), never its value. A changed ``apiUrl`` or API key is a change of the provider that the engine shows
(``DiffConfig``), an update that replaces nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2

from harness.emulator import ACME_KEY, ACME_VIEWER_KEY, EmulatorProcess
from harness.engine import EngineStack, declared_endpoints
from harness.programs import CommandRun, ProjectStack
from pulumi_baseten_gateway import GatewayClient
from pulumi_baseten_gateway.native.properties import UNKNOWN, struct
from pulumi_baseten_gateway.native.server import NativeProvider
from pulumi_baseten_gateway.settings import SETTINGS
from tests.conftest import MakeEmulator

DEMO_KEY = "demo-key"  # the emulator's default workspace (prefix `demo`) when it runs without a config
#: In every malformed value: the output must not show it (a value may be a key in the wrong setting).
MARKER = "sk-pasted-0123456789abcdef"
MALFORMED_URLS = {
    "another scheme": (f"ftp://gateway.example.com/{MARKER}", "must be an https:// URL with a host"),
    "not a URL": (f"not a url {MARKER}", "is not a valid URL"),
    "plain http to a remote host": (f"http://gateway.example.com/{MARKER}", "uses plain http://"),
}
YAML_PROVIDER = "pulumi:providers:baseten-gateway"
BASETEN = [{"provider": "BASETEN", "model_id": "m"}]


@pytest.fixture
def demo(make_emulator: MakeEmulator) -> EmulatorProcess:
    return make_emulator(config=False)


def _endpoint_program(slug: str = "demo/a") -> str:
    program = {
        "name": "config-yaml",
        "runtime": "yaml",
        "resources": {
            "a": {
                "type": "baseten-gateway:index:Endpoint",
                "properties": {"slug": slug, "targets": [{"provider": "BASETEN", "modelId": "m"}]},
            }
        },
        "outputs": {"endpointId": "${a.endpointId}"},
    }
    return json.dumps(program)


def _yaml_stack(work: Path, emulator: EmulatorProcess, key: str = DEMO_KEY) -> ProjectStack:
    return ProjectStack(work, _endpoint_program(), api_url=emulator.base_url, api_key=key)


def _lines_naming(text: str, setting: str) -> list[str]:
    return [line for line in text.splitlines() if setting in line]


def _assert_refused(output: str, setting: str, rule: str) -> list[str]:
    """Lines name the setting and say the rule, each whole (the progress line, the diagnostic); no
    traceback, no value. Returns them."""
    lines = [line for line in _lines_naming(output, setting) if rule in line]
    assert lines, output
    assert "Traceback" not in output
    assert MARKER not in output
    return lines


def _requests(emulator: EmulatorProcess) -> int:
    count: int = emulator.stats()["total_requests"]
    return count


def _held(emulator: EmulatorProcess, key: str = DEMO_KEY) -> dict[str, str]:
    with GatewayClient(key, base_url=emulator.base_url) as gateway:
        return {e.slug: e.id for e in gateway.endpoints.list()}


# -- the native plugin: a YAML program ------------------------------------------------------------------


def test_native_preview_passes_a_valid_config_without_a_request_and_names_a_missing_api_key(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    stack = _yaml_stack(tmp_path, demo)
    result = stack.preview()
    assert result.changes == {"create": 2}  # the stack and the endpoint
    assert _requests(demo) == 0

    # Without the API key: refused by name.
    stack.pulumi("config", "rm", "baseten-gateway:apiKey")

    result = stack.preview(check=False)
    assert result.returncode != 0
    lines = _assert_refused(result.stdout, "baseten-gateway:apiKey", "no Baseten API key")
    assert lines == _lines_naming(result.stdout, "no Baseten API key")
    for line in lines:
        assert f"{YAML_PROVIDER} resource 'default' has a problem: no Baseten API key" in line
        assert "BASETEN_API_KEY" in line
    assert _requests(demo) == 0

    # The environment's key counts as set: the same stack previews, then deploys.
    stack.env["BASETEN_API_KEY"] = DEMO_KEY
    assert stack.preview().returncode == 0
    stack.up()
    assert set(_held(demo)) == {"demo/a"}
    stack.destroy()


def test_native_preview_and_up_with_a_malformed_api_url_fail_naming_it_and_never_its_value(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    """Each malformed URL in turn on one stack; then ``up`` without a preview, as a user runs it."""
    stack = _yaml_stack(tmp_path, demo)
    for url, rule in MALFORMED_URLS.values():
        stack.config_set("baseten-gateway:apiUrl", url)
        result = stack.preview(check=False)
        assert result.returncode != 0, url
        _assert_refused(result.stdout + result.stderr, "baseten-gateway:apiUrl (or BASETEN_API_URL)", rule)
        assert _requests(demo) == 0, url

    url, _ = MALFORMED_URLS["plain http to a remote host"]
    stack.config_set("baseten-gateway:apiUrl", url)
    result = stack.pulumi("up", "--yes", "--skip-preview", check=False)
    assert result.returncode != 0
    assert (
        "baseten-gateway:apiUrl (or BASETEN_API_URL) uses plain http:// to a non-loopback host"
        in result.stdout
    )
    assert MARKER not in result.stdout + result.stderr


def test_native_preview_names_every_malformed_setting_and_no_secret(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    """The API key and the signing key are secrets: refused by name, never shown, nor is any other value."""
    stack = _yaml_stack(tmp_path, demo)
    stack.config_set("baseten-gateway:apiKey", f"two words {MARKER}", secret=True)
    stack.config_set("baseten-gateway:signingKey", f"not-a-key-{MARKER}", secret=True)
    stack.config_set("baseten-gateway:totalTimeout", f"soon-{MARKER}")
    result = stack.preview(check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    _assert_refused(output, "baseten-gateway:apiKey (or BASETEN_API_KEY)", "contains whitespace")
    _assert_refused(output, "baseten-gateway:signingKey (or BASETEN_SIGNING_KEY)", "must be an Ed25519")
    _assert_refused(output, "baseten-gateway:totalTimeout (or BASETEN_TOTAL_TIMEOUT)", "number of seconds")
    assert _requests(demo) == 0


def _steps_of(run: CommandRun, type_: str) -> list[dict[str, Any]]:
    """The metadata of the engine's step events (``resourcePreEvent``) of the resources of ``type_``."""
    found = []
    for event in run.events:
        metadata = (event.get("resourcePreEvent") or {}).get("metadata")
        if metadata and metadata["type"] == type_:
            found.append(metadata)
    return found


def test_native_a_changed_api_url_or_key_updates_the_provider_and_replaces_nothing(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    """An explicit provider (the engine hides a default provider's steps: see the next test)."""
    emulator = make_emulator()  # the acme workspace: a management key and a view-only key
    program = {
        "name": "config-yaml",
        "runtime": "yaml",
        "config": {"apiUrl": {"type": "string"}, "apiKey": {"type": "string", "secret": True}},
        "resources": {
            "gw": {"type": YAML_PROVIDER, "properties": {"apiUrl": "${apiUrl}", "apiKey": "${apiKey}"}},
            "a": {
                "type": "baseten-gateway:index:Endpoint",
                "properties": {"slug": "acme/a", "targets": [{"provider": "BASETEN", "modelId": "m"}]},
                "options": {"provider": "${gw}"},
            },
        },
    }
    stack = ProjectStack(
        tmp_path, json.dumps(program), api_url=emulator.base_url, api_key=ACME_KEY, namespace="config-yaml"
    )
    assert stack.up().changes == {"create": 3}
    before = _held(emulator, ACME_KEY)
    assert list(before) == ["acme/a"]
    stack.preview("--expect-no-changes")  # the same config: no change

    # The same emulator by another name: another apiUrl.
    stack.config_set("apiUrl", emulator.base_url.replace("127.0.0.1", "localhost"))
    preview = stack.preview("--diff")
    assert preview.changes == {"update": 1, "same": 2}, preview.stdout
    [provider] = _steps_of(preview, YAML_PROVIDER)
    assert (provider["op"], provider["diffs"], provider.get("keys")) == ("update", ["apiUrl"], None)
    [endpoint] = _steps_of(preview, "baseten-gateway:index:Endpoint")
    assert endpoint["op"] == "same"
    requests = _requests(emulator)
    assert stack.up().changes == {"update": 1, "same": 2}
    assert _held(emulator, ACME_KEY) == before  # the same endpoint, not replaced
    assert _requests(emulator) == requests + 1  # the listing just above: `up` sent nothing

    # Another key of the same workspace (view-only: an unchanged endpoint needs no request). Its preview
    # also shows that the up above converged: the provider's only diff is the key, the endpoint is same.
    stack.config_set("apiKey", ACME_VIEWER_KEY, secret=True)
    preview = stack.preview("--diff")
    assert preview.changes == {"update": 1, "same": 2}, preview.stdout
    [provider] = _steps_of(preview, YAML_PROVIDER)
    assert (provider["op"], provider["diffs"], provider.get("keys")) == ("update", ["apiKey"], None)
    run = stack.up()
    assert run.changes == {"update": 1, "same": 2}
    assert _held(emulator, ACME_KEY) == before
    for text in (preview.text, run.text):
        assert ACME_VIEWER_KEY not in text
        assert ACME_KEY not in text
    # `destroy` deletes through the provider as the last `up` left it: the managing key again.
    stack.config_set("apiKey", ACME_KEY, secret=True)
    stack.up()
    stack.destroy()
    assert _held(emulator, ACME_KEY) == {}


def test_native_the_default_provider_is_updated_not_replaced_when_the_api_url_changes(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    """The engine runs a default provider's steps as internal ones (``isInternalStep``: no event, no line,
    not in the summary), so what it decided is only in its log: DiffConfig's answer, and an update."""
    emulator = make_emulator()
    stack = ProjectStack(tmp_path, _endpoint_program("acme/a"), api_url=emulator.base_url, api_key=ACME_KEY)
    stack.up()
    before = _held(emulator, ACME_KEY)
    provider = "urn:pulumi:dev::config-yaml::pulumi:providers:baseten-gateway::default"

    def decided(*args: str) -> str:
        log = stack.pulumi(*args, "--logtostderr", "-v=7", "--skip-preview").stderr
        return log

    unchanged = decided("up", "--yes")
    assert f"DiffConfig({provider}) success: changes=1 #replaces=[]" in unchanged  # 1: DIFF_NONE
    assert f"Planner decided to update '{provider}'" not in unchanged

    stack.config_set("baseten-gateway:apiUrl", emulator.base_url.replace("127.0.0.1", "localhost"))
    changed = decided("up", "--yes")
    assert f"DiffConfig({provider}) success: changes=2 #replaces=[]" in changed  # 2: DIFF_SOME
    assert "diffs=#[apiUrl]" in changed
    assert f"Planner decided to update '{provider}'" in changed
    assert "Planner decided to replace" not in changed
    state = stack.export()["deployment"]["resources"]
    [default] = [r for r in state if r["urn"] == provider]
    assert default["inputs"]["apiUrl"].startswith("http://localhost:")
    assert _held(emulator, ACME_KEY) == before
    stack.destroy()


def test_native_check_config_leaves_a_value_unknown_at_preview_to_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process, one layer down: an explicit provider fed by another resource's output gets the value
    only at ``up``; its preview must not refuse it (no YAML program here makes such a URL usable)."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)
    provider = NativeProvider()
    context: Any = None  # CheckConfig reads nothing of the call's context

    def reasons(news: dict[str, Any]) -> list[str]:
        request = provider_pb2.CheckRequest(urn=f"urn:pulumi:dev::p::{YAML_PROVIDER}::gw", news=struct(news))
        response: provider_pb2.CheckResponse = provider.CheckConfig(request, context)
        assert all(failure.property == "" for failure in response.failures)
        return [failure.reason for failure in response.failures]

    assert reasons({"apiKey": UNKNOWN, "apiUrl": UNKNOWN}) == []
    [reason] = reasons({"apiKey": UNKNOWN, "apiUrl": "ftp://x"})
    assert reason.startswith("baseten-gateway:apiUrl (or BASETEN_API_URL) must be an https:// URL")
    [reason] = reasons({"apiUrl": UNKNOWN})
    assert reason.startswith("no Baseten API key")
    monkeypatch.setenv("BASETEN_API_KEY", DEMO_KEY)
    assert reasons({}) == []


# -- the dynamic provider: a Python program -------------------------------------------------------------


def _python_stack(work: Path, emulator: EmulatorProcess, **kw: Any) -> EngineStack:
    return EngineStack(
        work,
        declared_endpoints,
        api_url=emulator.base_url,
        api_key=DEMO_KEY,
        config={"endpoints": {"a": {"slug": "demo/a", "targets": BASETEN}}},
        **kw,
    )


def test_dynamic_preview_passes_a_valid_config_without_a_request_and_names_a_missing_api_key(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    stack = _python_stack(tmp_path / "config", demo)
    assert stack.preview().changes == {"create": 2}
    assert _requests(demo) == 0

    # Without the API key: refused by name.
    stack.stack.remove_config("baseten:apiKey")
    error = str(stack.failing("preview"))
    lines = _assert_refused(error, "baseten:apiKey", "no Baseten API key")
    assert lines == _lines_naming(error, "no Baseten API key")
    for line in lines:
        assert "Endpoint resource 'a' has a problem: no Baseten API key" in line
        assert "BASETEN_API_KEY" in line
    assert _requests(demo) == 0

    # The key from the plugin's environment counts as set: preview, then up.
    from_env = _python_stack(tmp_path / "env", demo, extra_env={"BASETEN_API_KEY": DEMO_KEY})
    from_env.stack.remove_config("baseten:apiKey")
    assert from_env.preview().changes == {"create": 2}
    from_env.up()
    assert set(_held(demo)) == {"demo/a"}
    from_env.destroy()


def test_dynamic_preview_and_up_with_a_malformed_api_url_fail_naming_it_and_never_its_value(
    tmp_path: Path, demo: EmulatorProcess
) -> None:
    """Each malformed URL in turn on one stack; then ``up``: the setting as users write it, no value."""
    stack = _python_stack(tmp_path, demo)
    for url, rule in MALFORMED_URLS.values():
        stack.set_config({"baseten:apiUrl": url})
        error = str(stack.failing("preview"))
        _assert_refused(error, "baseten:apiUrl (or BASETEN_API_URL)", rule)
        assert _requests(demo) == 0, url

    url, _ = MALFORMED_URLS["plain http to a remote host"]
    stack.set_config({"baseten:apiUrl": url})
    error = str(stack.failing("up"))
    assert "baseten:apiUrl (or BASETEN_API_URL) uses plain http:// to a non-loopback host" in error
    assert MARKER not in error
    assert "Traceback" not in error
