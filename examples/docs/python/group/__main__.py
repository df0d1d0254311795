import pulumi
import pulumi_baseten_gateway_native as gateway

glm = gateway.Endpoint(
    "glm",
    slug="my-org/glm-5.2",
    targets=[gateway.TargetArgs(provider=gateway.TargetProvider.BASETEN, model_id="3kZ9xqd")],
)

acme = gateway.Group(
    "acme",
    external_entity_id="cust_42",
    name="Acme Corp",
    models=[
        gateway.GroupModelArgs(
            slug=glm.slug,
            rate_limits=[
                gateway.RateLimitArgs(
                    type=gateway.LimitType.TOKEN, unit=gateway.RateLimitUnit.MINUTE, threshold=100_000
                )
            ],
            usage_limits=[
                gateway.UsageLimitArgs(
                    type=gateway.LimitType.TOKEN, unit=gateway.UsageLimitUnit.DAY, threshold=10_000_000
                )
            ],
        )
    ],
)

pulumi.export("groupId", acme.group_id)
