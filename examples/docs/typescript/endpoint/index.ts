import * as gateway from "pulumi-baseten-gateway";

const glm = new gateway.Endpoint("glm", {
    slug: "my-org/glm-5.2",
    targets: [{ provider: gateway.TargetProvider.BASETEN, modelId: "3kZ9xqd" }],
});

export const endpointId = glm.endpointId;
