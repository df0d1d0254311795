// docsgen writes the resource and function pages of schema.json with Pulumi's own docs generator
// (github.com/pulumi/pulumi/pkg/v3/codegen/docs), the generator behind the Pulumi Registry's API pages.
//
//	docsgen -schema schema.json -out DIR
//
// writes DIR/_index.md (the package's index) and DIR/<name>/_index.md for each resource, function and the
// provider: Hugo pages with the registry's language choosers. tools/docs_api.py turns them into docs/api/.
// DIR is emptied first. The output depends on schema.json and the pinned pkg/v3 alone.
//
// The pin is v3.143.0, the last pulumi/pulumi release with pkg/codegen/docs: pulumi/pulumi#18053 (December
// 2024) moved the generator into pulumi/registry, whose Go module the module proxy these machines reach does
// not serve. The schema binder of that release reads our schema as the current one does (tools/sdkgen).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/docs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool is the name the generator records as the pages' author.
const tool = "docsgen"

// noReferences is the loader for a schema that references no other package: it has nothing to load.
type noReferences struct{}

var errNoReferences = errors.New("schema.json references another package; docsgen loads none")

func (noReferences) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoReferences
}

func (noReferences) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoReferences
}

func main() {
	schemaPath := flag.String("schema", "schema.json", "the package schema")
	out := flag.String("out", "", "the directory to write the pages into (emptied first)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "docsgen: -out is required")
		os.Exit(2)
	}
	if err := run(*schemaPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "docsgen:", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string) error {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noReferences{})
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}
	docs.Initialize(tool, pkg)
	files, err := docs.GeneratePackage(tool, pkg)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
