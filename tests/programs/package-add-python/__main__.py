"""One endpoint, from the SDK `pulumi package add baseten-gateway` generated into sdks/baseten-gateway."""

import pulumi
import pulumi_baseten_gateway_native as gateway

glm = gateway.Endpoint(
    "glm", slug="demo/glm-5.2", targets=[gateway.TargetArgs(provider="BASETEN", model_id="3kZ9xqd")]
)
pulumi.export("glmEndpointId", glm.endpoint_id)
