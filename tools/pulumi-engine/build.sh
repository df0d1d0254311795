#!/usr/bin/env bash
# Build the pinned Pulumi CLI (see go.mod), the YAML language host (see yaml/go.mod) and Pulumi's Python,
# Node.js and Go language hosts into a cache outside the repository, add our plugin launcher beside them,
# and print the directory to put on PATH as the last line of output.
#
#   tools/pulumi-engine/build.sh            build once per pinned version (later runs take a second)
#   PULUMI_DIR=/usr/local/bin build.sh      use an existing `pulumi` there instead (nothing is built); an
#                                           installed Pulumi has its own language hosts
#
# The Python, Node.js and Go hosts are not served by the Go module proxy; they are built from upstream source
# (pulumi v3.259.0, Apache-2.0) kept outside this repository: $PULUMI_LANGUAGE_HOSTS_SRC if set, else
# ../shared/third_party/pulumi-language-hosts beside the checkout. With neither, this says so in one line and
# the tests run Python, TypeScript and Go programs through the Automation API instead; in CI (CI set) that is
# a failure.
#
# Cache: ${BASETEN_GATEWAY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/pulumi-baseten-gateway}/pulumi-<version>-<key>,
# where <key> hashes this directory's inputs, so a changed pin or launcher builds afresh; the hosts are rebuilt
# when their source (its path or any file) changes. Needs Go and the Go module proxy (no other download). A
# failed build leaves no half-made cache entry behind.
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

# Pulumi's Python, Node.js and Go language hosts, built from their upstream source into the same directory.
hosts=(pulumi-language-python pulumi-language-python-exec pulumi-language-nodejs pulumi-language-go)
hosts_src="${PULUMI_LANGUAGE_HOSTS_SRC:-}"
if [ -z "$hosts_src" ] && [ -d "$here/../../../shared/third_party/pulumi-language-hosts" ]; then
    hosts_src="$(cd "$here/../../../shared/third_party/pulumi-language-hosts" && pwd)"
fi
if [ -z "$hosts_src" ]; then
    if [ -n "${CI:-}" ]; then
        echo "no language hosts to build: PULUMI_LANGUAGE_HOSTS_SRC is unset and ../shared/third_party/pulumi-language-hosts does not exist (CI needs them)" >&2
        exit 1
    fi
    built=1
    for host in "${hosts[@]}"; do [ -x "$dir/bin/$host" ] || built=0; done
    if [ "$built" = 1 ]; then
        echo "no language-host source (PULUMI_LANGUAGE_HOSTS_SRC, ../shared/third_party/pulumi-language-hosts): using the hosts built before in $dir/bin" >&2
    else
        echo "no language hosts (set PULUMI_LANGUAGE_HOSTS_SRC, or keep ../shared/third_party/pulumi-language-hosts): Python, TypeScript and Go programs will run through the Automation API" >&2
    fi
else
    if [ ! -f "$hosts_src/build.sh" ]; then
        echo "PULUMI_LANGUAGE_HOSTS_SRC=$hosts_src has no build.sh" >&2
        exit 1
    fi
    hosts_src="$(cd "$hosts_src" && pwd)"
    stamp="$( (echo "$hosts_src"; cd "$hosts_src" && find . -type f ! -path './bin/*' -print0 | sort -z \
        | xargs -0 sha256sum) | sha256sum | cut -c1-16)"
    have=""
    [ -f "$dir/bin/.language-hosts" ] && have="$(cat "$dir/bin/.language-hosts")"
    missing=0
    for host in "${hosts[@]}"; do [ -x "$dir/bin/$host" ] || missing=1; done
    if [ "$missing" = 1 ] || [ "$have" != "$stamp" ]; then
        echo "building the Python, Node.js and Go language hosts from $hosts_src" >&2
        staging="$(mktemp -d "$cache_root/.hosts-XXXXXX")"
        trap 'rm -rf "$staging"' EXIT
        bash "$hosts_src/build.sh" "$staging" >/dev/null
        for host in "${hosts[@]}"; do
            if [ ! -x "$staging/$host" ]; then
                echo "$hosts_src/build.sh wrote no $host" >&2
                exit 1
            fi
        done
        for host in "${hosts[@]}"; do mv -f "$staging/$host" "$dir/bin/$host"; done
        echo "$stamp" >"$dir/bin/.language-hosts"
        rm -rf "$staging"
        trap - EXIT
    fi
fi

with_hosts=""
[ -x "$dir/bin/pulumi-language-python" ] && with_hosts=" and the Python, Node.js and Go language hosts"
echo "Pulumi CLI $("$dir/bin/pulumi" version) with plugin launchers$with_hosts, in:" >&2
echo "$dir/bin"
