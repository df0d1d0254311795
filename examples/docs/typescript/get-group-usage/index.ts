import * as gateway from "pulumi-baseten-gateway";

const acme = gateway.getGroupOutput({ externalEntityId: "cust_42" });
const acmeUsage = gateway.getGroupUsageOutput({ groupId: acme.groupId });

export const usage = acmeUsage.usage;
