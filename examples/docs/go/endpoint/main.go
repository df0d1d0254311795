package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	gateway "pulumi-baseten-gateway/sdk/go/basetengateway"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		glm, err := gateway.NewEndpoint(ctx, "glm", &gateway.EndpointArgs{
			Slug: pulumi.String("my-org/glm-5.2"),
			Targets: gateway.TargetArray{
				gateway.TargetArgs{Provider: gateway.TargetProviderBASETEN, ModelId: pulumi.String("3kZ9xqd")},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("endpointId", glm.EndpointId)
		return nil
	})
}
