import pulumi
import pulumi_baseten_gateway_native as gateway

acme = gateway.get_group_output(external_entity_id="cust_42")
key = gateway.GatewayApiKey("acme-ci", group_id=acme.group_id, name="ci")

pulumi.export("groupId", acme.group_id)
pulumi.export("keyPrefix", key.prefix)
