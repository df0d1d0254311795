// One endpoint, from the SDK `pulumi package add baseten-gateway` generated into sdks/baseten-gateway.
import * as basetenGateway from "pulumi-baseten-gateway";

const glm = new basetenGateway.Endpoint("glm", {
    slug: "demo/glm-5.2",
    targets: [{ provider: "BASETEN", modelId: "3kZ9xqd" }],
});

export const glmEndpointId = glm.endpointId;
