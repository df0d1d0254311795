"""``baseten-gateway-recover``'s decision for each pending create a killed ``pulumi up`` left (in process,
against the emulator): adopt the object holding the natural key only when it has the pending create's
settings and was made since the stack's newest update on record; drop a create that never landed; keep
(pending, with a line saying why) anything else. The engine path is tests/test_resources_engine_recovery.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from harness.emulator import ACME_KEY, InProcessEmulator
from pulumi_baseten_gateway import GatewayClient
from pulumi_baseten_gateway.recover import decide
from pulumi_baseten_gateway.resources.api_key.core import GatewayApiKeyCore
from pulumi_baseten_gateway.resources.endpoint.core import EndpointCore
from pulumi_baseten_gateway.resources.group.core import GroupCore
from pulumi_baseten_gateway.resources.lifecycle import LifecycleCore
from pulumi_baseten_gateway.resources.secret.core import SecretCore

URN = "urn:pulumi:dev::p::baseten-gateway:index:Endpoint::e"


@pytest.fixture
def client() -> Iterator[GatewayClient]:
    with InProcessEmulator() as emulator:
        yield emulator.client(ACME_KEY)


def _checked(core: type[LifecycleCore], client: GatewayClient, news: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs as a pending create holds them: the core's checked inputs."""
    outcome = core(lambda: client).check(news)
    assert not outcome.failures, outcome.failures
    return outcome.inputs


def _endpoint(client: GatewayClient, model: str = "m1") -> dict[str, Any]:
    return _checked(
        EndpointCore, client, {"slug": "acme/r", "targets": [{"provider": "BASETEN", "model_id": model}]}
    )


def test_a_create_that_never_landed_is_dropped(client: GatewayClient) -> None:
    decision = decide(URN, EndpointCore, _endpoint(client), lambda: client, None)
    assert (decision.action, decision.id) == ("drop", None)
    assert "no endpoint holds slug 'acme/r'" in decision.why


def test_the_object_with_the_declared_settings_made_since_the_last_update_is_adopted(
    client: GatewayClient,
) -> None:
    inputs = _endpoint(client)
    made, _ = EndpointCore(lambda: client).create(inputs)
    before = datetime.now(timezone.utc) - timedelta(hours=1)
    decision = decide(URN, EndpointCore, inputs, lambda: client, before)
    assert (decision.action, decision.id) == ("adopt", made)
    assert decision.line().startswith(f"adopt: e ({URN}): endpoint id '{made}' holds slug 'acme/r'")


def test_an_object_with_other_settings_is_kept_pending_and_named(client: GatewayClient) -> None:
    made, _ = EndpointCore(lambda: client).create(_endpoint(client, "m1"))
    decision = decide(URN, EndpointCore, _endpoint(client, "m2"), lambda: client, None)
    assert decision.action == "keep"
    assert f"endpoint id '{made}' holds slug 'acme/r' with other settings (targets)" in decision.why
    assert "adopt=True" in decision.why


def test_an_object_made_before_the_newest_update_on_record_is_kept(client: GatewayClient) -> None:
    inputs = _endpoint(client)
    EndpointCore(lambda: client).create(inputs)
    # The newest update began after the object was made (beyond the allowance for the server's clock).
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    decision = decide(URN, EndpointCore, inputs, lambda: client, later)
    assert decision.action == "keep"
    assert "earlier than the stack's newest update on record" in decision.why


def test_a_group_is_found_by_its_external_entity_id_and_a_secret_by_its_name(client: GatewayClient) -> None:
    group = _checked(
        GroupCore,
        client,
        {"external_entity_id": "cust_9", "name": "Nine", "models": [{"slug": "acme/r"}]},
    )
    group_id, _ = GroupCore(lambda: client).create(group)
    assert decide(URN, GroupCore, group, lambda: client, None).id == group_id
    secret = _checked(SecretCore, client, {"name": "openai", "value": "sk-recover-1"})
    secret_id, _ = SecretCore(lambda: client).create(secret)
    decision = decide(URN, SecretCore, secret, lambda: client, None)
    assert (decision.action, decision.id) == ("adopt", secret_id)
    assert "sk-recover-1" not in decision.line()
    other = decide(URN, GroupCore, {**group, "name": "Other"}, lambda: client, None)
    assert other.action == "keep"
    assert "(name)" in other.why


def test_an_api_key_cannot_be_found_again_and_its_create_is_dropped_with_a_warning() -> None:
    decision = decide(
        URN, GatewayApiKeyCore, {"group_id": "g", "name": "k"}, lambda: pytest.fail("request"), None
    )
    assert decision.action == "drop"
    assert "no natural key" in decision.why
    assert "revoke" in decision.why
