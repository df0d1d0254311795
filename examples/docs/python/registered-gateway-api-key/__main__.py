import pulumi
import pulumi_baseten_gateway_native as gateway

config = pulumi.Config()
acme = gateway.Group(
    "acme", external_entity_id="cust_42", models=[gateway.GroupModelArgs(slug="my-org/glm-5.2")]
)
legacy = gateway.RegisteredGatewayApiKey(
    "acme-legacy", group_id=acme.group_id, key=config.require_secret("legacyKey")
)

pulumi.export("keyPrefix", legacy.prefix)
