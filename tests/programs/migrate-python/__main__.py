"""Endpoints moved from the Python dynamic provider to the native plugin, keeping every endpoint.

Config `stage`, one `pulumi up` each, as docs/guides/migration.md says:

1. `dynamic`: the endpoints as `pulumi_baseten_gateway.Endpoint` (the dynamic provider), as before.
2. `retain`: the same, with `retain_on_delete=True`: removing them from the program will not delete them.
3. `import`: the native SDK's `Endpoint` in their place, each with `import_=<its endpoint id>` (config
   `ids`, from `pulumi stack output`): Pulumi drops the dynamic resources (retained) and adopts each
   endpoint into the native one, with no API write.
4. `native`: the same without `import_`: from now on the native provider manages them.
"""

import json

import pulumi

import pulumi_baseten_gateway as dynamic

config = pulumi.Config()
stage = config.require("stage")
endpoints = {
    "glm": {"slug": "acme/glm-5.2", "targets": [{"provider": "BASETEN", "model_id": "3kZ9xqd"}]},
    "kimi": {
        "slug": "acme/kimi",
        "targets": [{"provider": "BASETEN", "model_id": "7hQ2mwa"}],
        "region": "EU",
    },
}

if stage in ("dynamic", "retain"):
    options = pulumi.ResourceOptions(retain_on_delete=stage == "retain")
    made = {name: dynamic.Endpoint(name, **args, opts=options) for name, args in endpoints.items()}
else:
    import pulumi_baseten_gateway_native as native

    ids = json.loads(config.get("ids") or "{}")
    made = {
        name: native.Endpoint(
            name,
            slug=args["slug"],
            targets=[native.TargetArgs(**target) for target in args["targets"]],
            region=args.get("region"),
            opts=pulumi.ResourceOptions(import_=ids[name] if stage == "import" else None),
        )
        for name, args in endpoints.items()
    }

pulumi.export("ids", {name: endpoint.endpoint_id for name, endpoint in made.items()})
