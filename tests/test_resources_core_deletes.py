"""Every core's delete ignores "not found" and nothing else, against the real emulator.

A delete that finds the object gone has done its job (deleted outside Pulumi, or with its parent); any
other refusal (403 from a key that may only view, 5xx through the whole retry budget) must fail the step,
naming the status, so the engine keeps the resource in its state: an error swallowed there would drop an
object from the state while it lives on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from harness.emulator import ACME_KEY, ACME_VIEWER_KEY, unique_slug
from pulumi_baseten_gateway import GatewayClient, ResourceOperationError, RetryPolicy
from pulumi_baseten_gateway.resources.api_key.core import GatewayApiKeyCore
from pulumi_baseten_gateway.resources.endpoint.core import EndpointCore
from pulumi_baseten_gateway.resources.group.core import GroupCore
from pulumi_baseten_gateway.resources.lifecycle import LifecycleCore
from pulumi_baseten_gateway.resources.secret.core import SecretCore
from tests.conftest import MakeEmulator

Made = tuple[str, dict[str, Any], Callable[[GatewayClient], object]]  # id, state, a read that finds it


def endpoint(client: GatewayClient) -> Made:
    made = client.endpoints.create(unique_slug(), [{"provider": "BASETEN", "model_id": "m"}])
    return made.id, {"slug": made.slug}, lambda c: c.endpoints.get(made.id)


def secret(client: GatewayClient) -> Made:
    name = f"s-{uuid.uuid4().hex[:12]}"
    made = client.secrets.create(name, "sk-delete-test-value-9Qw2")

    def read(c: GatewayClient) -> object:
        found = c.secrets.find(name=name)
        assert found is not None
        return found

    return made.id, {"name": name}, read


def group(client: GatewayClient) -> Made:
    made = client.groups.create(f"cust-{uuid.uuid4().hex[:12]}", [{"slug": "acme/a"}])
    return made.id, {"external_entity_id": made.metadata.external_entity_id}, lambda c: c.groups.get(made.id)


def api_key(client: GatewayClient) -> Made:
    parent = client.groups.create(f"cust-{uuid.uuid4().hex[:12]}", [{"slug": "acme/a"}])
    made = client.keys.create(parent.id)
    state = {"group_id": parent.id, "prefix": made.prefix}
    return f"{parent.id}/{made.prefix}", state, lambda c: c.keys.get(parent.id, made.prefix)


CORES: dict[str, tuple[Callable[..., LifecycleCore], Callable[[GatewayClient], Made]]] = {
    "Endpoint": (EndpointCore, endpoint),
    "Secret": (SecretCore, secret),
    "Group": (GroupCore, group),
    "GatewayApiKey": (GatewayApiKeyCore, api_key),
}


@pytest.mark.parametrize("kind", sorted(CORES))
def test_delete_fails_on_403_and_5xx_and_counts_not_found_as_deleted(
    kind: str, make_emulator: MakeEmulator
) -> None:
    emulator = make_emulator()  # the acme workspace: a management key and a view-only key
    core_class, make = CORES[kind]
    retry = RetryPolicy(max_attempts=2, initial_backoff=0, max_backoff=0)
    with (
        GatewayClient(ACME_KEY, base_url=emulator.base_url, retry=retry) as manager,
        GatewayClient(ACME_VIEWER_KEY, base_url=emulator.base_url, retry=retry) as viewer,
    ):
        id_, state, read = make(manager)

        with pytest.raises(ResourceOperationError, match="delete failed") as refused:
            core_class(lambda: viewer).delete(id_, state)
        assert "HTTP 403" in str(refused.value)
        read(manager)  # still there

        emulator.set_faults(error_rate=1.0)
        try:
            with pytest.raises(ResourceOperationError, match="delete failed") as failed:
                core_class(lambda: manager).delete(id_, state)
        finally:
            emulator.set_faults(error_rate=0.0)
        assert "HTTP 5" in str(failed.value)
        read(manager)  # still there

        core = core_class(lambda: manager)
        core.delete(id_, state)
        assert core.read(id_, state) is None
        core.delete(id_, state)  # gone already: counts as deleted
