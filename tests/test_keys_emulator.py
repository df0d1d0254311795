"""The emulator's group API keys (K1-K5), over real HTTP with bare httpx (never our client).

Created keys come back once as ``prefix.secret`` with a 16-character prefix; registered keys are checked
with a real Ed25519 signature of the raw body (the ``acme`` workspace's key from the test harness) and
the documented rules (32-128 characters, entropy >= 3.0 bits per character, a unique prefix). A revoked
key reads as gone; so do the keys of a deleted group. Every 200 body is checked against the public spec.
"""

from __future__ import annotations

import base64
import json
import math
import random
import string
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.emulator import (
    ACME_KEY,
    ACME_PUBLIC_KEY,
    ACME_SIGNING_SEED,
    ACME_VIEWER_KEY,
    DEFAULT_WORKSPACES,
    GLOBEX_KEY,
    EmulatorProcess,
    public_key_of,
    sign,
    write_config,
)
from pulumi_baseten_gateway.emulator import ConfigError, EmulatorConfig
from tests.test_endpoint_emulator import assert_error, assert_spec, client_for

MakeEmulator = Callable[..., EmulatorProcess]

GROUPS = "/v1/gateway/groups"
SIGNATURE = "Signature verification failed"
NO_PUBLIC_KEY = "Must configure a public key before registering API keys"
OTHER_SEED = bytes(32)


def new_group(client: httpx.Client, slug: str = "acme/m") -> str:
    payload = {
        "metadata": {"external_entity_id": f"k-{uuid.uuid4().hex}"},
        "models": [{"slug": slug}],
        "hierarchy": {},
    }
    response = client.post(GROUPS, json=payload)
    assert response.status_code == 200, response.text
    group_id: str = response.json()["id"]
    return group_id


def keys_path(group_id: str, suffix: str = "") -> str:
    return f"{GROUPS}/{group_id}/api_keys{suffix}"


def random_key(length: int = 48) -> str:
    """A key as a careful customer generates one: random, URL-safe, high entropy."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes + uuid.uuid4().bytes).decode()[
        :length
    ]


def register(
    client: httpx.Client,
    group_id: str,
    payload: dict[str, Any] | bytes,
    *,
    seed: bytes | None = ACME_SIGNING_SEED,
    signature: str | None = None,
) -> httpx.Response:
    """POST the exact bytes, signed with ``seed`` (or the given ``signature``; neither: no header)."""
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Baseten-Signature"] = signature
    elif seed is not None:
        headers["X-Baseten-Signature"] = sign(raw, seed)
    return client.post(keys_path(group_id, "/register"), content=raw, headers=headers)


def listed(client: httpx.Client, group_id: str) -> list[dict[str, Any]]:
    response = client.get(keys_path(group_id))
    assert response.status_code == 200, response.text
    page = response.json()
    assert_spec(page, "KeysForGroupResponseV1")
    items: list[dict[str, Any]] = page["items"]
    return items


@pytest.fixture
def acme(emulator: EmulatorProcess) -> Iterator[httpx.Client]:
    with client_for(emulator, ACME_KEY) as client:
        yield client


@pytest.fixture
def globex(emulator: EmulatorProcess) -> Iterator[httpx.Client]:
    with client_for(emulator, GLOBEX_KEY) as client:
        yield client


def test_the_harness_public_key_is_the_signing_keys() -> None:
    assert public_key_of(ACME_SIGNING_SEED) == ACME_PUBLIC_KEY


# -- create, list, get, revoke ---------------------------------------------------------------------------


def test_key_lifecycle(acme: httpx.Client) -> None:
    group_id = new_group(acme)
    created = acme.post(keys_path(group_id), json={"name": "prod-key-1"})
    assert created.status_code == 200, created.text
    key = created.json()
    assert_spec(key, "CreateApiKeyForGroupResponseV1")
    assert set(key) == {"api_key", "prefix", "name"}
    prefix, _, secret = key["api_key"].partition(".")
    assert prefix == key["prefix"]
    assert len(prefix) == 16
    assert len(secret) >= 32
    assert key["name"] == "prod-key-1"
    unnamed = acme.post(keys_path(group_id), content=b"").json()  # no body: every field is optional
    assert unnamed["name"] is None
    assert unnamed["prefix"] != prefix

    info = acme.get(keys_path(group_id, f"/{prefix}"))
    assert info.status_code == 200
    assert info.json() == {"prefix": prefix, "name": "prod-key-1"}
    assert_spec(info.json(), "GatewayKeyInfoV1")
    assert listed(acme, group_id) == [
        {"prefix": prefix, "name": "prod-key-1"},
        {"prefix": unnamed["prefix"], "name": None},
    ]
    assert key["api_key"] not in acme.get(keys_path(group_id)).text  # returned exactly once

    revoked = acme.delete(keys_path(group_id, f"/{prefix}"))
    assert revoked.status_code == 200
    assert revoked.json() == {"prefix": prefix}
    assert_error(acme.get(keys_path(group_id, f"/{prefix}")), 404, "api_key_prefix")  # reads as gone
    assert_error(acme.delete(keys_path(group_id, f"/{prefix}")), 404, "api_key_prefix")  # irreversible
    assert listed(acme, group_id) == [{"prefix": unnamed["prefix"], "name": None}]  # others unaffected


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"name": 5}, "name: must be a string"),
        ({"name": "x" * 256}, "name: must be 0 to 255"),
        ({"scopes": ["all"]}, "scopes: is not a known field"),
        ([], "body: must be a JSON object"),
    ],
)
def test_create_rejects_invalid_payloads(acme: httpx.Client, payload: Any, fragment: str) -> None:
    group_id = new_group(acme)
    assert_error(acme.post(keys_path(group_id), json=payload), 400, fragment)
    assert listed(acme, group_id) == []


def test_keys_are_scoped_to_their_group(acme: httpx.Client, globex: httpx.Client) -> None:
    first, second = new_group(acme), new_group(acme)
    prefix = acme.post(keys_path(first), json={}).json()["prefix"]
    assert_error(acme.get(keys_path(second, f"/{prefix}")), 404, "api_key_prefix")
    assert_error(acme.delete(keys_path(second, f"/{prefix}")), 404, "api_key_prefix")
    for method, suffix in (("GET", ""), ("POST", ""), ("GET", f"/{prefix}"), ("DELETE", f"/{prefix}")):
        assert_error(globex.request(method, keys_path(first, suffix), json={}), 403, "another workspace")
        assert_error(acme.request(method, keys_path("missing123", suffix), json={}), 404, "group_id")
    assert_error(register(globex, first, {"key": random_key()}), 403, "another workspace")
    assert acme.get(keys_path(first, f"/{prefix}")).status_code == 200


def test_key_lists_page_with_cursors(acme: httpx.Client) -> None:
    group_id = new_group(acme)
    prefixes = [acme.post(keys_path(group_id), json={"name": f"k{i}"}).json()["prefix"] for i in range(5)]
    seen, sizes, cursor = [], [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = acme.get(keys_path(group_id), params=params).json()
        sizes.append(len(page["items"]))
        seen += [item["prefix"] for item in page["items"]]
        cursor = page["pagination"]["cursor"]
        assert page["pagination"]["has_more"] is (cursor is not None)
        if cursor is None:
            break
    assert (sizes, seen) == ([2, 2, 1], prefixes)
    assert_error(acme.get(keys_path(group_id), params={"limit": "x"}), 400, "limit")


# -- register --------------------------------------------------------------------------------------------


def test_register_with_a_real_signature(acme: httpx.Client) -> None:
    group_id = new_group(acme)
    key = random_key()
    response = register(acme, group_id, {"name": "acme-prod-key-1", "key": key})
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True}  # the key is not echoed
    assert_spec(response.json(), "RegisterAPIKeyResponseV1")
    assert listed(acme, group_id) == [{"prefix": key[:16], "name": "acme-prod-key-1"}]
    assert acme.get(keys_path(group_id, f"/{key[:16]}")).json() == {
        "prefix": key[:16],
        "name": "acme-prod-key-1",
    }
    assert key not in acme.get(keys_path(group_id)).text
    unnamed = random_key(32)
    assert register(acme, group_id, {"key": unnamed}).json() == {"ok": True}
    assert acme.get(keys_path(group_id, f"/{unnamed[:16]}")).json() == {"prefix": unnamed[:16], "name": None}


def _bad_signatures(raw: bytes) -> dict[str, dict[str, Any]]:
    good = sign(raw)
    flipped = base64.b64decode(good)
    flipped = bytes([flipped[0] ^ 1]) + flipped[1:]
    return {
        "missing header": {"seed": None},
        "not base64": {"signature": "not base64!!"},
        "empty": {"signature": ""},
        "too short": {"signature": base64.b64encode(b"short").decode()},
        "another private key": {"seed": OTHER_SEED},
        "one bit flipped": {"signature": base64.b64encode(flipped).decode()},
        "another body's": {"signature": sign(raw + b" ")},
    }


@pytest.mark.parametrize("case", list(_bad_signatures(b"{}")))
def test_a_bad_signature_is_the_documented_400(acme: httpx.Client, case: str) -> None:
    group_id = new_group(acme)
    raw = json.dumps({"key": random_key()}).encode()
    response = register(acme, group_id, raw, **_bad_signatures(raw)[case])
    assert response.status_code == 400
    assert response.json() == {"error": SIGNATURE}
    assert listed(acme, group_id) == []


def test_the_signature_covers_the_exact_bytes(acme: httpx.Client) -> None:
    """Re-serialising the same JSON (a space more) breaks the signature: the raw body is what is signed."""
    group_id = new_group(acme)
    key = random_key()
    raw = json.dumps({"key": key}).encode()
    reformatted = json.dumps({"key": key}, separators=(",", ":")).encode()
    assert register(acme, group_id, reformatted, signature=sign(raw)).json() == {"error": SIGNATURE}
    assert register(acme, group_id, raw, signature=sign(raw)).json() == {"ok": True}


def test_a_workspace_without_a_public_key_cannot_register(globex: httpx.Client) -> None:
    group_id = new_group(globex, "globex/m")
    response = register(globex, group_id, {"key": random_key()})
    assert response.status_code == 400
    assert response.json() == {"error": NO_PUBLIC_KEY}
    assert listed(globex, group_id) == []


def _uniform(alphabet: str, length: int) -> str:
    """A key using each character of ``alphabet`` equally often: entropy exactly log2(len(alphabet))."""
    return (alphabet * length)[:length]


def _fresh(alphabet_size: int) -> str:
    """A random alphabet (so each accepted key has a new prefix on the shared emulator)."""
    return "".join(random.sample(string.ascii_letters + string.digits, alphabet_size))


@pytest.mark.parametrize(
    ("key", "accepted", "fragment"),
    [
        (_uniform("abcdefgh", 31), False, "between 32 and 128 characters"),
        (32, True, ""),  # 8 characters used equally: exactly 3.0 bits, the minimum
        (128, True, ""),
        (_uniform("abcdefgh", 129), False, "between 32 and 128 characters"),
        (_uniform("abcdefg", 35), False, "entropy of 2.81 bits"),  # log2(7) < 3.0
        ("a" * 40, False, "entropy of 0.00 bits"),
        (_uniform("abcdefgh", 31) + " ", False, "printable ASCII without whitespace"),
        (_uniform("abcdefgh", 31) + "\u00e9", False, "printable ASCII"),
        (12345678901234567890123456789012345, False, "key: must be a string"),
    ],
)
def test_the_documented_key_rules(acme: httpx.Client, key: Any, accepted: bool, fragment: str) -> None:
    if accepted:
        key = _uniform(_fresh(8), key)
        counts = Counter(key).values()
        assert -sum(n / len(key) * math.log2(n / len(key)) for n in counts) == pytest.approx(3.0)
    group_id = new_group(acme)
    response = register(acme, group_id, {"key": key})
    if accepted:
        assert response.json() == {"ok": True}
    else:
        assert_error(response, 400, fragment)
        assert listed(acme, group_id) == []


def test_a_registered_prefix_is_unique_in_the_workspace_until_revoked(acme: httpx.Client) -> None:
    first_group, second_group = new_group(acme), new_group(acme)
    key = random_key()
    assert register(acme, first_group, {"key": key}).json() == {"ok": True}
    same_prefix = key[:16] + random_key(32)
    for group_id in (first_group, second_group):
        assert_error(register(acme, group_id, {"key": same_prefix}), 400, "already registered", key[:16])
    assert listed(acme, second_group) == []
    acme.delete(keys_path(first_group, f"/{key[:16]}"))
    assert register(acme, second_group, {"key": same_prefix}).json() == {"ok": True}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{nope", "body: invalid JSON"),
        (b"[]", "body: must be a JSON object"),
        (b'{"name": "x"}', "key: is required"),
        (b'{"key": "%s", "group": 1}', "group: is not a known field"),
        (b'{"key": "%s", "name": 7}', "name: must be a string"),
    ],
)
def test_a_signed_but_invalid_body_is_400(acme: httpx.Client, raw: bytes, fragment: str) -> None:
    group_id = new_group(acme)
    if b"%s" in raw:
        raw = raw.replace(b"%s", random_key().encode())
    assert_error(register(acme, group_id, raw), 400, fragment)
    assert listed(acme, group_id) == []


def test_register_into_a_deleted_or_unknown_group_is_404(acme: httpx.Client) -> None:
    group_id = new_group(acme)
    acme.delete(f"{GROUPS}/{group_id}")
    assert_error(register(acme, group_id, {"key": random_key()}), 404, "group_id")
    assert_error(register(acme, "missing123", {"key": random_key()}), 404, "group_id")


def test_callers_need_a_key_and_management_scope(emulator: EmulatorProcess, acme: httpx.Client) -> None:
    group_id = new_group(acme)
    prefix = acme.post(keys_path(group_id), json={}).json()["prefix"]
    calls = [
        ("POST", ""),
        ("GET", ""),
        ("GET", f"/{prefix}"),
        ("DELETE", f"/{prefix}"),
        ("POST", "/register"),
    ]
    with client_for(emulator, None) as anonymous, client_for(emulator, ACME_VIEWER_KEY) as viewer:
        for method, suffix in calls:
            assert_error(anonymous.request(method, keys_path(group_id, suffix), json={}), 401, "API key")
            assert_error(
                viewer.request(method, keys_path(group_id, suffix), json={}), 403, "management scope"
            )
    assert acme.get(keys_path(group_id, f"/{prefix}")).status_code == 200


# -- config, persistence, faults -------------------------------------------------------------------------


def test_a_pem_public_key_works_and_prefixes_are_per_workspace(make_emulator: MakeEmulator) -> None:
    workspaces = [
        {**DEFAULT_WORKSPACES[0], "public_key": public_key_of(ACME_SIGNING_SEED, pem=True)},
        {**DEFAULT_WORKSPACES[1], "public_key": public_key_of(OTHER_SEED)},
    ]
    emulator = make_emulator(workspaces=workspaces)
    key = random_key()
    with client_for(emulator) as acme, client_for(emulator, GLOBEX_KEY) as globex:
        assert register(acme, new_group(acme), {"key": key}).json() == {"ok": True}
        globex_group = new_group(globex, "globex/m")
        assert register(globex, globex_group, {"key": key}).json() == {"error": SIGNATURE}  # acme's signature
        assert register(globex, globex_group, {"key": key}, seed=OTHER_SEED).json() == {"ok": True}


@pytest.mark.parametrize(
    ("public_key", "fragment"),
    [
        ("not base64 at all!", "32-byte Ed25519 public key in base64"),
        (base64.b64encode(bytes(31)).decode(), "is 32 bytes, this one is 31"),
        ("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n", "not a PEM public key"),
    ],
)
def test_an_invalid_public_key_fails_the_config(tmp_path: Path, public_key: str, fragment: str) -> None:
    workspaces = [{**DEFAULT_WORKSPACES[0], "public_key": public_key}]
    with pytest.raises(ConfigError, match=r"workspaces\[0\]\.public_key") as raised:
        EmulatorConfig.from_dict({"workspaces": workspaces})
    assert fragment in str(raised.value)
    process = EmulatorProcess(
        tmp_path / "db.sqlite3", config_path=write_config(tmp_path / "c.json", workspaces)
    )
    with pytest.raises(RuntimeError, match="exited with status 2") as failed:
        process.start()
    assert "public_key" in str(failed.value)


def test_an_rsa_pem_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    pem = (
        rsa.generate_private_key(65537, 2048)
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ConfigError, match="not an Ed25519 key"):
        EmulatorConfig.from_dict({"workspaces": [{**DEFAULT_WORKSPACES[0], "public_key": pem.decode()}]})


def test_keys_survive_a_restart_and_revocations_stick(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator()
    key = random_key()
    with client_for(emulator) as client:
        group_id = new_group(client)
        created = client.post(keys_path(group_id), json={"name": "made"}).json()
        revoked = client.post(keys_path(group_id), json={"name": "revoked"}).json()
        client.delete(keys_path(group_id, f"/{revoked['prefix']}"))
        assert register(client, group_id, {"key": key, "name": "mine"}).json() == {"ok": True}
    emulator.restart()
    with client_for(emulator) as client:
        assert listed(client, group_id) == [
            {"prefix": created["prefix"], "name": "made"},
            {"prefix": key[:16], "name": "mine"},
        ]
        assert_error(client.get(keys_path(group_id, f"/{revoked['prefix']}")), 404, "api_key_prefix")
        assert_error(register(client, group_id, {"key": key}), 400, "already registered")
    assert emulator.stats()["api_keys"] == {"live": 2, "revoked": 1}


def test_faults_and_the_rate_limit_reach_the_key_routes(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(rate_limit_per_second=2)
    with client_for(emulator) as client:
        group_id = new_group(client)
        emulator.set_faults(error_rate=1.0, seed=5)
        assert register(client, group_id, {"key": random_key()}).status_code in (500, 502, 503, 504)
        emulator.set_faults(rate_limit_rate=1.0, seed=5)
        injected = client.post(keys_path(group_id), json={})
        assert injected.json() == {"error": "Rate limit exceeded. Please try again later.", "retry_after": 1}
        emulator.set_faults()
        assert listed(client, group_id) == []  # neither injected failure ran the operation
        # The real limit: 2 a second for this key on this route, whatever the other routes do.
        statuses = [client.get(keys_path(group_id)).status_code for _ in range(12)]
        assert statuses.count(429) >= 8
    assert emulator.stats()["faults"]["5xx"] == 1
