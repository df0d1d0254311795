"""Entry point of the policy pack: builds the ``PolicyPack``, which serves gRPC and never returns.

The policies live in ``pulumi_baseten_gateway.policy`` so they can be imported and tested; nothing else
belongs here.
"""

from __future__ import annotations

from pulumi_policy import PolicyPack

from pulumi_baseten_gateway.policy import POLICY_PACK_NAME, build_policies

PolicyPack(name=POLICY_PACK_NAME, policies=build_policies())
