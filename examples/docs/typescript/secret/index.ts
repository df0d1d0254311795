import * as pulumi from "@pulumi/pulumi";
import * as gateway from "pulumi-baseten-gateway";

const config = new pulumi.Config();
const anthropic = new gateway.Secret("anthropic", {
    name: "anthropic-api-key",
    value: config.requireSecret("anthropicApiKey"),
});

const claude = new gateway.Endpoint("claude", {
    slug: "my-org/claude-sonnet",
    targets: [{
        provider: gateway.TargetProvider.ANTHROPIC,
        secretId: anthropic.secretId,
        targetModel: "claude-sonnet-4-5",
    }],
});

export const secretId = anthropic.secretId;
