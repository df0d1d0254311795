//go:build tools

// Package tools pins the Pulumi CLI (package cmd/pulumi of pkg/v3) as a dependency of this module, so
// `go build` resolves it, and all of its dependencies, from go.mod and go.sum.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
