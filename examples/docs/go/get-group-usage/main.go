package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	gateway "pulumi-baseten-gateway/sdk/go/basetengateway"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		acme := gateway.LookupGroupOutput(ctx, gateway.LookupGroupOutputArgs{ExternalEntityId: pulumi.String("cust_42")})
		usage := gateway.GetGroupUsageOutput(ctx, gateway.GetGroupUsageOutputArgs{GroupId: acme.GroupId()})
		ctx.Export("usage", usage.Usage())
		return nil
	})
}
