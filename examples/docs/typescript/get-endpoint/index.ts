import * as gateway from "pulumi-baseten-gateway";

const glm = gateway.getEndpointOutput({ slug: "my-org/glm-5.2" });

export const endpointId = glm.endpointId;
export const modelId = glm.targets[0].modelId;
