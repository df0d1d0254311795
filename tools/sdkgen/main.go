// sdkgen writes the TypeScript, Go and Python SDKs of schema.json with the code generators of the pinned Pulumi
// release (github.com/pulumi/pulumi/pkg/v3/codegen), the same functions the language plugins call for
// `pulumi package gen-sdk`: the language plugins themselves (pulumi-language-nodejs, -go, -python) are
// not served by the Go module proxy these machines reach, the code generators are (they live in pkg/v3).
//
//	sdkgen -schema schema.json -out sdk
//
// writes out/nodejs (the whole npm package, compiled when installed), out/python (the Python package) and
// out/go/basetengateway (the Go package; out/go/go.mod is maintained by hand, because `go mod tidy` owns its
// require list). Each output directory is emptied first.
// The output depends on schema.json and the pinned pkg/v3 alone, so a test regenerates and compares.
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
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noReferences is the loader for a schema that references no other package: it has nothing to load.
type noReferences struct{}

var errNoReferences = errors.New("schema.json references another package; sdkgen loads none")

func (noReferences) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoReferences
}

func (noReferences) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoReferences
}

func (noReferences) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoReferences
}

func (noReferences) LoadPackageReferenceV2(
	context.Context, *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, errNoReferences
}

func main() {
	schemaPath := flag.String("schema", "schema.json", "the package schema")
	out := flag.String("out", "sdk", "the SDK root: writes <out>/nodejs and <out>/go/<package>")
	flag.Parse()
	if err := run(*schemaPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sdkgen:", err)
		os.Exit(1)
	}
}

func bind(schemaPath string) (*schema.Package, error) {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	// The schema names the npm package, the Go import path and the Python package (language.*).
	// BindSpec validates against Pulumi's metaschema, as `pulumi package gen-sdk` does.
	pkg, diags, err := schema.BindSpec(spec, noReferences{}, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}
	return pkg, nil
}

func run(schemaPath, out string) error {
	// Each generator records its language info on the package, so each gets a freshly bound one.
	pkg, err := bind(schemaPath)
	if err != nil {
		return err
	}
	// A "local" SDK, as `pulumi package add` makes for a provider whose SDK is not published: package.json's
	// main is bin/index.js and its postinstall script compiles the TypeScript, so `npm install <this directory>`
	// gives a working package.
	files, err := nodejsgen.GeneratePackage("tools/sdkgen", pkg, nil, nil, true, noReferences{})
	if err != nil {
		return fmt.Errorf("nodejs: %w", err)
	}
	if err := write(filepath.Join(out, "nodejs"), files, true); err != nil {
		return err
	}

	if pkg, err = bind(schemaPath); err != nil {
		return err
	}
	files, err = pythongen.GeneratePackage("tools/sdkgen", pkg, nil, noReferences{})
	if err != nil {
		return fmt.Errorf("python: %w", err)
	}
	if err := write(filepath.Join(out, "python"), files, true); err != nil {
		return err
	}

	if pkg, err = bind(schemaPath); err != nil {
		return err
	}
	files, err = gogen.GeneratePackage("tools/sdkgen", pkg, nil)
	if err != nil {
		return fmt.Errorf("go: %w", err)
	}
	for root := range topDirs(files) {
		if err := os.RemoveAll(filepath.Join(out, "go", root)); err != nil {
			return err
		}
	}
	return write(filepath.Join(out, "go"), files, false)
}

// topDirs is the set of first path elements of the generated files' names.
func topDirs(files map[string][]byte) map[string]bool {
	dirs := map[string]bool{}
	for name := range files {
		first := name
		for filepath.Dir(first) != "." {
			first = filepath.Dir(first)
		}
		dirs[first] = true
	}
	return dirs
}

// write puts files under dir, emptying dir first when clean is set.
func write(dir string, files map[string][]byte, clean bool) error {
	if clean {
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
