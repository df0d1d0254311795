"""Route one slug to a Baseten deployment, and another to its staging environment.

Configure once per stack:
    pulumi config set --secret baseten:apiKey <workspace key with management scope>
    pulumi config set prefix <your org prefix>        # default: demo (the local emulator's prefix)
"""

import pulumi

from pulumi_baseten_gateway import Endpoint, TargetArgs

config = pulumi.Config()
prefix = config.get("prefix") or "demo"

production = Endpoint(
    "glm",
    slug=f"{prefix}/glm-5.2",
    targets=[TargetArgs(provider="BASETEN", model_id="3kZ9xqd")],
)

staging = Endpoint(
    "glm-staging",
    slug=f"{prefix}/glm-5.2-staging",
    targets=[TargetArgs(provider="BASETEN", model_id="3kZ9xqd", environment_name="staging")],
    region="UNRESTRICTED",
)

pulumi.export("endpoint_id", production.endpoint_id)
pulumi.export("staging_endpoint_id", staging.endpoint_id)
pulumi.export("slugs", [production.slug, staging.slug])
