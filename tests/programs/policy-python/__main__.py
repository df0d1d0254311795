"""The policy pack's cases, as a Python program on the dynamic provider.

Config `case`: `compliant` breaks no policy; `advisory` adds one violation of each advisory policy; any
other case is the name of a mandatory policy and adds one violation of it alone. The policy config the tests
use allows the prefix `demo` and the provider `BASETEN`.
"""

import pulumi

from pulumi_baseten_gateway import Endpoint, Group, Secret

config = pulumi.Config()
case = config.require("case")


def endpoint(name: str, slug: str, *targets: dict[str, str]) -> Endpoint:
    return Endpoint(name, slug=slug, targets=list(targets) or [{"provider": "BASETEN", "model_id": name}])


limits = [{"type": "TOKEN", "unit": "MINUTE", "threshold": 1000}]
glm = endpoint("glm", "demo/glm")
models = [{"slug": glm.slug, "rate_limits": limits}]
Secret("openai", name="openai", value=config.require_secret("openaiKey"))

if case == "advisory":
    # baseten-endpoint-allowed-providers: a provider the policy config does not allow.
    endpoint("gpt", "demo/gpt", {"provider": "OPENAI", "secret_id": "s", "target_model": "gpt-4o"})
    # baseten-group-rate-limits: a model without a rate limit.
    models.append({"slug": "demo/gpt"})
    # baseten-secret-not-literal: a value written in the program.
    Secret("literal", name="literal", value="sk-" + "written-in-the-program")
elif case == "baseten-endpoint-org-prefix":
    endpoint("near", "demo-evil/x")  # a prefix that merely starts with the allowed one
elif case == "baseten-endpoint-unique-slugs":
    endpoint("twin", "demo/glm")
elif case == "baseten-group-model-slugs":
    models.append({"slug": "demo/unknown", "rate_limits": limits})
elif case == "baseten-endpoint-slug-format":
    endpoint("spaced", "demo/with space")
elif case == "baseten-endpoint-single-target":
    endpoint(
        "two", "demo/two", {"provider": "BASETEN", "model_id": "a"}, {"provider": "BASETEN", "model_id": "b"}
    )
elif case == "baseten-endpoint-target-fields":
    endpoint("fields", "demo/fields", {"provider": "BASETEN", "model_id": "m", "secret_id": "s"})
elif case != "compliant":
    raise ValueError(f"unknown case {case!r}")

Group("customer", external_entity_id="cust-42", models=models)
