import * as gateway from "pulumi-baseten-gateway";

const openai = gateway.getSecretOutput({ name: "openai-api-key" });

const gpt = new gateway.Endpoint("gpt", {
    slug: "my-org/gpt-4o",
    targets: [{ provider: gateway.TargetProvider.OPENAI, secretId: openai.secretId, targetModel: "gpt-4o" }],
});

export const secretId = openai.secretId;
