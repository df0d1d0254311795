// Package customer is one customer on the gateway: a secret, an endpoint that calls OpenAI with it, a Baseten
// endpoint, a group allowed to call the OpenAI one under limits, and the customer's API key. The resources
// come from the generated SDK (sdk/go/basetengateway) and run on the native provider plugin,
// pulumi-resource-baseten-gateway.
package customer

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	gateway "pulumi-baseten-gateway/sdk/go/basetengateway"
)

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

// Program declares the customer's resources and exports their ids.
func Program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	prefix := orDefault(cfg.Get("prefix"), "demo")
	customer := orDefault(cfg.Get("customer"), "cust_42")
	glmModelID := orDefault(cfg.Get("glmModelId"), "3kZ9xqd")

	glm, err := gateway.NewEndpoint(ctx, "glm", &gateway.EndpointArgs{
		Slug: pulumi.String(prefix + "/glm-5.2"),
		Targets: gateway.TargetArray{
			gateway.TargetArgs{Provider: gateway.TargetProviderBASETEN, ModelId: pulumi.String(glmModelID)},
		},
	})
	if err != nil {
		return err
	}

	openai, err := gateway.NewSecret(ctx, "openai", &gateway.SecretArgs{
		Name:  pulumi.String(prefix + "-openai"),
		Value: cfg.RequireSecret("openaiKey"),
	})
	if err != nil {
		return err
	}

	gpt, err := gateway.NewEndpoint(ctx, "gpt", &gateway.EndpointArgs{
		Slug: pulumi.String(prefix + "/gpt-4o"),
		Targets: gateway.TargetArray{
			gateway.TargetArgs{
				Provider:    gateway.TargetProviderOPENAI,
				SecretId:    openai.ID().ToStringOutput(),
				TargetModel: pulumi.String("gpt-4o"),
			},
		},
	})
	if err != nil {
		return err
	}

	group, err := gateway.NewGroup(ctx, "customerGroup", &gateway.GroupArgs{
		ExternalEntityId: pulumi.String(customer),
		Name:             pulumi.String(customer + " production"),
		Models: gateway.GroupModelArray{
			gateway.GroupModelArgs{
				Slug: gpt.Slug,
				RateLimits: gateway.RateLimitArray{
					gateway.RateLimitArgs{
						Type: gateway.LimitTypeTOKEN, Unit: gateway.RateLimitUnitMINUTE, Threshold: pulumi.Int(100_000),
					},
				},
				UsageLimits: gateway.UsageLimitArray{
					gateway.UsageLimitArgs{
						Type: gateway.LimitTypeTOKEN, Unit: gateway.UsageLimitUnitDAY, Threshold: pulumi.Int(10_000_000),
					},
				},
			},
		},
	})
	if err != nil {
		return err
	}

	key, err := gateway.NewGatewayApiKey(ctx, "customerKey", &gateway.GatewayApiKeyArgs{
		GroupId: group.ID().ToStringOutput(),
		Name:    pulumi.String("prod-1"),
	})
	if err != nil {
		return err
	}

	ctx.Export("glmEndpointId", glm.EndpointId)
	ctx.Export("gptEndpointId", gpt.EndpointId)
	ctx.Export("secretId", openai.SecretId)
	ctx.Export("groupId", group.GroupId)
	ctx.Export("customerApiKeyPrefix", key.Prefix)
	ctx.Export("customerApiKey", key.ApiKey) // a secret output: `pulumi stack output customerApiKey --show-secrets`
	return nil
}
