import pulumi
import pulumi_baseten_gateway_native as gateway

openai = gateway.get_secret_output(name="openai-api-key")

gpt = gateway.Endpoint(
    "gpt",
    slug="my-org/gpt-4o",
    targets=[
        gateway.TargetArgs(
            provider=gateway.TargetProvider.OPENAI, secret_id=openai.secret_id, target_model="gpt-4o"
        )
    ],
)

pulumi.export("secretId", openai.secret_id)
