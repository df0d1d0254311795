"""The emulator's secrets (``/v1/secrets``), over real HTTP with bare httpx (never our client).

As the public spec declares them: an upsert by name whose ``id`` is stable across rotation, a list of
metadata only (values never come back), a delete by name; ``team_name`` is the caller's primary team.
Secrets are outside ``/v1/gateway``, so a workspace without Frontier Gateway still has them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from harness.emulator import (
    ACME_KEY,
    ACME_VIEWER_KEY,
    ACME_WORKSPACE,
    DEFAULT_WORKSPACES,
    GLOBEX_KEY,
    EmulatorProcess,
)
from tests.test_endpoint_emulator import assert_error, assert_spec, client_for

MakeEmulator = Callable[..., EmulatorProcess]

SECRETS = "/v1/secrets"


def unique_name(label: str = "secret") -> str:
    return f"{label}_{uuid.uuid4().hex[:12]}"


def upsert(client: httpx.Client, name: str, value: str = "s3cr3t-value") -> dict[str, Any]:
    response = client.post(SECRETS, json={"name": name, "value": value})
    assert response.status_code == 200, response.text
    secret: dict[str, Any] = response.json()
    assert_spec(secret, "SecretV1")
    return secret


def listing(client: httpx.Client) -> list[dict[str, Any]]:
    response = client.get(SECRETS)
    assert response.status_code == 200, response.text
    assert_spec(response.json(), "SecretsV1")
    secrets: list[dict[str, Any]] = response.json()["secrets"]
    return secrets


@pytest.fixture
def acme(emulator: EmulatorProcess) -> Iterator[httpx.Client]:
    with client_for(emulator, ACME_KEY) as client:
        yield client


@pytest.fixture
def globex(emulator: EmulatorProcess) -> Iterator[httpx.Client]:
    with client_for(emulator, GLOBEX_KEY) as client:
        yield client


def test_upsert_rotates_in_place_and_values_never_come_back(acme: httpx.Client) -> None:
    name = unique_name()
    created = upsert(acme, name, "first-value-1")
    assert set(created) == {"id", "created_at", "name", "team_name"}
    assert created["name"] == name
    assert created["team_name"] == ACME_WORKSPACE  # the primary team; named after the workspace by default
    rotated = upsert(acme, name, "second-value-2")
    assert rotated == created  # "Unchanged across rotation": same id, same created_at
    mine = [secret for secret in listing(acme) if secret["name"] == name]
    assert mine == [created]
    text = acme.get(SECRETS).text
    assert "first-value-1" not in text
    assert "second-value-2" not in text


def test_delete_by_name(acme: httpx.Client) -> None:
    name = unique_name()
    created = upsert(acme, name)
    deleted = acme.delete(f"{SECRETS}/{name}")
    assert deleted.status_code == 200
    assert deleted.json() == {"name": name}
    assert_spec(deleted.json(), "SecretTombstoneV1")
    assert name not in {secret["name"] for secret in listing(acme)}
    assert_error(acme.delete(f"{SECRETS}/{name}"), 404, "secret_name", name)
    again = upsert(acme, name)
    assert again["id"] != created["id"]  # a new secret under the freed name
    assert again["created_at"] > created["created_at"]


def test_secrets_belong_to_one_workspace(acme: httpx.Client, globex: httpx.Client) -> None:
    name = unique_name()
    ours = upsert(acme, name)
    assert name not in {secret["name"] for secret in listing(globex)}
    assert_error(globex.delete(f"{SECRETS}/{name}"), 404, "secret_name")
    theirs = upsert(globex, name)
    assert theirs["id"] != ours["id"]
    assert theirs["team_name"] == "globex"
    assert [secret for secret in listing(acme) if secret["name"] == name] == [ours]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"value": "v"}, "name: must be a string"),
        ({"name": "n"}, "value: must be a string"),
        ({"name": "", "value": "v"}, "name: must be 1 to 255"),
        ({"name": "has space", "value": "v"}, "name: must be 1 to 255 letters"),
        ({"name": "a/b", "value": "v"}, "name: must be 1"),
        ({"name": "n" * 256, "value": "v"}, "name: must be 1 to 255"),
        ({"name": 5, "value": "v"}, "name: must be a string"),
        ({"name": "n", "value": ""}, "value: must not be empty"),
        ({"name": "n", "value": 5}, "value: must be a string"),
        ({"name": "n", "value": "v", "team": "t"}, "team: is not a known field"),
        ([], "body: must be a JSON object"),
    ],
)
def test_upsert_rejects_invalid_payloads(acme: httpx.Client, payload: Any, fragment: str) -> None:
    before = listing(acme)
    assert_error(acme.post(SECRETS, json=payload), 400, fragment)
    assert listing(acme) == before


def test_a_lone_surrogate_value_is_a_400_not_a_500(acme: httpx.Client) -> None:
    name = unique_name()
    response = acme.post(SECRETS, content=f'{{"name": "{name}", "value": "x\\ud800"}}'.encode())
    assert_error(response, 400, "value: must be valid Unicode text")


def test_callers(emulator: EmulatorProcess, make_emulator: MakeEmulator) -> None:
    with client_for(emulator, None) as anonymous, client_for(emulator, ACME_VIEWER_KEY) as viewer:
        for method, path in (("GET", SECRETS), ("POST", SECRETS), ("DELETE", f"{SECRETS}/x")):
            assert_error(anonymous.request(method, path, json={"name": "x", "value": "y"}), 401, "API key")
            assert_error(
                viewer.request(method, path, json={"name": "x", "value": "y"}), 403, "management scope"
            )
    # Not behind the Frontier Gateway gate: a workspace without it still keeps secrets.
    late = make_emulator(
        workspaces=[
            {
                "name": "late",
                "prefixes": ["late"],
                "api_keys": [{"key": "late-key"}],
                "onboarded": False,
                "team_name": "Late Team",
            }
        ]
    )
    with client_for(late, "late-key") as client:
        assert upsert(client, "token")["team_name"] == "Late Team"
        assert_error(client.get("/v1/gateway/groups"), 403, "not onboarded")


def test_secrets_survive_a_restart(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(
        workspaces=[{**DEFAULT_WORKSPACES[0], "team_name": "Acme"}, DEFAULT_WORKSPACES[1]]
    )
    with client_for(emulator) as client:
        kept = upsert(client, "kept")
        gone = upsert(client, "gone")
        client.delete(f"{SECRETS}/gone")
    emulator.restart()
    with client_for(emulator) as client:
        assert listing(client) == [kept]
        assert upsert(client, "kept", "rotated") == kept
        assert upsert(client, "gone")["id"] != gone["id"]
    assert emulator.stats()["secrets"] == {"live": 2, "deleted": 1}


def test_faults_and_the_rate_limit_reach_the_secret_routes(make_emulator: MakeEmulator) -> None:
    emulator = make_emulator(rate_limit_per_second=2)
    with client_for(emulator) as client:
        emulator.set_faults(error_rate=1.0, seed=9)
        assert client.post(SECRETS, json={"name": "never", "value": "v"}).status_code in (500, 502, 503, 504)
        emulator.set_faults(drop_rate=1.0, seed=9)
        with pytest.raises(httpx.TransportError):
            client.post(SECRETS, json={"name": "dropped", "value": "v"})
        emulator.set_faults()
        assert [secret["name"] for secret in listing(client)] == ["dropped"]  # committed, then dropped
        statuses = [client.get(SECRETS).status_code for _ in range(12)]
        assert statuses.count(429) >= 8
        assert client.post(SECRETS, json={"name": "other-route", "value": "v"}).status_code == 200
    faults = emulator.stats()["faults"]
    assert (faults["5xx"], faults["drop"]) == (1, 1)
