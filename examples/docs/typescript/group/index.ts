import * as gateway from "pulumi-baseten-gateway";

const glm = new gateway.Endpoint("glm", {
    slug: "my-org/glm-5.2",
    targets: [{ provider: gateway.TargetProvider.BASETEN, modelId: "3kZ9xqd" }],
});

const acme = new gateway.Group("acme", {
    externalEntityId: "cust_42",
    name: "Acme Corp",
    models: [{
        slug: glm.slug,
        rateLimits: [{ type: gateway.LimitType.TOKEN, unit: gateway.RateLimitUnit.MINUTE, threshold: 100_000 }],
        usageLimits: [{ type: gateway.LimitType.TOKEN, unit: gateway.UsageLimitUnit.DAY, threshold: 10_000_000 }],
    }],
});

export const groupId = acme.groupId;
