package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	gateway "pulumi-baseten-gateway/sdk/go/basetengateway"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		acme := gateway.LookupGroupOutput(ctx, gateway.LookupGroupOutputArgs{ExternalEntityId: pulumi.String("cust_42")})
		key, err := gateway.NewGatewayApiKey(ctx, "acme-ci", &gateway.GatewayApiKeyArgs{
			GroupId: acme.GroupId(),
			Name:    pulumi.String("ci"),
		})
		if err != nil {
			return err
		}
		ctx.Export("groupId", acme.GroupId())
		ctx.Export("keyPrefix", key.Prefix)
		return nil
	})
}
