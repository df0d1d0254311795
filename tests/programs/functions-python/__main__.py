"""What another stack made, looked up by its natural keys (config `sharedSlug`, `secretName`, `customer`),
and a new endpoint and group of this stack that use it: the package's plain functions, in this process."""

import pulumi

from pulumi_baseten_gateway import (
    Endpoint,
    Group,
    get_endpoint,
    get_group,
    get_group_usage_output,
    get_secret,
)

config = pulumi.Config()

shared = get_endpoint(slug=config.require("sharedSlug"))
secret = get_secret(name=config.require("secretName"))
customer = get_group(external_entity_id=config.require("customer"))

gpt = Endpoint(
    "gpt",
    slug=config.require("newSlug"),
    targets=[{"provider": "OPENAI", "secret_id": secret.secret_id, "target_model": "gpt-4o"}],
)
group = Group(
    "team",
    external_entity_id="team_1",
    models=[{"slug": shared.slug, "usage_limits": [{"type": "TOKEN", "unit": "DAY", "threshold": 1000}]}],
)

pulumi.export("sharedEndpointId", shared.endpoint_id)
pulumi.export("sharedTargets", shared.targets)
pulumi.export("secretId", secret.secret_id)
pulumi.export("customerGroupId", customer.group_id)
pulumi.export("customerUsage", get_group_usage_output(group_id=customer.group_id).usage)
# Of a group made in this stack: unknown at the first preview, looked up once the group exists.
pulumi.export("teamUsage", get_group_usage_output(group_id=group.group_id).usage)
pulumi.export("gptSecretId", gpt.targets.apply(lambda targets: targets[0]["secret_id"]))
