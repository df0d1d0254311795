import * as gateway from "pulumi-baseten-gateway";

const acme = gateway.getGroupOutput({ externalEntityId: "cust_42" });
const key = new gateway.GatewayApiKey("acme-ci", { groupId: acme.groupId, name: "ci" });

export const groupId = acme.groupId;
export const keyPrefix = key.prefix;
