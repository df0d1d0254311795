"""The RegisteredGatewayApiKey: a caller's own key, registered with a body signed by the workspace's
Ed25519 private key. The client signs and checks, the core replaces on any change, and the resource runs
its whole lifecycle through the real Pulumi CLI, with neither the key nor the signing key in plain text
anywhere (state files, CLI output, errors, logs).
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import pickle
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pulumi import automation as auto

from harness.emulator import ACME_KEY, ACME_SIGNING_SEED, GLOBEX_KEY, EmulatorProcess, InProcessEmulator
from harness.engine import EngineStack, declared_gateway
from harness.programs import ProjectStack
from pulumi_baseten_gateway import (
    BadRequestError,
    ConfigurationError,
    GatewayClient,
    InvalidInputError,
    KeyPrefixTakenError,
    NotFoundError,
    RegisteredGatewayApiKeyOperationError,
    RetryPolicy,
    SigningKey,
)
from pulumi_baseten_gateway.api.rules.api_key import (
    registered_prefix,
    shannon_entropy,
    validate_registered_key,
)
from pulumi_baseten_gateway.api.transport import LOGGER_NAME
from pulumi_baseten_gateway.resources.api_key.registered import RegisteredGatewayApiKeyCore
from pulumi_baseten_gateway.resources.api_key.resource import REGISTERED_GATEWAY_API_KEY
from pulumi_baseten_gateway.settings import Settings
from tests.conftest import MakeEmulator

MODELS = [{"slug": "acme/a"}]
#: acme's signing key, as the 32-byte raw key in base64 and as the PEM `openssl genpkey` writes.
SEED_B64 = base64.b64encode(ACME_SIGNING_SEED).decode()
PEM = (
    Ed25519PrivateKey.from_private_bytes(ACME_SIGNING_SEED)
    .private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    .decode()
)
OTHER_SEED_B64 = base64.b64encode(bytes(range(32))).decode()
REGISTER_ROUTE = "POST /v1/gateway/groups/{group_id}/api_keys/register"


def new_key() -> str:
    """A key the API accepts: 48 URL-safe characters from the OS's generator."""
    return "lk_" + secrets.token_urlsafe(34)[:45]


def register_posts(emulator: EmulatorProcess) -> int:
    return int(emulator.stats()["by_route"].get(REGISTER_ROUTE, 0))


@pytest.fixture
def client(emulator: EmulatorProcess) -> Iterator[GatewayClient]:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url, signing_key=SigningKey(SEED_B64)) as gateway:
        yield gateway


@pytest.fixture
def group_id(client: GatewayClient) -> Iterator[str]:
    group = client.groups.create(f"reg-{uuid.uuid4().hex[:12]}", MODELS)
    yield group.id
    with contextlib.suppress(NotFoundError):
        client.groups.delete(group.id)


# -- the signing key ------------------------------------------------------------------------------------


def test_the_signing_key_reads_both_forms_and_never_shows_itself() -> None:
    raw, pem = SigningKey(SEED_B64), SigningKey(PEM)
    flattened = SigningKey(PEM.replace("\n", "\\n"))  # as config tools often store a PEM block
    assert raw.public_key == pem.public_key == flattened.public_key
    assert raw.sign(b"body") == pem.sign(b"body")
    for key in (raw, pem):
        assert SEED_B64 not in repr(key)
        assert "PRIVATE" not in repr(key)
        with pytest.raises(TypeError, match="not picklable"):
            pickle.dumps(key)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("not base64 at all!", "must be an Ed25519 private key"),
        (base64.b64encode(b"x" * 31).decode(), "decodes to 31 bytes"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "could not be read"),
    ],
)
def test_a_malformed_signing_key_is_refused_by_name_without_quoting_it(text: str, fragment: str) -> None:
    key = SigningKey(text, setting="baseten:signingKey (or BASETEN_SIGNING_KEY)")
    with pytest.raises(ConfigurationError, match=fragment) as raised:
        key.sign(b"body")
    assert str(raised.value).startswith("baseten:signingKey (or BASETEN_SIGNING_KEY) must be")
    assert text not in str(raised.value)


@pytest.mark.parametrize("length", [32, 128])
def test_the_last_valid_lengths_are_registered(client: GatewayClient, group_id: str, length: int) -> None:
    """The documented bounds, inclusive: 32 and 128 characters reach the server and are registered."""
    key = (secrets.token_urlsafe(96) + secrets.token_hex(64))[:length]
    registered = client.keys.register(group_id, key)
    assert registered.prefix == key[:16]
    client.keys.revoke(group_id, registered.prefix)


# -- the client -----------------------------------------------------------------------------------------


def test_a_registered_key_is_readable_by_its_prefix_and_never_echoed(
    client: GatewayClient, group_id: str
) -> None:
    key = new_key()
    registered = client.keys.register(group_id, key, name="legacy-1")
    assert (registered.prefix, registered.name) == (key[:16], "legacy-1")
    assert key not in repr(registered)
    assert client.keys.get(group_id, registered.prefix).name == "legacy-1"
    assert [k.prefix for k in client.keys.list(group_id)] == [registered.prefix]
    client.keys.revoke(group_id, registered.prefix)
    with pytest.raises(NotFoundError):
        client.keys.get(group_id, registered.prefix)


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        pytest.param("short-" + "x1y2z3", "key-length", id="12-characters"),
        # The first invalid length below the documented minimum of 32, with entropy to spare.
        pytest.param("Zq8Lw2Xr5Tn9Vb4Mc7Yp1Hd6Gf3Js0K", "key-length", id="31-characters"),
        pytest.param("k" * 129, "key-length", id="129-characters"),
        pytest.param("abababababababababababababababababab", "key-entropy", id="low-entropy"),
        pytest.param("with space " + secrets.token_hex(16), "key-characters", id="whitespace"),
        pytest.param("ünïcödé-" + secrets.token_hex(16), "key-characters", id="non-ascii"),
    ],
)
def test_a_key_breaking_a_rule_is_refused_before_any_request(
    emulator: EmulatorProcess, client: GatewayClient, key: str, rule: str
) -> None:
    before = emulator.stats()["total_requests"]
    with pytest.raises(InvalidInputError) as raised:
        client.keys.register("some-group", key)
    assert [v.rule for v in raised.value.violations] == [rule]
    assert key not in str(raised.value)
    assert emulator.stats()["total_requests"] == before


def test_the_entropy_rule_is_the_documented_one() -> None:
    assert shannon_entropy("ab" * 16) == pytest.approx(1.0)
    assert shannon_entropy("abcdefgh" * 4) == pytest.approx(3.0)  # the minimum itself is accepted
    assert shannon_entropy("") == 0.0


def test_without_a_signing_key_nothing_is_sent(emulator: EmulatorProcess) -> None:
    before = emulator.stats()["total_requests"]
    with (
        GatewayClient(ACME_KEY, base_url=emulator.base_url) as unsigned,
        pytest.raises(ConfigurationError, match="no signing key"),
    ):
        unsigned.keys.register("some-group", new_key())
    assert emulator.stats()["total_requests"] == before


def test_a_wrong_signing_key_gets_the_servers_message_and_no_key_leaks(
    emulator: EmulatorProcess, group_id: str
) -> None:
    key = new_key()
    with (
        GatewayClient(ACME_KEY, base_url=emulator.base_url, signing_key=SigningKey(OTHER_SEED_B64)) as other,
        pytest.raises(BadRequestError, match="Signature verification failed") as raised,
    ):
        other.keys.register(group_id, key)
    assert "register API key" in str(raised.value)
    assert key not in str(raised.value)


def test_a_workspace_without_a_public_key_gets_the_documented_400(emulator: EmulatorProcess) -> None:
    with GatewayClient(GLOBEX_KEY, base_url=emulator.base_url, signing_key=SigningKey(SEED_B64)) as globex:
        group = globex.groups.create(f"reg-{uuid.uuid4().hex[:12]}", [{"slug": "globex/a"}])
        with pytest.raises(BadRequestError, match="Must configure a public key"):
            globex.keys.register(group.id, new_key())
        globex.groups.delete(group.id)


def test_a_taken_prefix_is_refused_before_the_post(
    emulator: EmulatorProcess, client: GatewayClient, group_id: str
) -> None:
    key = new_key()
    posts = register_posts(emulator)
    client.keys.register(group_id, key)
    assert register_posts(emulator) == posts + 1
    posts += 1
    with pytest.raises(KeyPrefixTakenError, match="already registered") as raised:
        client.keys.register(group_id, key[:16] + new_key()[:32])
    assert raised.value.prefix == key[:16]
    assert register_posts(emulator) == posts


def test_registrations_under_dropped_answers_converge_once_each(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    retry = RetryPolicy(max_attempts=20, initial_backoff=0.001, max_backoff=0.01)
    with GatewayClient(
        ACME_KEY, base_url=emulator.base_url, signing_key=SigningKey(SEED_B64), retry=retry
    ) as gateway:
        group = gateway.groups.create("drops", MODELS)
        emulator.set_faults(drop_rate=0.5, error_rate=0.2, seed=3)
        keys = [new_key() for _ in range(12)]
        prefixes = [gateway.keys.register(group.id, key, name=f"k{i}").prefix for i, key in enumerate(keys)]
        faults = emulator.stats()["faults"]
        assert faults["drop"] > 0
        assert faults["5xx"] > 0
        emulator.set_faults()
        assert sorted(k.prefix for k in gateway.keys.list(group.id)) == sorted(prefixes)
        assert prefixes == [key[:16] for key in keys]


def test_a_key_the_server_echoes_reaches_no_error_and_no_log(caplog: pytest.LogCaptureFixture) -> None:
    key = new_key()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(404, json={"error": "not found"})
        status = 503 if not handle.posts else 400  # type: ignore[attr-defined]
        handle.posts += 1  # type: ignore[attr-defined]
        return httpx.Response(status, json={"error": f"cannot register {request.content.decode()}"})

    handle.posts = 0  # type: ignore[attr-defined]
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)
    retry = RetryPolicy(max_attempts=3, initial_backoff=0, max_backoff=0)
    with (
        GatewayClient(
            "mgmt-key-12345678",
            base_url="https://api.example.com",
            transport=httpx.MockTransport(handle),
            retry=retry,
            signing_key=SigningKey(SEED_B64),
        ) as gateway,
        pytest.raises(BadRequestError) as raised,
    ):
        gateway.keys.register("g1", key)
    assert "<redacted>" in str(raised.value)
    assert "retrying after attempt 1" in caplog.text
    for text in (str(raised.value), repr(raised.value), raised.value.detail, caplog.text):
        assert key not in text
        assert json.dumps(key)[1:-1] not in text


def test_the_signed_body_is_exactly_the_body_sent() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "GET":
            return httpx.Response(404, json={"error": "not found"})
        return httpx.Response(200, json={"ok": True})

    signing = SigningKey(SEED_B64)
    with GatewayClient(
        "mgmt-key-12345678",
        base_url="https://api.example.com",
        transport=httpx.MockTransport(handle),
        signing_key=signing,
    ) as gateway:
        gateway.keys.register("g1", new_key(), name="n")
    post = next(r for r in seen if r.method == "POST")
    public = Ed25519PrivateKey.from_private_bytes(ACME_SIGNING_SEED).public_key()
    public.verify(base64.b64decode(post.headers["X-Baseten-Signature"]), post.content)  # raises if not
    assert json.loads(post.content)["name"] == "n"


# -- the core and settings ------------------------------------------------------------------------------


def test_every_change_replaces_registering_the_new_key_first() -> None:
    core = RegisteredGatewayApiKeyCore(lambda: pytest.fail("no request"))  # type: ignore[arg-type,return-value]
    key = new_key()
    olds = {"group_id": "g", "key": key, "name": "a", "prefix": key[:16]}
    assert not core.diff(olds, {"group_id": "g", "key": key, "name": "a"}).changes
    for change in ({"group_id": "h"}, {"key": new_key()}, {"name": "b"}):
        outcome = core.diff(olds, {"group_id": "g", "key": key, "name": "a", **change})
        assert outcome.replaces == outcome.changed == [next(iter(change))]
        assert not outcome.delete_before_replace
    assert REGISTERED_GATEWAY_API_KEY.secrets == ("key",)
    assert REGISTERED_GATEWAY_API_KEY.replaces == ("group_id", "key", "name")


def test_check_names_each_broken_rule_and_never_the_key() -> None:
    core = RegisteredGatewayApiKeyCore(lambda: pytest.fail("no request"))  # type: ignore[arg-type,return-value]
    weak = "ab" * 20
    failures = core.check({"group_id": "", "key": weak, "nmae": "typo"}).failures
    assert {(f.path, f.rule) for f in failures} == {
        ("group_id", "field-type"),
        ("key", "key-entropy"),
        ("nmae", "unknown-field"),
    }
    assert all(weak not in f.message for f in failures)
    unknown = object()
    preview = RegisteredGatewayApiKeyCore(
        lambda: pytest.fail("no request"),  # type: ignore[arg-type,return-value]
        is_unknown=lambda value: value is unknown,
    )
    assert preview.check({"group_id": "g", "key": unknown}).failures == []
    assert preview.check({"group_id": unknown, "key": new_key(), "name": unknown}).failures == []


@pytest.mark.parametrize(
    ("key", "rule", "mentions"),
    [
        (None, "required", "required"),
        (12345, "field-type", "int"),
        ("k" * 31, "key-length", "this key has 31"),
        ("k" * 31 + " ", "key-characters", "printable ASCII"),
    ],
)
def test_a_key_that_is_missing_not_text_or_malformed_is_refused_at_its_path(
    key: object, rule: str, mentions: str
) -> None:
    (violation,) = validate_registered_key(key, "keys[0]")
    assert (violation.path, violation.rule) == ("keys[0]", rule)
    assert mentions in violation.message


GOOD = "Kq7-vR2_pL9xZ4mN8bT1wY6cH3jF5sD0"  # 32 characters, 32 distinct: 5 bits per character


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        (GOOD, None),
        ((GOOD * 4)[:128], None),  # the last valid length
        (
            (GOOD * 5)[:129],
            "key: must be 32 to 128 characters, inclusive; this key has 129",
        ),  # the first invalid
        (GOOD[:31], "key: must be 32 to 128 characters, inclusive; this key has 31"),
        ("", "key: must be 32 to 128 characters, inclusive; this key has 0"),
        (None, "key: is required"),
        (b"K" * 40, "key: must be a string, got bytes"),
        (GOOD[:-1] + " ", "key: must be printable ASCII without whitespace"),
        (GOOD[:-1] + "\t", "key: must be printable ASCII without whitespace"),
        (GOOD[:-1] + "é", "key: must be printable ASCII without whitespace"),
        (GOOD[:-1] + "\x7f", "key: must be printable ASCII without whitespace"),
        (
            "abcdefg" * 5,  # seven characters, equally often: log2(7) = 2.81 bits per character
            "key: must have a Shannon entropy of at least 3.0 bits per character; this key has 2.81 (use a "
            "securely generated key, e.g. `openssl rand -base64 48`)",
        ),
    ],
)
def test_the_documented_key_rules_at_their_bounds(key: object, shown: str | None) -> None:
    found = validate_registered_key(key)
    assert [str(v) for v in found] == ([] if shown is None else [shown])
    if isinstance(key, str) and len(key) > 1:
        assert all(key not in str(v) for v in found)  # never quoted


def test_the_stored_prefix_is_the_first_sixteen_characters() -> None:
    assert registered_prefix(GOOD) == "Kq7-vR2_pL9xZ4mN"
    assert registered_prefix("a/b+c=d" * 6)[:16] == registered_prefix("a/b+c=d" * 6) == ("a/b+c=d" * 6)[:16]
    assert len(registered_prefix(GOOD * 4)) == 16


def test_a_key_of_exactly_the_minimum_entropy_is_accepted() -> None:
    key = "abcdefgh" * 4  # eight characters, equally often: exactly 3 bits per character
    assert shannon_entropy(key) == 3.0
    assert validate_registered_key(key) == []


def test_without_a_signing_key_the_create_says_how_to_set_it(emulator: EmulatorProcess) -> None:
    settings = Settings(api_key=ACME_KEY, base_url=emulator.base_url, rate=None)
    core = RegisteredGatewayApiKeyCore(settings.client)
    with pytest.raises(RegisteredGatewayApiKeyOperationError) as raised:
        core.create({"group_id": "g", "key": new_key(), "name": "legacy"})
    message = str(raised.value)
    assert message.startswith("RegisteredGatewayApiKey 'legacy': create failed: no signing key")
    assert "pulumi config set --secret baseten:signingKey" in message


def test_a_malformed_signing_key_setting_fails_only_registrations(emulator: EmulatorProcess) -> None:
    settings = Settings(api_key=ACME_KEY, base_url=emulator.base_url, rate=None, signing_key="oops-not-a-key")
    client = settings.client()
    assert client.groups.list_page().items is not None  # everything else works
    core = RegisteredGatewayApiKeyCore(settings.client)
    with pytest.raises(
        RegisteredGatewayApiKeyOperationError, match=r"baseten:signingKey \(or BASETEN_SIGNING_KEY\) must be"
    ) as raised:
        core.create({"group_id": "g", "key": new_key()})
    assert "oops-not-a-key" not in str(raised.value)


def test_the_core_registers_reads_and_revokes_with_the_keys_prefix_as_the_id() -> None:
    key = new_key()
    with InProcessEmulator() as api, api.client(signing_key=SigningKey(SEED_B64)) as client:
        group_id = client.groups.create("reg", MODELS).id
        core = RegisteredGatewayApiKeyCore(lambda: client)
        checked = core.check({"group_id": group_id, "key": key, "name": "legacy"})
        assert checked.failures == []
        assert checked.inputs == {"group_id": group_id, "key": key, "name": "legacy"}
        id_, outputs = core.create(checked.inputs)
        assert id_ == f"{group_id}/{key[:16]}"
        assert outputs == {"group_id": group_id, "key": key, "name": "legacy", "prefix": key[:16]}
        assert client.keys.get(group_id, key[:16]).name == "legacy"
        read = core.read(id_, outputs)
        assert read is not None
        assert (read.id, read.outputs) == (id_, outputs)
        assert read.inputs == {"group_id": group_id, "name": "legacy", "key": key}  # the key is an input
        by_id = core.read(id_, {})  # by the id alone (`get`, import): no key to keep
        assert by_id is not None
        assert by_id.outputs == {"group_id": group_id, "name": "legacy", "prefix": key[:16]}
        core.delete(id_, outputs)
        assert core.read(id_, outputs) is None
        unnamed_id, unnamed = core.create({"group_id": group_id, "key": new_key()})
        assert unnamed["name"] is None
        assert client.keys.get(group_id, unnamed["prefix"]).name is None
        core.delete(unnamed_id, unnamed)


def test_check_judges_the_name_too() -> None:
    core = RegisteredGatewayApiKeyCore(lambda: pytest.fail("no request"))  # type: ignore[arg-type,return-value]
    failures = core.check({"group_id": "g", "key": new_key(), "name": "n" * 256}).failures
    assert [(f.path, f.rule) for f in failures] == [("name", "field-type")]
    assert core.check({"group_id": "g", "key": new_key(), "name": "n" * 255}).failures == []


def test_an_unnamed_registration_that_fails_names_the_keys_prefix_and_the_setting() -> None:
    key = new_key()
    with InProcessEmulator() as api, api.client() as unsigned:
        core = RegisteredGatewayApiKeyCore(lambda: unsigned)
        with pytest.raises(RegisteredGatewayApiKeyOperationError) as raised:
            core.create({"group_id": "g", "key": key})
    assert str(raised.value).startswith(
        f"RegisteredGatewayApiKey {key[:16]!r}: create failed: no signing key"
    )
    assert key[16:] not in str(raised.value)
    assert isinstance(raised.value.cause, ConfigurationError)
    assert raised.value.cause.setting == "signingKey"


# -- through the engine ---------------------------------------------------------------------------------


def _declared(key_config: str, name: str = "legacy") -> dict[str, Any]:
    return {
        "g": {"kind": "Group", "props": {"external_entity_id": "cust_7", "models": MODELS}},
        "key": {
            "kind": "RegisteredGatewayApiKey",
            "props": {"group_id": "${g.group_id}", "key": f"${{config:{key_config}}}", "name": name},
        },
    }


def _live(emulator: EmulatorProcess, group: str) -> list[str]:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        return [k.prefix for k in gateway.keys.list(group)]


def test_the_whole_lifecycle_through_the_engine_keeps_both_keys_secret(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator()
    first, second = new_key(), new_key()
    stack = EngineStack(
        tmp_path,
        declared_gateway,
        api_url=emulator.base_url,
        api_key=ACME_KEY,
        config={"resources": _declared("first")},
    )
    for key, value in (("first", first), ("second", second), ("baseten:signingKey", PEM)):
        stack.stack.set_config(key, auto.ConfigValue(value, secret=True))
    outputs: list[str] = []

    run = stack.up()
    outputs += [run.stdout, run.stderr]
    group, registered = run.outputs["g"]["group_id"], run.outputs["key"]
    assert registered["prefix"] == first[:16]
    assert _live(emulator, group) == [first[:16]]
    state = stack.resources("RegisteredGatewayApiKey")["key"]
    assert state["id"] == f"{group}/{first[:16]}"
    for section in ("inputs", "outputs"):
        assert "ciphertext" in state[section]["key"], section
    outputs.append(stack.preview(expect_no_changes=True).stdout)

    # Another key: registered before the first is revoked.
    stack.set_config({"resources": _declared("second")})
    run = stack.up()
    outputs += [run.stdout, run.stderr]
    assert run.changes == {"same": 2, "replace": 1}
    steps = [op for op, name in run.steps() if name == "key"]
    assert steps.index("create-replacement") < steps.index("delete-replaced")
    assert _live(emulator, group) == [second[:16]]

    # Revoked outside Pulumi: refresh drops it, the next up registers it again.
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        gateway.keys.revoke(group, second[:16])
    outputs.append(stack.refresh().stdout)
    assert stack.resources("RegisteredGatewayApiKey") == {}
    run = stack.up()
    outputs += [run.stdout, run.stderr]
    assert run.changes == {"same": 2, "create": 1}
    assert _live(emulator, group) == [second[:16]]

    stack.destroy()
    assert _live_groups(emulator) == []
    texts = "\n".join(outputs)
    hidden = (first, second, PEM.splitlines()[1], "PRIVATE KEY")  # both keys, the signing key's body
    for path in stack.state_files():
        content = path.read_bytes()
        for secret in hidden:
            assert secret.encode() not in content, (path, secret[:4])
    for secret in hidden:
        assert secret not in texts


def _live_groups(emulator: EmulatorProcess) -> list[str]:
    with GatewayClient(ACME_KEY, base_url=emulator.base_url) as gateway:
        return [g.id for g in gateway.groups.list()]


def test_a_yaml_program_registers_through_the_native_provider(
    tmp_path: Path, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator()
    key = new_key()
    program = {
        "name": "registered-yaml",
        "runtime": "yaml",
        "config": {"legacyKey": {"type": "string", "secret": True}},
        "resources": {
            "g": {
                "type": "baseten-gateway:index:Group",
                "properties": {"externalEntityId": "cust_9", "models": MODELS},
            },
            "legacy": {
                "type": "baseten-gateway:index:RegisteredGatewayApiKey",
                "properties": {"groupId": "${g.id}", "key": "${legacyKey}", "name": "legacy"},
            },
        },
        "outputs": {"prefix": "${legacy.prefix}", "groupId": "${g.groupId}"},
    }
    stack = ProjectStack(tmp_path, json.dumps(program), api_url=emulator.base_url, api_key=ACME_KEY)
    stack.pulumi("config", "set", "--secret", "legacyKey", key)

    # Without a signing key: the registration fails before any request, saying how to set one.
    failed = stack.pulumi("up", "--yes", "--skip-preview", check=False)
    assert failed.returncode != 0
    assert "RegisteredGatewayApiKey 'legacy': create failed: no signing key" in failed.stdout
    assert "baseten-gateway:signingKey" in failed.stdout

    stack.pulumi("config", "set", "--secret", "baseten-gateway:signingKey", SEED_B64)
    printed = stack.up().stdout
    outputs = stack.outputs()
    assert outputs["prefix"] == key[:16]
    assert _live(emulator, outputs["groupId"]) == [key[:16]]
    state = stack.resources("RegisteredGatewayApiKey")["legacy"]
    assert "ciphertext" in state["outputs"]["key"]
    stack.preview("--expect-no-changes")
    stack.pulumi("destroy", "--yes", "--skip-preview")
    assert _live_groups(emulator) == []
    for text in (failed.stdout, failed.stderr, printed):
        assert key not in text
    for path in [*stack.state_dir.rglob("*"), *stack.project_dir.rglob("*")]:
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
            assert SEED_B64.encode() not in path.read_bytes(), path
