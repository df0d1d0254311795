//go:build tools

// Package tools pins the OpenTofu CLI (package cmd/tofu) as a dependency of this module, so `go build`
// resolves it, and all of its dependencies, from go.mod and go.sum.
package tools

import _ "github.com/opentofu/opentofu/cmd/tofu"
