package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	gateway "pulumi-baseten-gateway/sdk/go/basetengateway"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		glm := gateway.LookupEndpointOutput(ctx, gateway.LookupEndpointOutputArgs{Slug: pulumi.String("my-org/glm-5.2")})
		ctx.Export("endpointId", glm.EndpointId())
		ctx.Export("modelId", glm.Targets().Index(pulumi.Int(0)).ModelId())
		return nil
	})
}
