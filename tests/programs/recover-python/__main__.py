"""Endpoints through the dynamic provider, for tests/test_resources_engine_recovery.py (a killed
``pulumi up``).

Config: ``count`` endpoints ``acme/recover-<i>`` (resources ``e<i>``), each to the Baseten model ``model``;
``left_out``: the indexes (comma-separated) not declared.
"""

import pulumi

import pulumi_baseten_gateway as gateway

config = pulumi.Config()
left_out = {int(i) for i in (config.get("left_out") or "").split(",") if i}
for i in range(config.require_int("count")):
    if i not in left_out:
        gateway.Endpoint(
            f"e{i}",
            slug=f"acme/recover-{i}",
            targets=[{"provider": "BASETEN", "model_id": config.require("model")}],
        )
