import pulumi
import pulumi_baseten_gateway_native as gateway

glm = gateway.Endpoint(
    "glm",
    slug="my-org/glm-5.2",
    targets=[gateway.TargetArgs(provider=gateway.TargetProvider.BASETEN, model_id="3kZ9xqd")],
)

pulumi.export("endpointId", glm.endpoint_id)
