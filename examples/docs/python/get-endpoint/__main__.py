import pulumi
import pulumi_baseten_gateway_native as gateway

glm = gateway.get_endpoint_output(slug="my-org/glm-5.2")

pulumi.export("endpointId", glm.endpoint_id)
pulumi.export("modelId", glm.targets[0].model_id)
