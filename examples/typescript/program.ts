// One customer on the gateway: a secret, an endpoint that calls OpenAI with it, a Baseten endpoint, a group
// allowed to call the OpenAI one under limits, and the customer's API key. The resources come from the
// generated SDK (sdk/nodejs) and run on the native provider plugin, pulumi-resource-baseten-gateway.
import * as pulumi from "@pulumi/pulumi";
import * as gateway from "pulumi-baseten-gateway";

export async function customerProgram(): Promise<Record<string, unknown>> {
    const config = new pulumi.Config();
    const prefix = config.get("prefix") ?? "demo";
    const customer = config.get("customer") ?? "cust_42";
    const glmModelId = config.get("glmModelId") ?? "3kZ9xqd";

    const glm = new gateway.Endpoint("glm", {
        slug: `${prefix}/glm-5.2`,
        targets: [{ provider: gateway.TargetProvider.BASETEN, modelId: glmModelId }],
    });

    const openai = new gateway.Secret("openai", {
        name: `${prefix}-openai`,
        value: config.requireSecret("openaiKey"),
    });

    const gpt = new gateway.Endpoint("gpt", {
        slug: `${prefix}/gpt-4o`,
        targets: [{ provider: "OPENAI", secretId: openai.id, targetModel: "gpt-4o" }],
    });

    const group = new gateway.Group("customerGroup", {
        externalEntityId: customer,
        name: `${customer} production`,
        models: [
            {
                slug: gpt.slug,
                rateLimits: [{ type: "TOKEN", unit: "MINUTE", threshold: 100_000 }],
                usageLimits: [{ type: "TOKEN", unit: "DAY", threshold: 10_000_000 }],
            },
        ],
    });

    const key = new gateway.GatewayApiKey("customerKey", { groupId: group.id, name: "prod-1" });

    return {
        glmEndpointId: glm.endpointId,
        gptEndpointId: gpt.endpointId,
        secretId: openai.secretId,
        groupId: group.groupId,
        customerApiKeyPrefix: key.prefix,
        customerApiKey: key.apiKey, // a secret output: `pulumi stack output customerApiKey --show-secrets`
    };
}
