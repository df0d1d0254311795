#!/usr/bin/env bash
# Build the pinned OpenTofu CLI (see go.mod) into a cache outside the repository and print the directory that
# holds `tofu` as the last line of output.
#
#   tools/tofu/build.sh             build once per pinned version (about 5 minutes on 2 cores the first time,
#                                   with the Go module cache warm; later runs take a second)
#   TOFU_DIR=/usr/local/bin build.sh   use an existing `tofu` there instead (nothing is built)
#
# Cache: ${BASETEN_GATEWAY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pulumi-baseten-gateway}/tofu-<version>-<key>,
# where <key> hashes this directory's inputs, so a changed pin builds afresh. Needs Go and the Go module proxy
# (no other download). A failed build leaves no half-made cache entry behind.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ -n "${TOFU_DIR:-}" ]; then
    if [ ! -x "$TOFU_DIR/tofu" ]; then
        echo "TOFU_DIR=$TOFU_DIR has no executable 'tofu'" >&2
        exit 1
    fi
    echo "using the OpenTofu CLI in $TOFU_DIR: $("$TOFU_DIR/tofu" version | head -1)" >&2
    echo "$TOFU_DIR"
    exit 0
fi

version="$(awk '$1 == "require" && $2 == "github.com/opentofu/opentofu" { print $3 }' "$here/go.mod")"
if [ -z "$version" ]; then
    echo "$here/go.mod pins no github.com/opentofu/opentofu version" >&2
    exit 1
fi
key="$(cd "$here" && cat go.mod go.sum tools.go build.sh | sha256sum | cut -c1-12)"
cache_root="${BASETEN_GATEWAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-baseten-gateway}"
dir="$cache_root/tofu-$version-$key"

if [ ! -x "$dir/tofu" ]; then
    if ! command -v go >/dev/null; then
        echo "building OpenTofu needs Go (>= $(awk '$1 == "go" { print $2 }' "$here/go.mod")); none on PATH" >&2
        exit 1
    fi
    echo "building OpenTofu $version into $dir (first time only: minutes)" >&2
    mkdir -p "$cache_root"
    staging="$(mktemp -d "$cache_root/.build-tofu-XXXXXX")"
    trap 'rm -rf "$staging"' EXIT
    started=$SECONDS
    # The release's version file already says ${version#v}; the ldflag clears the "dev" pre-release marker a
    # source build otherwise carries, as OpenTofu's own release build does.
    (cd "$here" && GOFLAGS=-mod=readonly go build -trimpath \
        -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
        -o "$staging/tofu" github.com/opentofu/opentofu/cmd/tofu)
    rm -rf "$dir"
    mv "$staging" "$dir"
    trap - EXIT
    echo "built in $((SECONDS - started)) s" >&2
fi
echo "$dir"
