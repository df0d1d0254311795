"""The emulator's secrets (``/v1/secrets``), over real HTTP with bare httpx (never our client).

As the public spec declares them: an upsert by name whose ``id`` is stable across rotation, a list of
metadata only (values never come back), a delete by name; ``team_name`` is the caller's primary team. The
team routes (``/v1/teams/{team_id}/secrets``) do the same in the team they name.
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
    ACME_ML_TEAM,
    ACME_ML_TEAM_ID,
    ACME_TEAM_ID,
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


# -- team secrets: /v1/teams/{team_id}/secrets (the public spec's team-scoped routes) ----------------------

ML_SECRETS = f"/v1/teams/{ACME_ML_TEAM_ID}/secrets"


def test_a_team_has_its_own_secrets_and_the_workspace_listing_holds_every_team(acme: httpx.Client) -> None:
    name = unique_name("shared")
    primary = upsert(acme, name, "primary-value")
    made = acme.post(ML_SECRETS, json={"name": name, "value": "ml-value"})
    assert made.status_code == 200, made.text
    team = made.json()
    assert_spec(team, "SecretV1")
    # A name is unique within a team, not across teams: two secrets.
    assert team["id"] != primary["id"]
    assert (team["team_name"], primary["team_name"]) == (ACME_ML_TEAM, ACME_WORKSPACE)
    # The team's listing holds its own; the caller's listing every team's.
    team_listing = acme.get(ML_SECRETS)
    assert team_listing.status_code == 200
    assert_spec(team_listing.json(), "SecretsV1")
    assert [s["id"] for s in team_listing.json()["secrets"] if s["name"] == name] == [team["id"]]
    assert {s["id"] for s in listing(acme) if s["name"] == name} == {primary["id"], team["id"]}
    # The primary team's routes listing only: through /v1/teams with the primary team's id, the same.
    primary_listing = acme.get(f"/v1/teams/{ACME_TEAM_ID}/secrets").json()["secrets"]
    assert [s["id"] for s in primary_listing if s["name"] == name] == [primary["id"]]

    # Rotation in the team keeps its id; a delete in the team deletes that one only.
    assert acme.post(ML_SECRETS, json={"name": name, "value": "ml-value-2"}).json()["id"] == team["id"]
    deleted = acme.delete(f"{ML_SECRETS}/{name}")
    assert deleted.status_code == 200
    assert deleted.json() == {"name": name}
    assert [s["id"] for s in listing(acme) if s["name"] == name] == [primary["id"]]
    assert_error(acme.delete(f"{ML_SECRETS}/{name}"), 404, "secret_name")


def test_a_team_the_workspace_does_not_have_is_a_404(acme: httpx.Client, globex: httpx.Client) -> None:
    for client, team_id in ((acme, "team-nope"), (globex, ACME_ML_TEAM_ID)):  # another workspace's team too
        for response in (
            client.get(f"/v1/teams/{team_id}/secrets"),
            client.post(f"/v1/teams/{team_id}/secrets", json={"name": unique_name(), "value": "v"}),
            client.delete(f"/v1/teams/{team_id}/secrets/{unique_name()}"),
        ):
            assert_error(response, 404, "team_id")
    assert not [s for s in listing(globex) if s["team_name"] == ACME_ML_TEAM]
