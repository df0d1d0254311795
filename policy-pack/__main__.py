"""Entry point of the policy pack: serves the analyzer and never returns.

The policies live in ``pulumi_baseten_gateway.policy`` so they can be imported and tested; the same
pack runs as the console script ``baseten-gateway-policy-pack``.
"""

from __future__ import annotations

from pulumi_baseten_gateway.policy import serve

serve()
