import * as pulumi from "@pulumi/pulumi";
import * as gateway from "pulumi-baseten-gateway";

const config = new pulumi.Config();
const acme = new gateway.Group("acme", { externalEntityId: "cust_42", models: [{ slug: "my-org/glm-5.2" }] });
const legacy = new gateway.RegisteredGatewayApiKey("acme-legacy", {
    groupId: acme.groupId,
    key: config.requireSecret("legacyKey"),
});

export const keyPrefix = legacy.prefix;
