#!/usr/bin/env bash
# Make sure a PostgreSQL server is installed (Debian's `postgresql` package; the tests start their own
# servers with it, on a free local port, and stop them) and print the directory of its programs (`initdb`,
# `postgres`, `pg_ctl`) as the last line of output.
#
#   tools/postgres/ensure.sh                  install with apt-get if missing (needs root, as CI has)
#   POSTGRES_BIN_DIR=/usr/lib/postgresql/16/bin ensure.sh   use that installation instead
set -euo pipefail

if [ -n "${POSTGRES_BIN_DIR:-}" ]; then
    if [ ! -x "$POSTGRES_BIN_DIR/postgres" ]; then
        echo "POSTGRES_BIN_DIR=$POSTGRES_BIN_DIR has no executable 'postgres'" >&2
        exit 1
    fi
    echo "$POSTGRES_BIN_DIR"
    exit 0
fi

find_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

dir="$(find_bin)"
if [ -z "$dir" ] || [ ! -x "$dir/postgres" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "PostgreSQL is not installed and installing it needs root: apt-get install postgresql" >&2
        exit 1
    fi
    echo "installing Debian's postgresql package (first time only)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    dir="$(find_bin)"
fi
if [ -z "$dir" ] || [ ! -x "$dir/postgres" ]; then
    echo "no PostgreSQL server programs under /usr/lib/postgresql/*/bin after installing" >&2
    exit 1
fi
echo "$dir"
