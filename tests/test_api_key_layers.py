"""The GatewayApiKey: client operations, the core, and the resource through the real Pulumi CLI.

The key is returned once and must never be shown: the client hands it over as a ``SecretStr``, a create
whose answer was lost revokes the key it may have made (nobody could ever hold it), and the engine keeps
``api_key`` only encrypted.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from harness.emulator import ACME_KEY, EmulatorProcess, InProcessEmulator
from harness.engine import EngineStack, declared_gateway
from pulumi_baseten_gateway import (
    ConfigurationError,
    GatewayApiKeyOperationError,
    GatewayClient,
    InvalidInputError,
    NotFoundError,
)
from pulumi_baseten_gateway.api.rules import api_key as rules
from pulumi_baseten_gateway.resources.api_key.core import GatewayApiKeyCore, KeyLifecycle
from pulumi_baseten_gateway.resources.api_key.registered import RegisteredGatewayApiKeyCore
from pulumi_baseten_gateway.resources.api_key.resource import GATEWAY_API_KEY
from tests.conftest import MakeEmulator

DEMO_KEY = "demo-key"
MODELS = [{"slug": "acme/a"}]


def no_client() -> Any:
    raise AssertionError("no request expected")


@pytest.fixture
def client(emulator: EmulatorProcess) -> Iterator[GatewayClient]:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        yield gateway


@pytest.fixture
def group_id(client: GatewayClient) -> Iterator[str]:
    group = client.groups.create(f"keys-{uuid.uuid4().hex[:12]}", MODELS)
    yield group.id
    with contextlib.suppress(NotFoundError):
        client.groups.delete(group.id)


# -- the client -----------------------------------------------------------------------------------------


def test_a_key_is_returned_once_and_never_shown(client: GatewayClient, group_id: str) -> None:
    created = client.keys.create(group_id, name="k1")
    plaintext = created.api_key.get_secret_value()
    assert plaintext.startswith(f"{created.prefix}.")
    assert plaintext not in repr(created) + str(created) + msgspec.json.encode(created, enc_hook=str).decode()
    assert client.keys.get(group_id, created.prefix).name == "k1"
    assert [k.prefix for k in client.keys.list(group_id)] == [created.prefix]
    client.keys.revoke(group_id, created.prefix)
    with pytest.raises(NotFoundError):
        client.keys.get(group_id, created.prefix)
    with pytest.raises(NotFoundError):
        client.keys.revoke(group_id, created.prefix)
    with pytest.raises(InvalidInputError):
        client.keys.create("", name="k")


def test_creates_under_dropped_answers_leave_no_key_that_nobody_holds(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        # The default policy's backoffs (from 0.25 s) are decided but not slept: what is proved is that no
        # key is left that nobody holds, not the waiting.
        gateway._sleep = lambda seconds: None
        group = gateway.groups.create("orphans", MODELS)
        emulator.set_faults(drop_rate=0.5, seed=5)
        created = [gateway.keys.create(group.id, name=f"k{i}").prefix for i in range(10)]
        assert emulator.stats()["faults"]["drop"] > 0
        emulator.set_faults()
        assert sorted(k.prefix for k in gateway.keys.list(group.id)) == sorted(created)


# -- the core -------------------------------------------------------------------------------------------


def test_every_change_replaces_creating_the_new_key_first() -> None:
    core = GatewayApiKeyCore(lambda: pytest.fail("no request"))  # type: ignore[arg-type,return-value]
    olds = {"group_id": "g", "name": "a", "prefix": "p", "api_key": "p.s"}
    assert not core.diff(olds, {"group_id": "g", "name": "a"}).changes
    for change in ({"group_id": "h"}, {"name": "b"}, {"name": None}):
        outcome = core.diff(olds, {"group_id": "g", "name": "a", **change})
        assert outcome.replaces == outcome.changed == [next(iter(change))]
        assert not outcome.delete_before_replace
    assert GATEWAY_API_KEY.secrets == ("api_key",)
    assert core.check({"group_id": "g", "name": "x" * 256}).failures[0].path == "name"


@pytest.mark.parametrize(
    ("id_", "parts"),
    [
        ("g1/abc", ("g1", "abc")),
        # A registered key's prefix (its first 16 characters) may hold "/": the first one separates.
        ("g1/ab/cd+ef", ("g1", "ab/cd+ef")),
        ("g1", None),
        ("/abc", None),
        ("g1/", None),
        ("", None),
    ],
)
def test_a_key_id_is_the_group_id_and_the_prefix_split_at_the_first_slash(
    id_: str, parts: tuple[str, str] | None
) -> None:
    assert rules.split_key_id(id_) == parts


def test_a_key_needs_a_group_id_and_may_have_a_name() -> None:
    unknown = object()

    def rules_broken(group_id: object, name: object) -> list[tuple[str, str]]:
        violations = rules.validate_api_key(group_id, name, is_unknown=lambda value: value is unknown)
        return [(v.path, v.rule) for v in violations]

    assert rules_broken("g", None) == rules_broken("g", "a") == rules_broken(unknown, unknown) == []
    assert rules_broken(None, None) == [("group_id", "required")]
    assert rules_broken("", "") == [("group_id", "field-type"), ("name", "field-type")]


def test_a_revoked_key_or_a_deleted_group_reads_as_gone(client: GatewayClient, group_id: str) -> None:
    core = GatewayApiKeyCore(lambda: client)
    key_id, state = core.create({"group_id": group_id, "name": "k"})
    assert key_id == f"{group_id}/{state['prefix']}"
    read = core.read(key_id, {})  # `get` and import: the id alone
    assert read is not None
    assert read.outputs == {"group_id": group_id, "name": "k", "prefix": state["prefix"]}
    assert core.read(key_id, state).outputs["api_key"] == state["api_key"]  # kept from the state
    client.keys.revoke(group_id, state["prefix"])
    assert core.read(key_id, state) is None
    core.delete(key_id, state)  # already revoked: deleted

    other_id, other = core.create({"group_id": group_id})
    client.groups.delete(group_id)
    assert core.read(other_id, other) is None
    with pytest.raises(GatewayApiKeyOperationError, match="<group_id>/<prefix>"):
        core.read("no-slash", {})


@pytest.mark.parametrize("core_class", [GatewayApiKeyCore, RegisteredGatewayApiKeyCore])
def test_an_update_is_refused_naming_the_prefix_else_the_id(core_class: type[KeyLifecycle]) -> None:
    """Every input change replaces a key (diff says so), so the engine never asks for an update; if it did,
    nothing may be sent: the step fails saying why."""
    core = core_class(no_client)
    name = core_class.declaration.name
    with pytest.raises(core_class.error) as refused:
        core.update("g1/sky_abc", {"group_id": "g1", "prefix": "sky_abc"}, {"group_id": "g1", "name": "n"})
    assert str(refused.value) == (
        f"{name} 'sky_abc': update failed: API keys are immutable: a change replaces the key"
    )
    assert isinstance(refused.value.cause, ConfigurationError)
    with pytest.raises(core_class.error, match=f"^{name} 'g1/sky_abc': update failed: "):
        core.update("g1/sky_abc", {}, {"group_id": "g1"})


def test_a_key_is_revoked_by_its_state_or_by_its_id_alone() -> None:
    with InProcessEmulator() as api, api.client() as client:
        group_id = client.groups.create("keys", MODELS).id
        core = GatewayApiKeyCore(lambda: client)
        by_state = core.create({"group_id": group_id})
        by_id = core.create({"group_id": group_id, "name": "imported"})
        core.delete(by_state[0], by_state[1])
        core.delete(by_id[0], {})  # `pulumi import`, or a state written before its outputs were
        assert [key.prefix for key in client.keys.list(group_id)] == []
        other = core.create({"group_id": group_id})
        api.set_faults(error_rate=1.0)
        with pytest.raises(GatewayApiKeyOperationError) as unread:
            core.read(other[0], other[1])  # not "gone": the read failed
        assert str(unread.value).startswith(f"GatewayApiKey {other[1]['prefix']!r}: read failed: ")
        with pytest.raises(GatewayApiKeyOperationError) as failed:
            core.delete(other[0], {})  # not "gone": the revoke failed, and says which key
        assert str(failed.value).startswith(f"GatewayApiKey {other[1]['prefix']!r}: delete failed: ")
        with pytest.raises(GatewayApiKeyOperationError, match=r"^GatewayApiKey 'no-slash': delete failed: "):
            core.delete("no-slash", {})


def test_a_partial_state_or_an_odd_id_still_finds_the_key() -> None:
    """What to read or revoke comes from the state's group id and prefix, else from the id."""
    with InProcessEmulator() as api, api.client() as client:
        group_id = client.groups.create("keys", MODELS).id
        core = GatewayApiKeyCore(lambda: client)
        key_id, state = core.create({"group_id": group_id})
        for partial in ({"group_id": group_id}, {"prefix": state["prefix"]}, {}):
            read = core.read(key_id, partial)
            assert read is not None
            assert read.outputs["prefix"] == state["prefix"]
        core.delete("an-id-of-another-form", state)  # the state says which key
        assert [key.prefix for key in client.keys.list(group_id)] == []
        with pytest.raises(GatewayApiKeyOperationError) as malformed:
            core.read("no-slash", {})
        assert str(malformed.value) == (
            "GatewayApiKey 'no-slash': read failed: the id 'no-slash' is not of the form <group_id>/<prefix>"
        )


def test_check_keeps_the_inputs_and_skips_what_is_not_known_yet() -> None:
    unknown = object()
    preview = GatewayApiKeyCore(no_client, is_unknown=lambda value: value is unknown)
    news = {"group_id": unknown, "name": unknown}
    outcome = preview.check(news)
    assert (outcome.inputs, outcome.failures) == (news, [])
    assert outcome.inputs is not news


def test_a_create_that_fails_names_the_key_else_its_group() -> None:
    with InProcessEmulator() as api, api.client() as client:
        core = GatewayApiKeyCore(lambda: client)
        for inputs, name in (({"group_id": "g-404", "name": "ci"}, "ci"), ({"group_id": "g-404"}, "g-404")):
            with pytest.raises(GatewayApiKeyOperationError) as failed:
                core.create(inputs)
            assert str(failed.value).startswith(f"GatewayApiKey {name!r}: create failed: ")
            assert isinstance(failed.value.cause, NotFoundError)


def test_a_read_gives_the_name_as_an_input_only_when_the_key_has_one() -> None:
    with InProcessEmulator() as api, api.client() as client:
        group_id = client.groups.create("keys", MODELS).id
        core = GatewayApiKeyCore(lambda: client)
        named_id, named = core.create({"group_id": group_id, "name": "ci"})
        bare_id, bare = core.create({"group_id": group_id})
        assert named_id == f"{group_id}/{named['prefix']}"
        assert named["api_key"].startswith(f"{named['prefix']}.")
        read = core.read(named_id, named)
        assert read is not None
        assert (read.id, read.inputs) == (named_id, {"group_id": group_id, "name": "ci"})
        assert read.outputs == named  # the key kept from the state, as an output only
        read = core.read(bare_id, {"group_id": group_id, "prefix": bare["prefix"]})
        assert read is not None
        assert read.inputs == {"group_id": group_id}
        assert read.outputs == {"group_id": group_id, "name": None, "prefix": bare["prefix"]}


# -- through the engine ---------------------------------------------------------------------------------


def _stack(tmp_path: Path, emulator: EmulatorProcess, resources: dict[str, Any]) -> EngineStack:
    return EngineStack(
        tmp_path,
        declared_gateway,
        api_url=emulator.base_url,
        api_key=DEMO_KEY,
        config={"resources": resources},
    )


def _declared(key_name: str) -> dict[str, Any]:
    return {
        "g": {"kind": "Group", "props": {"external_entity_id": "c", "models": [{"slug": "demo/a"}]}},
        "key": {"kind": "GatewayApiKey", "props": {"group_id": "${g.group_id}", "name": key_name}},
    }


def _live(emulator: EmulatorProcess, group: str) -> list[str]:
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        return [k.prefix for k in gateway.keys.list(group)]


def test_a_key_is_replaced_refreshed_read_and_revoked(tmp_path: Path, make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(config=False)
    stack = _stack(tmp_path, emulator, _declared("k1"))
    run = stack.up()
    group, first = run.outputs["g"]["group_id"], run.outputs["key"]
    assert _live(emulator, group) == [first["prefix"]]
    assert first["api_key"].startswith(f"{first['prefix']}.")
    assert first["api_key"] not in run.stdout
    state = stack.resources("GatewayApiKey")["key"]
    assert state["id"] == f"{group}/{first['prefix']}"
    assert "ciphertext" in state["outputs"]["api_key"]
    stack.preview(expect_no_changes=True)

    # A new name: a new key, created before the old one is revoked.
    stack.set_config({"resources": _declared("k2")})
    run = stack.up()
    assert run.changes == {"same": 2, "replace": 1}
    steps = [op for op, name in run.steps() if name == "key"]
    assert steps.index("create-replacement") < steps.index("delete-replaced")
    second = run.outputs["key"]
    assert second["api_key"] != first["api_key"]
    assert _live(emulator, group) == [second["prefix"]]

    # Revoked outside Pulumi: refresh drops it, the next up issues a new one.
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        gateway.keys.revoke(group, second["prefix"])
    refresh = stack.refresh()
    assert refresh.changes == {"same": 2, "delete": 1}
    run = stack.up()
    assert run.changes == {"same": 2, "create": 1}
    [third] = _live(emulator, group)
    assert third == run.outputs["key"]["prefix"]

    # `get` reads a key by `<group_id>/<prefix>`: its prefix, never the key.
    stack.set_config({"gets": {"seen": {"kind": "GatewayApiKey", "id": f"{group}/{third}"}}})
    run = stack.up()
    assert run.outputs["seen"]["prefix"] == third
    assert run.outputs["seen"].get("api_key") is None

    stack.destroy()
    with GatewayClient(DEMO_KEY, base_url=emulator.base_url) as gateway:
        assert list(gateway.groups.list()) == []
