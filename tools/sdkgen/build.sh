#!/usr/bin/env bash
# Build sdkgen (main.go: the pinned Pulumi release's code generators, see go.mod) into the cache and print
# the executable's path as the last line (tools/pkg-tool-build.sh: the cache, its key, the first build).
set -euo pipefail
exec bash "$(dirname "$0")/../pkg-tool-build.sh" "$(dirname "$0")" "code generators"
