package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	gateway "pulumi-baseten-gateway/sdk/go/basetengateway"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		acme, err := gateway.NewGroup(ctx, "acme", &gateway.GroupArgs{
			ExternalEntityId: pulumi.String("cust_42"),
			Models:           gateway.GroupModelArray{gateway.GroupModelArgs{Slug: pulumi.String("my-org/glm-5.2")}},
		})
		if err != nil {
			return err
		}
		legacy, err := gateway.NewRegisteredGatewayApiKey(ctx, "acme-legacy", &gateway.RegisteredGatewayApiKeyArgs{
			GroupId: acme.GroupId,
			Key:     cfg.RequireSecret("legacyKey"),
		})
		if err != nil {
			return err
		}
		ctx.Export("keyPrefix", legacy.Prefix)
		return nil
	})
}
