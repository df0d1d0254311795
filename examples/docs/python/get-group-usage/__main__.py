import pulumi
import pulumi_baseten_gateway_native as gateway

acme = gateway.get_group_output(external_entity_id="cust_42")
usage = gateway.get_group_usage_output(group_id=acme.group_id)

pulumi.export("usage", usage.usage)
