"""Route slugs to external providers. The provider credential lives in a Baseten secret: pass its id.

Configure once per stack:
    pulumi config set --secret baseten:apiKey <workspace key with management scope>
    pulumi config set prefix <your org prefix>              # default: demo
    pulumi config set anthropicSecretId <Baseten secret id> # default: a placeholder the emulator accepts
"""

import pulumi

from pulumi_baseten_gateway import Endpoint, TargetArgs

config = pulumi.Config()
prefix = config.get("prefix") or "demo"
anthropic_secret = config.get("anthropicSecretId") or "anthropic-secret"
openai_secret = config.get("openaiSecretId") or "openai-secret"

claude = Endpoint(
    "claude",
    slug=f"{prefix}/claude",
    targets=[TargetArgs(provider="ANTHROPIC", secret_id=anthropic_secret, target_model="claude-sonnet-4-5")],
)

gpt = Endpoint(
    "gpt",
    slug=f"{prefix}/gpt",
    targets=[{"provider": "OPENAI", "secret_id": openai_secret, "target_model": "gpt-4o"}],
)

pulumi.export("claude_endpoint_id", claude.endpoint_id)
pulumi.export("gpt_endpoint_id", gpt.endpoint_id)
