"""The Secret: its client operations, its core, and the resource through the real Pulumi CLI.

Fast tests use the session emulator (names made unique per test: secrets are per workspace) and
``httpx.MockTransport`` servers for what the emulator never does (echoing a value back). The engine tests
run ``harness.engine.declared_gateway`` programs against private emulators.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pulumi.automation as auto
import pytest

from harness.emulator import (
    ACME_KEY,
    ACME_ML_TEAM,
    ACME_ML_TEAM_ID,
    ACME_TEAM_ID,
    EmulatorProcess,
    InProcessEmulator,
)
from harness.engine import EngineStack, declared_gateway
from pulumi_baseten_gateway import (
    BadRequestError,
    GatewayClient,
    GoneError,
    InvalidInputError,
    NotFoundError,
    RetryPolicy,
    SecretExistsError,
    SecretOperationError,
)
from pulumi_baseten_gateway.api.rules import secret as secret_rules
from pulumi_baseten_gateway.api.transport import LOGGER_NAME
from pulumi_baseten_gateway.resources.functions import FUNCTIONS, invoke
from pulumi_baseten_gateway.resources.secret.core import SecretCore
from pulumi_baseten_gateway.resources.secret.resource import SECRET
from tests.conftest import MakeEmulator

VALUE = "sk-secret-Value-4Tq9Wm2Zr7"
DEMO_KEY = "demo-key"


def unique_name(stem: str = "s") -> str:
    return f"{stem}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def client(emulator: EmulatorProcess) -> Any:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        yield gateway


# -- the rules (docs/guides/resources.md: name "1 to 255 letters, digits, _, -, ."; value required, unquoted)

NAME_RULE = "must be 1 to 255 letters, digits, '_', '-' or '.', got "


@pytest.mark.parametrize(
    ("name", "broken"),
    [
        ("a", []),
        ("A-z_0.9", []),
        ("n" * 255, []),  # the last valid length
        ("n" * 256, [("name", "secret-name", NAME_RULE + repr("n" * 256))]),  # the first invalid one
        ("", [("name", "secret-name", NAME_RULE + "''")]),
        (".", [("name", "secret-name", NAME_RULE + "'.'")]),
        ("..", [("name", "secret-name", NAME_RULE + "'..'")]),
        ("...", []),
        ("has space", [("name", "secret-name", NAME_RULE + "'has space'")]),
        ("slash/y", [("name", "secret-name", NAME_RULE + "'slash/y'")]),
        ("tilde~", [("name", "secret-name", NAME_RULE + "'tilde~'")]),
        (None, [("name", "required", "is required")]),
        (3, [("name", "field-type", "must be a string, got int")]),
        (["a"], [("name", "field-type", "must be a string, got list")]),
    ],
)
def test_the_secret_name_rule(name: object, broken: list[tuple[str, str, str]]) -> None:
    found = secret_rules.validate_secret_name(name)
    assert [(v.path, v.rule, v.message) for v in found] == broken
    at = secret_rules.validate_secret_name(name, path="secrets[2].name")
    assert [v.path for v in at] == ["secrets[2].name"] * len(broken)


@pytest.mark.parametrize(
    ("value", "broken"),
    [
        ("v", []),
        (" ", []),  # any non-empty text: a value is not trimmed
        ("é" + "\U0001f511" * 3, []),
        ("", [("value", "secret-value", "must not be empty")]),
        (
            "lone \ud800 surrogate",
            [("value", "secret-value", "must be valid Unicode text (it holds a lone surrogate)")],
        ),
        (None, [("value", "required", "is required")]),
        (b"bytes", [("value", "field-type", "must be a string, got bytes")]),
        (12, [("value", "field-type", "must be a string, got int")]),
    ],
)
def test_the_secret_value_rule_never_quotes_the_value(
    value: object, broken: list[tuple[str, str, str]]
) -> None:
    found = secret_rules.validate_secret_value(value)
    assert [(v.path, v.rule, v.message) for v in found] == broken
    at = secret_rules.validate_secret_value(value, path="data.value")
    assert [v.path for v in at] == ["data.value"] * len(broken)


def test_a_whole_secret_reports_both_fields_and_skips_what_is_not_known_yet() -> None:
    unknown = object()

    def broken(name: object, value: object) -> list[tuple[str, str]]:
        found = secret_rules.validate_secret(name, value, is_unknown=lambda v: v is unknown)
        return [(v.path, v.rule) for v in found]

    assert broken(None, None) == [("name", "required"), ("value", "required")]
    assert broken(unknown, unknown) == broken("ok", "v") == []
    assert broken(unknown, "") == [("value", "secret-value")]
    assert broken("", unknown) == [("name", "secret-name")]
    assert secret_rules.validate_secret_name(unknown, is_unknown=lambda v: v is unknown) == []
    assert secret_rules.validate_secret_value(unknown, is_unknown=lambda v: v is unknown) == []


# -- the client -----------------------------------------------------------------------------------------


def test_create_refuses_a_taken_name_and_overwrite_keeps_the_id(client: GatewayClient) -> None:
    name = unique_name()
    first = client.secrets.create(name, VALUE)
    with pytest.raises(SecretExistsError) as raised:
        client.secrets.create(name, "another-value-123")
    assert raised.value.existing == first
    assert f"a secret named {name!r} already exists" in str(raised.value)
    assert "another-value-123" not in str(raised.value)

    again = client.secrets.create(name, "another-value-123", overwrite=True)
    assert again.id == first.id
    assert [s.id for s in client.secrets.list() if s.name == name] == [first.id]
    client.secrets.delete(name)


def test_rotation_keeps_the_id_and_refuses_a_secret_deleted_meanwhile(client: GatewayClient) -> None:
    name = unique_name()
    secret = client.secrets.create(name, VALUE)
    assert client.secrets.rotate(secret.id, name, "rotated-value-1").id == secret.id

    client.secrets.delete(name)
    with pytest.raises(GoneError, match="no longer exists"):
        client.secrets.rotate(secret.id, name, "rotated-value-2")
    assert client.secrets.find(name=name) is None  # nothing was created under the old name


def test_delete_by_id_leaves_a_new_secret_that_reuses_the_name(client: GatewayClient) -> None:
    name = unique_name()
    old = client.secrets.create(name, VALUE)
    client.secrets.delete(name)
    new = client.secrets.create(name, VALUE)
    assert new.id != old.id
    assert client.secrets.delete(name, secret_id=old.id) is None
    assert client.secrets.find(secret_id=new.id) == new
    assert client.secrets.delete(name, secret_id=new.id) is not None
    with pytest.raises(NotFoundError):
        client.secrets.delete(name)


def _echoing_server(first_status: int) -> httpx.MockTransport:
    """A server that quotes the request body in its errors: first ``first_status``, then 400 again."""
    calls: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"secrets": []})
        calls.append(1)
        status = first_status if len(calls) == 1 else 400
        return httpx.Response(status, json={"error": f"cannot store {request.content.decode()}"})

    return httpx.MockTransport(handle)


@pytest.mark.parametrize("value", [VALUE, 'with "quotes" and \\ backslash-9x'])
def test_a_value_the_server_echoes_reaches_no_error_and_no_log(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    retry = RetryPolicy(max_attempts=2, initial_backoff=0, max_backoff=0)
    with (
        GatewayClient(
            "mgmt-key-12345678",
            base_url="https://api.example.com",
            transport=_echoing_server(503),
            retry=retry,
        ) as gateway,
        pytest.raises(BadRequestError) as raised,
    ):
        gateway.secrets.create("echo", value)
    error = raised.value
    texts = [str(error), repr(error), error.detail, error.server_message, *map(str, error.args)]
    assert all("<redacted>" in text for text in texts[:4])
    json_form = json.dumps(value)[1:-1]
    for text in [*texts, caplog.text]:
        assert value not in text
        assert json_form not in text
    assert "retrying after attempt 1" in caplog.text  # the 503 was logged, scrubbed


# -- the core -------------------------------------------------------------------------------------------


def test_check_reports_bad_input_without_quoting_the_value() -> None:
    core = SecretCore(lambda: pytest.fail("check makes no request"))  # type: ignore[arg-type,return-value]
    outcome = core.check({"name": "has space", "value": "", "adopt": "yes", "typo": 1})
    assert [(v.path, v.rule) for v in outcome.failures] == [
        ("name", "secret-name"),
        ("value", "secret-value"),
        ("adopt", "field-type"),
        ("typo", "unknown-field"),
    ]
    assert core.check({"name": "ok", "value": VALUE}).failures == []


def test_a_new_value_rotates_in_place_and_a_new_name_replaces_creating_first() -> None:
    core = SecretCore(lambda: pytest.fail("diff makes no request"))  # type: ignore[arg-type,return-value]
    olds = {"name": "a", "value": VALUE, "secret_id": "x"}
    assert not core.diff(olds, {"name": "a", "value": VALUE}).changes
    rotate = core.diff(olds, {"name": "a", "value": "new"})
    assert (rotate.changed, rotate.replaces) == (["value"], [])
    rename = core.diff(olds, {"name": "b", "value": VALUE})
    assert (rename.replaces, rename.delete_before_replace) == (["name"], False)
    assert SECRET.secrets == ("value",)


def test_an_error_of_the_core_names_the_secret_and_suggests_adopt(client: GatewayClient) -> None:
    name = unique_name()
    client.secrets.create(name, VALUE)
    core = SecretCore(lambda: client)
    with pytest.raises(SecretOperationError) as raised:
        core.create({"name": name, "value": "other-value-77"})
    message = str(raised.value)
    assert message.startswith(f"Secret {name!r}: create failed: a secret named {name!r} already exists")
    assert message.endswith("set adopt=True on it")
    assert "other-value-77" not in message
    core.delete("unused", {"name": name})  # no such id: the name holds another secret, left alone
    assert client.secrets.find(name=name) is not None
    client.secrets.delete(name)


def test_rotating_a_secret_deleted_outside_pulumi_says_to_refresh(client: GatewayClient) -> None:
    core = SecretCore(lambda: client)
    name = unique_name()
    secret_id, state = core.create({"name": name, "value": VALUE})
    client.secrets.delete(name)
    with pytest.raises(SecretOperationError) as raised:
        core.update(secret_id, state, {"name": name, "value": "rotated-value-3"})
    assert str(raised.value) == (
        f"Secret {name!r}: update failed: secret {name!r} (id {secret_id!r}) no longer exists in this "
        "workspace (deleted outside Pulumi); run `pulumi refresh` to record that, then `pulumi up` creates "
        "it again"
    )
    assert core.read(secret_id, state) is None
    core.delete(secret_id, state)  # already gone: deleted


@pytest.fixture
def local() -> Iterator[tuple[InProcessEmulator, GatewayClient]]:
    """The emulator in this process, and a client of its acme workspace."""
    with InProcessEmulator() as api, api.client() as acme:
        yield api, acme


def stored_digest(api: InProcessEmulator, name: str) -> str | None:
    """The SHA-256 the emulator keeps of a live secret's value (it keeps no value)."""
    from pulumi_baseten_gateway.emulator.state import db_of

    row = (
        db_of(api.app.api.state)
        .conn.execute("SELECT value_hash FROM secrets WHERE name = ? AND deleted_at IS NULL", (name,))
        .fetchone()
    )
    return None if row is None else str(row[0])


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_the_core_creates_with_every_output_and_sends_the_value_given(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    core = SecretCore(lambda: client)
    checked = core.check({"name": "openai", "value": VALUE})
    assert (checked.inputs, checked.failures) == ({"name": "openai", "value": VALUE}, [])
    secret_id, outputs = core.create(checked.inputs)
    assert outputs == {
        "secret_id": secret_id,
        "name": "openai",
        "value": VALUE,
        "team_id": None,  # the API key's primary team
        "team_name": "acme",
        "created_at": outputs["created_at"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", outputs["created_at"])
    assert stored_digest(api, "openai") == digest(VALUE)


def test_adopt_true_and_only_true_overwrites_a_taken_name(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    core = SecretCore(lambda: client)
    secret_id, _ = core.create({"name": "shared", "value": "first-value-1"})
    for not_true in ("true", 1, None, False):
        with pytest.raises(SecretOperationError, match="set adopt=True on it"):
            core.create({"name": "shared", "value": "second-value-2", "adopt": not_true})
    assert stored_digest(api, "shared") == digest("first-value-1")
    adopted_id, adopted = core.create({"name": "shared", "value": "second-value-2", "adopt": True})
    assert (adopted_id, adopted["value"]) == (secret_id, "second-value-2")
    assert stored_digest(api, "shared") == digest("second-value-2")


def test_a_create_that_fails_otherwise_gets_no_adopt_advice(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    api.set_faults(error_rate=1.0)
    with pytest.raises(SecretOperationError) as failed:
        SecretCore(lambda: client).create({"name": "new", "value": VALUE})
    assert str(failed.value).startswith("Secret 'new': create failed: ")
    assert "HTTP 5" in str(failed.value)
    assert "adopt" not in str(failed.value)
    assert failed.value.hint is None


def test_a_rotation_keeps_the_id_and_sends_the_new_value(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    core = SecretCore(lambda: client)
    secret_id, state = core.create({"name": "rot", "value": VALUE})
    rotated = core.update(secret_id, state, {"name": "rot", "value": "rotated-value-3"})
    assert rotated == {**state, "value": "rotated-value-3"}
    assert stored_digest(api, "rot") == digest("rotated-value-3")
    again = core.update(secret_id, state, {"value": "rotated-value-4"})  # the name from the state
    assert again["name"] == "rot"
    assert stored_digest(api, "rot") == digest("rotated-value-4")


def test_a_rotation_that_fails_otherwise_gets_no_refresh_advice(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    core = SecretCore(lambda: client)
    secret_id, state = core.create({"name": "rot", "value": VALUE})
    api.set_faults(error_rate=1.0)
    with pytest.raises(SecretOperationError) as failed:
        core.update(secret_id, state, {"name": "rot", "value": "rotated-value-5"})
    assert str(failed.value).startswith("Secret 'rot': update failed: ")
    assert "HTTP 5" in str(failed.value)
    assert "pulumi refresh" not in str(failed.value)
    assert "rotated-value-5" not in str(failed.value)


def test_read_keeps_the_states_value_and_adopt_and_get_reads_without_a_value(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    _, client = local
    core = SecretCore(lambda: client)
    core.create({"name": "another", "value": VALUE})  # listed first: the read must find its own by id
    secret_id, state = core.create({"name": "kept", "value": VALUE})
    read = core.read(secret_id, {**state, "adopt": True})
    assert read is not None
    assert (read.id, read.outputs) == (secret_id, state)
    assert read.inputs == {"name": "kept", "value": VALUE, "adopt": True}
    got = core.read(secret_id, {})  # `Secret.get`: the API never returns values
    assert got is not None
    assert got.inputs == {"name": "kept"}
    assert got.outputs == {k: v for k, v in state.items() if k != "value"}


def test_delete_by_name_or_by_id_alone_and_a_secret_already_gone_is_deleted(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    core = SecretCore(lambda: client)
    first_id, first = core.create({"name": "one", "value": VALUE})
    second_id, _ = core.create({"name": "two", "value": VALUE})
    core.delete(second_id, {})  # a state without its name: found by id, and only that one goes
    assert [s.name for s in client.secrets.list()] == ["one"]
    core.delete(first_id, first)
    assert [s.name for s in client.secrets.list()] == []
    core.delete(first_id, first)
    core.delete(second_id, {})
    third_id, third = core.create({"name": "three", "value": VALUE})
    api.set_faults(error_rate=1.0)
    for state, name in ((third, "three"), ({}, third_id)):
        with pytest.raises(SecretOperationError) as failed:
            core.delete(third_id, state)
        assert str(failed.value).startswith(f"Secret {name!r}: delete failed: ")


def test_a_read_or_update_that_fails_names_the_secret_else_its_id(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    core = SecretCore(lambda: client)
    secret_id, state = core.create({"name": "named", "value": VALUE})
    api.set_faults(error_rate=1.0)
    for read_state, name in ((state, "named"), ({}, secret_id)):
        with pytest.raises(SecretOperationError) as failed:
            core.read(secret_id, read_state)
        assert str(failed.value).startswith(f"Secret {name!r}: read failed: ")
    for olds, news, name in (
        (state, {**state, "value": "v2"}, "named"),
        ({}, {**state, "value": "v2"}, "named"),
    ):
        with pytest.raises(SecretOperationError) as failed:
            core.update(secret_id, olds, news)
        assert str(failed.value).startswith(f"Secret {name!r}: update failed: ")
    with pytest.raises(SecretOperationError, match=r"^Secret 'named': update failed: "):
        core.update(secret_id, state, {"value": "v3"})  # the state's name when the inputs have none


def test_check_skips_what_is_not_known_yet() -> None:
    unknown = object()
    core = SecretCore(lambda: pytest.fail("no request"), is_unknown=lambda v: v is unknown)  # type: ignore[arg-type,return-value]
    news = {"name": unknown, "value": unknown}
    outcome = core.check(news)
    assert (outcome.inputs, outcome.failures) == (news, [])
    assert outcome.inputs is not news  # a copy: the engine's own inputs are left alone


# -- through the engine ---------------------------------------------------------------------------------


def _stack(tmp_path: Path, emulator: EmulatorProcess, resources: dict[str, Any]) -> EngineStack:
    return EngineStack(
        tmp_path,
        declared_gateway,
        api_url=emulator.base_url,
        api_key=DEMO_KEY,
        config={"resources": resources},
    )


def _secret(name: str, value: str = VALUE, **props: Any) -> dict[str, Any]:
    return {"kind": "Secret", "props": {"name": name, "value": value, **props}}


def test_an_existing_name_fails_without_adopt_and_adopt_takes_it_over(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator(config=False)
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        existing = gateway.secrets.create("shared", "their-value-123")
    stack = _stack(tmp_path, emulator, {"s": _secret("shared")})
    emulator.reset_stats()
    error = str(stack.failing("up"))
    assert (
        "pulumi_baseten_gateway.errors.SecretOperationError: Secret 'shared': create failed: a secret named "
        "'shared' already exists in this workspace"
    ) in error
    assert "set adopt=True on it" in error
    assert "Traceback" not in error
    assert VALUE not in error
    assert "POST /v1/secrets" not in emulator.stats()["by_route"]  # the value was never sent

    stack.set_config({"resources": {"s": _secret("shared", adopt=True)}})
    run = stack.up()
    assert run.outputs["s"]["secret_id"] == existing.id
    assert stack.resources("Secret")["s"]["id"] == existing.id
    stack.preview(expect_no_changes=True)
    stack.destroy()
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        assert gateway.secrets.list() == []


def test_a_plain_string_value_is_stored_only_as_a_secret_then_a_rename_replaces_creating_first(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    """One stack: the secret's first up is the stored-only-as-a-secret check, its rename the replacement
    (created first), then ``get`` reads a secret made outside without managing it."""
    emulator = make_emulator(config=False)
    stack = _stack(tmp_path, emulator, {})
    # Secret config, so that the test's own input is not in the stack's files; the program reads it as
    # text (``Config.get``) and passes a plain ``str``.
    stack.stack.set_config("resources", auto.ConfigValue(json.dumps({"s": _secret("first")}), secret=True))
    run = stack.up()
    assert VALUE not in run.stdout + run.stderr
    state = stack.resources("Secret")["s"]
    for section in ("inputs", "outputs"):
        assert "ciphertext" in state[section]["value"], section
    for path in stack.state_files():
        assert VALUE.encode() not in path.read_bytes(), path

    # From here the config is plain text (the value is in the stack's config file): a new name.
    stack.set_config({"resources": {"s": _secret("second")}})
    run = stack.up()
    assert run.changes == {"same": 1, "replace": 1}
    steps = [op for op, name in run.steps() if name == "s"]
    assert steps.index("create-replacement") < steps.index("delete-replaced")
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        [secret] = gateway.secrets.list()
        assert secret.name == "second"
        outside = gateway.secrets.create("outside", "outside-value-1")

    stack.set_config({"gets": {"found": {"kind": "Secret", "id": outside.id}}})
    run = stack.up()
    assert run.outputs["found"]["name"] == "outside"
    assert run.outputs["found"]["secret_id"] == outside.id
    assert run.outputs["found"].get("value") is None  # the API never returns values
    stack.destroy()
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        assert [s.name for s in gateway.secrets.list()] == ["outside"]


# -- team secrets -----------------------------------------------------------------------------------------


def test_a_team_secret_lives_its_whole_life_in_its_team(
    local: tuple[InProcessEmulator, GatewayClient],
) -> None:
    api, client = local
    primary = client.secrets.create("openai", "primary-value-1")  # the same name, in the primary team
    core = SecretCore(lambda: client)
    inputs = core.check({"name": "openai", "value": VALUE, "team_id": ACME_ML_TEAM_ID}).inputs

    secret_id, outputs = core.create(inputs)  # the name is free in that team: no adopt needed
    assert secret_id != primary.id
    assert (outputs["team_id"], outputs["team_name"]) == (ACME_ML_TEAM_ID, ACME_ML_TEAM)
    assert [s.id for s in client.secrets.list(team_id=ACME_ML_TEAM_ID)] == [secret_id]

    read = core.read(secret_id, outputs)
    assert read is not None
    assert read.inputs == {"name": "openai", "value": VALUE, "team_id": ACME_ML_TEAM_ID}
    rotated = core.update(secret_id, outputs, {**inputs, "value": "rotated-value-2"})
    assert rotated["secret_id"] == secret_id
    core.delete(secret_id, rotated)
    assert client.secrets.list(team_id=ACME_ML_TEAM_ID) == []
    assert [s.id for s in client.secrets.list()] == [primary.id]  # the primary team's is untouched

    # Another team replaces the secret; a team id that is no path segment is refused before any request.
    assert core.diff(outputs, {**inputs, "team_id": ACME_TEAM_ID}).replaces == ["team_id"]
    failures = core.check({"name": "x", "value": VALUE, "team_id": "../other"}).failures
    assert [(f.path, f.rule) for f in failures] == [("team_id", "team-id")]
    before = api.stats()["total_requests"]
    with pytest.raises(InvalidInputError, match="team_id: must be a team id"):
        client.secrets.list(team_id="a/b")
    assert api.stats()["total_requests"] == before


def test_a_team_secret_through_the_engine_and_a_look_up_in_that_team(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator()
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        primary = gateway.secrets.create("openai", "primary-value-1")
    stack = EngineStack(
        tmp_path,
        declared_gateway,
        api_url=emulator.base_url,
        api_key=ACME_KEY,
        config={"resources": {"s": _secret("openai", team_id=ACME_ML_TEAM_ID)}},
    )
    run = stack.up()
    made = run.outputs["s"]
    assert made["team_id"] == ACME_ML_TEAM_ID
    assert made["team_name"] == ACME_ML_TEAM
    assert made["secret_id"] != primary.id
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        assert [s.id for s in gateway.secrets.list(team_id=ACME_ML_TEAM_ID)] == [made["secret_id"]]
        found = get_secret_in(gateway, "openai", ACME_ML_TEAM_ID)
        assert found == made["secret_id"]
    stack.preview(expect_no_changes=True)
    stack.destroy()
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        assert [s.id for s in gateway.secrets.list()] == [primary.id]


def get_secret_in(client: GatewayClient, name: str, team_id: str) -> str:
    """``getSecret`` with a team: the id of the team's secret of that name."""
    result = invoke(
        FUNCTIONS["baseten-gateway:index:getSecret"], lambda: client, {"name": name, "team_id": team_id}
    )
    assert result["team_name"] == ACME_ML_TEAM
    secret_id: str = result["secret_id"]
    return secret_id


@pytest.mark.parametrize(
    ("team_id", "broken"),
    [
        (None, False),
        ("team-acme", False),
        ("t", False),
        ("a.b_c-9", False),
        ("", True),
        (".", True),
        ("..", True),
        ("a/b", True),
        ("a b", True),
        ("a\nb", True),
        (7, True),
    ],
)
def test_the_team_id_rule(team_id: object, broken: bool) -> None:
    found = secret_rules.validate_team_id(team_id)
    assert bool(found) is broken
    assert all(v.path == "team_id" for v in found)
    assert secret_rules.validate_team_id(team_id, is_unknown=lambda _: True) == []
