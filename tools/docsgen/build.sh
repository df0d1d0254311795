#!/usr/bin/env bash
# Build docsgen (main.go: the pinned Pulumi release's docs generator, see go.mod) into the cache and print
# the executable's path as the last line (tools/pkg-tool-build.sh: the cache, its key, the first build).
set -euo pipefail
exec bash "$(dirname "$0")/../pkg-tool-build.sh" "$(dirname "$0")" "docs generator"
