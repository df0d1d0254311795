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
		acme, err := gateway.NewGroup(ctx, "acme", &gateway.GroupArgs{
			ExternalEntityId: pulumi.String("cust_42"),
			Name:             pulumi.String("Acme Corp"),
			Models: gateway.GroupModelArray{
				gateway.GroupModelArgs{
					Slug: glm.Slug,
					RateLimits: gateway.RateLimitArray{
						gateway.RateLimitArgs{Type: gateway.LimitTypeTOKEN, Unit: gateway.RateLimitUnitMINUTE, Threshold: pulumi.Int(100000)},
					},
					UsageLimits: gateway.UsageLimitArray{
						gateway.UsageLimitArgs{Type: gateway.LimitTypeTOKEN, Unit: gateway.UsageLimitUnitDAY, Threshold: pulumi.Int(10000000)},
					},
				},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("groupId", acme.GroupId)
		return nil
	})
}
