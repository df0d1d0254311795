#!/usr/bin/env bash
# Build a Go tool of this repository that uses the pinned Pulumi release's pkg/v3 (tools/sdkgen: the SDK code
# generators; tools/docsgen: the docs generator) into a cache outside the repository and print the path of
# the executable as the last line of output. Usage: pkg-tool-build.sh TOOL_DIR WHAT (WHAT names the tool's
# part of pkg/v3 in the progress line). Each tool's build.sh calls it.
#
# Cache: ${BASETEN_GATEWAY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pulumi-baseten-gateway}/<tool>-<version>-<key>,
# where <key> hashes the tool directory's inputs and this script, so a changed pin or source builds afresh
# (the first build compiles pkg/v3's part: about a minute with the Go module cache warm; later runs take
# 0.1 s). Needs Go and the Go module proxy. A failed build leaves no half-made cache entry behind.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
here="$(cd "$1" && pwd)"
what="$2"
name="$(basename "$here")"

version="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' "$here/go.mod")"
if [ -z "$version" ]; then
    echo "$here/go.mod pins no github.com/pulumi/pulumi/pkg/v3 version" >&2
    exit 1
fi
key="$( (cd "$here" && cat go.mod go.sum main.go build.sh "$self") | sha256sum | cut -c1-12)"
cache_root="${BASETEN_GATEWAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-baseten-gateway}"
dir="$cache_root/$name-$version-$key"

if [ ! -x "$dir/$name" ]; then
    if ! command -v go >/dev/null; then
        echo "building $name needs Go (>= $(awk '$1 == "go" { print $2 }' "$here/go.mod")); none on PATH" >&2
        exit 1
    fi
    echo "building $name (pkg/v3 $version $what) into $dir (first time only)" >&2
    mkdir -p "$cache_root"
    staging="$(mktemp -d "$cache_root/.build-$name-XXXXXX")"
    trap 'rm -rf "$staging"' EXIT
    started=$SECONDS
    (cd "$here" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$staging/$name" .)
    rm -rf "$dir"
    mv "$staging" "$dir"
    trap - EXIT
    echo "built in $((SECONDS - started)) s" >&2
fi
echo "$dir/$name"
