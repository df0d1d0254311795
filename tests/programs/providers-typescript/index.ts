// Two workspaces in one stack: one explicit provider each, with its own key (config `acmeKey`, `globexKey`,
// secrets) and the API URL (config `apiUrl`). Each resource and look-up names the provider it goes through.
import * as pulumi from "@pulumi/pulumi";
import * as gateway from "pulumi-baseten-gateway";

const config = new pulumi.Config();
const apiUrl = config.require("apiUrl");
const acme = new gateway.Provider("acme", { apiKey: config.requireSecret("acmeKey"), apiUrl });
const globex = new gateway.Provider("globex", { apiKey: config.requireSecret("globexKey"), apiUrl });

const targets = [{ provider: gateway.TargetProvider.BASETEN, modelId: "m1" }];
const a = new gateway.Endpoint("a", { slug: "acme/a", targets }, { provider: acme });
const b = new gateway.Endpoint("b", { slug: "globex/b", targets }, { provider: globex });
const group = new gateway.Group(
    "globexGroup",
    { externalEntityId: "globex_customer", models: [{ slug: b.slug }] },
    { provider: globex },
);
// What only the globex workspace holds, looked up through its provider.
const seed = gateway.getEndpointOutput({ slug: "globex/seed" }, { provider: globex });

export const acmeEndpointId = a.endpointId;
export const globexEndpointId = b.endpointId;
export const globexGroupId = group.groupId;
export const globexSeedId = seed.endpointId;
