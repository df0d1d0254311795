// The same program as a Pulumi Automation API *inline* program: the Pulumi CLI runs up / preview / refresh /
// destroy, and this Node.js process runs the program itself (the CLI is started with --client, and
// @pulumi/pulumi's own language runtime server answers it), so no Node.js language host
// (pulumi-language-nodejs) is needed. The CLI is the `pulumi` on PATH; the backend, passphrase and Pulumi
// home come from the environment (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, PULUMI_HOME).
//
//   node bin/automation.js <up|preview|refresh|destroy> [--stack dev] [--work-dir DIR] [--config JSON]
//
// --config is a JSON object {"key": "value" | {"value": "...", "secret": true}} set on the stack first.
// The last line printed is a JSON summary: {"command", "changes", "outputs"} (secret outputs redacted).
import { parseArgs } from "node:util";
import { ConfigMap, LocalWorkspace } from "@pulumi/pulumi/automation";
import { customerProgram } from "./program";

async function main(): Promise<void> {
    const { values, positionals } = parseArgs({
        allowPositionals: true,
        options: {
            stack: { type: "string", default: "dev" },
            "work-dir": { type: "string" },
            config: { type: "string", default: "{}" },
        },
    });
    const command = positionals[0];
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: values.stack!, projectName: "baseten-gateway-typescript", program: customerProgram },
        { workDir: values["work-dir"] },
    );
    const config: ConfigMap = {};
    for (const [key, value] of Object.entries(JSON.parse(values.config!) as Record<string, unknown>)) {
        config[key] = typeof value === "string" ? { value } : (value as { value: string; secret?: boolean });
    }
    if (Object.keys(config).length > 0) {
        await stack.setAllConfig(config);
    }

    const log = (text: string) => process.stderr.write(text);
    let changes: Record<string, number> = {};
    switch (command) {
        case "up":
            changes = (await stack.up({ onOutput: log })).summary.resourceChanges ?? {};
            break;
        case "preview":
            changes = (await stack.preview({ onOutput: log })).changeSummary;
            break;
        case "refresh":
            changes = (await stack.refresh({ onOutput: log })).summary.resourceChanges ?? {};
            break;
        case "destroy":
            changes = (await stack.destroy({ onOutput: log })).summary.resourceChanges ?? {};
            break;
        default:
            throw new Error(`unknown command ${JSON.stringify(command)}: up, preview, refresh or destroy`);
    }
    const outputs: Record<string, unknown> = {};
    for (const [name, output] of Object.entries(await stack.outputs())) {
        outputs[name] = output.secret ? "[secret]" : output.value;
    }
    process.stdout.write(JSON.stringify({ command, changes, outputs }) + "\n");
}

main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
});
