// The same program as a Pulumi Automation API *inline* program: the Pulumi CLI runs up / preview / refresh /
// destroy, and this process runs the program itself (the CLI is started with --client, and the Go SDK's own
// language runtime server answers it), so no Go language host (pulumi-language-go) is needed. The CLI is the
// `pulumi` on PATH; the backend, passphrase and Pulumi home come from the environment (PULUMI_BACKEND_URL,
// PULUMI_CONFIG_PASSPHRASE, PULUMI_HOME).
//
//	go run ./automation [-stack dev] [-work-dir DIR] [-config JSON] <up|preview|refresh|destroy>
//
// -config is a JSON object {"key": "value" | {"value": "...", "secret": true}} set on the stack first.
// The last line printed is a JSON summary: {"command", "changes", "outputs"} (secret outputs redacted).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"pulumi-baseten-gateway/examples/go/customer"
)

type summary struct {
	Command string         `json:"command"`
	Changes map[string]int `json:"changes"`
	Outputs map[string]any `json:"outputs"`
}

func main() {
	stackName := flag.String("stack", "dev", "the stack")
	workDir := flag.String("work-dir", "", "the workspace directory (default: a temporary one)")
	configJSON := flag.String("config", "{}", `stack config to set first: {"key": "value" | {"value": "...", "secret": true}}`)
	flag.Parse()
	if err := run(context.Background(), flag.Arg(0), *stackName, *workDir, *configJSON); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, command, stackName, workDir, configJSON string) error {
	var opts []auto.LocalWorkspaceOption
	if workDir != "" {
		opts = append(opts, auto.WorkDir(workDir))
	}
	stack, err := auto.UpsertStackInlineSource(ctx, stackName, "baseten-gateway-go", customer.Program, opts...)
	if err != nil {
		return err
	}

	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(configJSON), &raw); err != nil {
		return fmt.Errorf("-config: %w", err)
	}
	config := auto.ConfigMap{}
	for key, value := range raw {
		var plain string
		if json.Unmarshal(value, &plain) == nil {
			config[key] = auto.ConfigValue{Value: plain}
			continue
		}
		var full struct {
			Value  string `json:"value"`
			Secret bool   `json:"secret"`
		}
		if err := json.Unmarshal(value, &full); err != nil {
			return fmt.Errorf("-config %s: %w", key, err)
		}
		config[key] = auto.ConfigValue{Value: full.Value, Secret: full.Secret}
	}
	if len(config) > 0 {
		if err := stack.SetAllConfig(ctx, config); err != nil {
			return err
		}
	}

	var changes map[string]int
	switch command {
	case "up":
		result, err := stack.Up(ctx, optup.ProgressStreams(os.Stderr))
		if err != nil {
			return err
		}
		changes = derefChanges(result.Summary.ResourceChanges)
	case "preview":
		result, err := stack.Preview(ctx, optpreview.ProgressStreams(os.Stderr))
		if err != nil {
			return err
		}
		changes = map[string]int{}
		for op, count := range result.ChangeSummary {
			changes[string(op)] = count
		}
	case "refresh":
		result, err := stack.Refresh(ctx, optrefresh.ProgressStreams(os.Stderr))
		if err != nil {
			return err
		}
		changes = derefChanges(result.Summary.ResourceChanges)
	case "destroy":
		result, err := stack.Destroy(ctx, optdestroy.ProgressStreams(os.Stderr))
		if err != nil {
			return err
		}
		changes = derefChanges(result.Summary.ResourceChanges)
	default:
		return fmt.Errorf("unknown command %q: up, preview, refresh or destroy", command)
	}

	outputs, err := stack.Outputs(ctx)
	if err != nil {
		return err
	}
	result := summary{Command: command, Changes: changes, Outputs: map[string]any{}}
	for name, output := range outputs {
		if output.Secret {
			result.Outputs[name] = "[secret]"
		} else {
			result.Outputs[name] = output.Value
		}
	}
	text, err := json.Marshal(result)
	if err != nil {
		return err
	}
	fmt.Println(string(text))
	return nil
}

func derefChanges(changes *map[string]int) map[string]int {
	if changes == nil {
		return map[string]int{}
	}
	return *changes
}
