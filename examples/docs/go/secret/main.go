package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	gateway "pulumi-baseten-gateway/sdk/go/basetengateway"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		anthropic, err := gateway.NewSecret(ctx, "anthropic", &gateway.SecretArgs{
			Name:  pulumi.String("anthropic-api-key"),
			Value: cfg.RequireSecret("anthropicApiKey"),
		})
		if err != nil {
			return err
		}
		_, err = gateway.NewEndpoint(ctx, "claude", &gateway.EndpointArgs{
			Slug: pulumi.String("my-org/claude-sonnet"),
			Targets: gateway.TargetArray{
				gateway.TargetArgs{
					Provider:    gateway.TargetProviderANTHROPIC,
					SecretId:    anthropic.SecretId,
					TargetModel: pulumi.String("claude-sonnet-4-5"),
				},
			},
		})
		if err != nil {
			return err
		}
		ctx.Export("secretId", anthropic.SecretId)
		return nil
	})
}
