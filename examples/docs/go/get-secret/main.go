package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	gateway "pulumi-baseten-gateway/sdk/go/basetengateway"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		openai := gateway.LookupSecretOutput(ctx, gateway.LookupSecretOutputArgs{Name: pulumi.String("openai-api-key")})
		_, err := gateway.NewEndpoint(ctx, "gpt", &gateway.EndpointArgs{
			Slug: pulumi.String("my-org/gpt-4o"),
			Targets: gateway.TargetArray{
				gateway.TargetArgs{
					Provider:    gateway.TargetProviderOPENAI,
					SecretId:    openai.SecretId(),
					TargetModel: pulumi.String("gpt-4o"),
				},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("secretId", openai.SecretId())
		return nil
	})
}
