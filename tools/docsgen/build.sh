#!/usr/bin/env bash
# Build docsgen (main.go: the pinned Pulumi release's docs generator, see go.mod) into a cache outside the
# repository and print the path of the executable as the last line of output.
#
# Cache: ${BASETEN_GATEWAY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pulumi-baseten-gateway}/docsgen-<version>-<key>,
# where <key> hashes this directory's inputs, so a changed pin or source builds afresh (the first build
# compiles pkg/v3's docs generator: about a minute with the Go module cache warm; later runs take
# 0.1 s). Needs Go and the Go module proxy. A failed build leaves no half-made cache entry behind.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

version="$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' "$here/go.mod")"
if [ -z "$version" ]; then
    echo "$here/go.mod pins no github.com/pulumi/pulumi/pkg/v3 version" >&2
    exit 1
fi
key="$(cd "$here" && cat go.mod go.sum main.go build.sh | sha256sum | cut -c1-12)"
cache_root="${BASETEN_GATEWAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-baseten-gateway}"
dir="$cache_root/docsgen-$version-$key"

if [ ! -x "$dir/docsgen" ]; then
    if ! command -v go >/dev/null; then
        echo "building docsgen needs Go (>= $(awk '$1 == "go" { print $2 }' "$here/go.mod")); none on PATH" >&2
        exit 1
    fi
    echo "building docsgen (pkg/v3 $version docs generator) into $dir (first time only)" >&2
    mkdir -p "$cache_root"
    staging="$(mktemp -d "$cache_root/.build-docsgen-XXXXXX")"
    trap 'rm -rf "$staging"' EXIT
    started=$SECONDS
    (cd "$here" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$staging/docsgen" .)
    rm -rf "$dir"
    mv "$staging" "$dir"
    trap - EXIT
    echo "built in $((SECONDS - started)) s" >&2
fi
echo "$dir/docsgen"
