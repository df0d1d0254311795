// What another stack made, looked up by its natural keys (config `sharedSlug`, `secretName`, `customer`), and
// a new endpoint and group of this stack that use it.
import * as pulumi from "@pulumi/pulumi";
import * as gateway from "pulumi-baseten-gateway";

const config = new pulumi.Config();

// The plain form (a Promise) and the output form, both run by the engine at preview as at up.
const shared = gateway.getEndpointOutput({ slug: config.require("sharedSlug") });
const secret = gateway.getSecret({ name: config.require("secretName") });
const customer = gateway.getGroupOutput({ externalEntityId: config.require("customer") });

const gpt = new gateway.Endpoint("gpt", {
    slug: config.require("newSlug"),
    targets: [{ provider: "OPENAI", secretId: secret.then((s) => s.secretId), targetModel: "gpt-4o" }],
});

const group = new gateway.Group("team", {
    externalEntityId: "team_1",
    models: [{ slug: shared.slug, usageLimits: [{ type: "TOKEN", unit: "DAY", threshold: 1000 }] }],
});

// Of a group made in this stack: unknown at the first preview, looked up once the group exists.
const usage = gateway.getGroupUsageOutput({ groupId: group.groupId });

export const sharedEndpointId = shared.endpointId;
export const sharedTargets = shared.targets;
export const secretId = secret.then((s) => s.secretId);
export const customerGroupId = customer.groupId;
export const customerUsage = gateway.getGroupUsageOutput({ groupId: customer.groupId }).usage;
export const teamUsage = usage.usage;
export const gptSecretId = gpt.targets.apply((targets) => targets[0].secretId);
