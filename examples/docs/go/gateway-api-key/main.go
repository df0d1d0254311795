package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	gateway "pulumi-baseten-gateway/sdk/go/basetengateway"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		acme, err := gateway.NewGroup(ctx, "acme", &gateway.GroupArgs{
			ExternalEntityId: pulumi.String("cust_42"),
			Models:           gateway.GroupModelArray{gateway.GroupModelArgs{Slug: pulumi.String("my-org/glm-5.2")}},
		})
		if err != nil {
			return err
		}
		key, err := gateway.NewGatewayApiKey(ctx, "acme-prod", &gateway.GatewayApiKeyArgs{
			GroupId: acme.GroupId,
			Name:    pulumi.String("prod-1"),
		})
		if err != nil {
			return err
		}
		ctx.Export("keyPrefix", key.Prefix)
		ctx.Export("apiKey", key.ApiKey) // a secret: pulumi stack output apiKey --show-secrets
		return nil
	})
}
