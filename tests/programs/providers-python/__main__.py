"""Two workspaces in one stack: one explicit provider each, with its own key (config `acmeKey`, `globexKey`,
secrets) and the API URL (config `apiUrl`), from the generated Python SDK on the native plugin."""

import pulumi
import pulumi_baseten_gateway_native as gateway

config = pulumi.Config()
api_url = config.require("apiUrl")
acme = gateway.Provider("acme", api_key=config.require_secret("acmeKey"), api_url=api_url)
globex = gateway.Provider("globex", api_key=config.require_secret("globexKey"), api_url=api_url)

targets = [gateway.TargetArgs(provider="BASETEN", model_id="m1")]
a = gateway.Endpoint("a", slug="acme/a", targets=targets, opts=pulumi.ResourceOptions(provider=acme))
b = gateway.Endpoint("b", slug="globex/b", targets=targets, opts=pulumi.ResourceOptions(provider=globex))
group = gateway.Group(
    "globexGroup",
    external_entity_id="globex_customer",
    models=[gateway.GroupModelArgs(slug=b.slug)],
    opts=pulumi.ResourceOptions(provider=globex),
)
# What only the globex workspace holds, looked up through its provider.
seed = gateway.get_endpoint_output(slug="globex/seed", opts=pulumi.InvokeOutputOptions(provider=globex))

pulumi.export("acmeEndpointId", a.endpoint_id)
pulumi.export("globexEndpointId", b.endpoint_id)
pulumi.export("globexGroupId", group.group_id)
pulumi.export("globexSeedId", seed.endpoint_id)
