import pulumi
import pulumi_baseten_gateway_native as gateway

acme = gateway.Group(
    "acme", external_entity_id="cust_42", models=[gateway.GroupModelArgs(slug="my-org/glm-5.2")]
)
key = gateway.GatewayApiKey("acme-prod", group_id=acme.group_id, name="prod-1")

pulumi.export("keyPrefix", key.prefix)
pulumi.export("apiKey", key.api_key)  # a secret: pulumi stack output apiKey --show-secrets
