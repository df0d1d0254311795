import * as gateway from "pulumi-baseten-gateway";

const acme = new gateway.Group("acme", { externalEntityId: "cust_42", models: [{ slug: "my-org/glm-5.2" }] });
const key = new gateway.GatewayApiKey("acme-prod", { groupId: acme.groupId, name: "prod-1" });

export const keyPrefix = key.prefix;
export const apiKey = key.apiKey; // a secret: pulumi stack output apiKey --show-secrets
