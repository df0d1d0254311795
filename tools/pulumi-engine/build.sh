#!/usr/bin/env bash
# Build the pinned Pulumi CLI (see go.mod) and the YAML language host (see yaml/go.mod) into a cache
# outside the repository, add our plugin launcher beside them, and print the directory to put on PATH
# as the last line of output.
#
#   tools/pulumi-engine/build.sh            build once per pinned version (later runs take a second)
#   PULUMI_DIR=/usr/local/bin build.sh      use an existing `pulumi` there instead (nothing is built)
#
# Cache: ${BASETEN_GATEWAY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pulumi-baseten-gateway}/pulumi-<version>-<key>,
# where <key> hashes this directory's inputs, so a changed pin or launcher builds afresh. Needs Go and
# the Go module proxy (no other download). A failed build leaves no half-made cache entry behind.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
launchers=(pulumi-resource-pulumi-python)

if [ -n "${PULUMI_DIR:-}" ]; then
    if [ ! -x "$PULUMI_DIR/pulumi" ]; then
        echo "PULUMI_DIR=$PULUMI_DIR has no executable 'pulumi'" >&2
        exit 1
    fi
    echo "using the Pulumi CLI in $PULUMI_DIR: $("$PULUMI_DIR/pulumi" version)" >&2
    echo "$PULUMI_DIR"
    exit 0
fi

version="$(awk '$1 == "require" && $2 == "github.com/pulumi/pulumi/pkg/v3" { print $3 }' "$here/go.mod")"
if [ -z "$version" ]; then
    echo "$here/go.mod pins no github.com/pulumi/pulumi/pkg/v3 version" >&2
    exit 1
fi
yaml_version="$(awk '$1 == "require" && $2 == "github.com/pulumi/pulumi-yaml" { print $3 }' "$here/yaml/go.mod")"
key="$(cd "$here" && cat go.mod go.sum tools.go yaml/go.mod yaml/go.sum yaml/tools.go build.sh \
    "${launchers[@]}" | sha256sum | cut -c1-12)"
cache_root="${BASETEN_GATEWAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-baseten-gateway}"
dir="$cache_root/pulumi-$version-$key"

if [ ! -x "$dir/bin/pulumi" ] || [ ! -x "$dir/bin/pulumi-language-yaml" ]; then
    if ! command -v go >/dev/null; then
        echo "building the Pulumi CLI needs Go (>= $(awk '$1 == "go" { print $2 }' "$here/go.mod")); none on PATH" >&2
        exit 1
    fi
    echo "building the Pulumi CLI $version and YAML host $yaml_version into $dir (first time only: minutes)" >&2
    mkdir -p "$cache_root"
    staging="$(mktemp -d "$cache_root/.build-XXXXXX")"
    trap 'rm -rf "$staging"' EXIT
    started=$SECONDS
    (
        cd "$here"
        GOFLAGS=-mod=readonly go build -trimpath \
            -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
            -o "$staging/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
        cd yaml
        GOFLAGS=-mod=readonly go build -trimpath \
            -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$yaml_version" \
            -o "$staging/bin/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
    )
    for launcher in "${launchers[@]}"; do
        install -m 0755 "$here/$launcher" "$staging/bin/$launcher"
    done
    rm -rf "$dir"
    mv "$staging" "$dir"
    trap - EXIT
    echo "built in $((SECONDS - started)) s" >&2
fi
echo "Pulumi CLI $("$dir/bin/pulumi" version) with plugin launchers, in:" >&2
echo "$dir/bin"
