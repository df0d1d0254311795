// One endpoint, from the SDK installed from dist/pulumi-baseten-gateway-<version>.tgz.
import * as pulumi from "@pulumi/pulumi";
import * as gateway from "pulumi-baseten-gateway";

const config = new pulumi.Config();
const glm = new gateway.Endpoint("glm", {
    slug: "demo/glm-5.2",
    targets: [{ provider: gateway.TargetProvider.BASETEN, modelId: config.get("modelId") ?? "3kZ9xqd" }],
});

export const glmEndpointId = glm.endpointId;
