import pulumi
import pulumi_baseten_gateway_native as gateway

config = pulumi.Config()
anthropic = gateway.Secret(
    "anthropic", name="anthropic-api-key", value=config.require_secret("anthropicApiKey")
)

claude = gateway.Endpoint(
    "claude",
    slug="my-org/claude-sonnet",
    targets=[
        gateway.TargetArgs(
            provider=gateway.TargetProvider.ANTHROPIC,
            secret_id=anthropic.secret_id,
            target_model="claude-sonnet-4-5",
        )
    ],
)

pulumi.export("secretId", anthropic.secret_id)
