#!/usr/bin/env bash
# Builds the libmbus reference of tests/bench/perf_table.cpp from a libmbus checkout (the one named in
# ../shared/corpus/libmbus/README.md: github.com/rscada/libmbus at f09d613, version 0.10.0), with the
# flags of an optimised build. Nothing is downloaded here.
#
#   scripts/libmbus_reference/build.sh LIBMBUS_DIR [OUT]   (OUT defaults to build-rel/libmbus_reference)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 LIBMBUS_DIR [OUT]" >&2; exit 2; }
src=$1
out=${2:-$here/../../build-rel/libmbus_reference}
[ -f "$src/mbus/mbus-protocol.c" ] || { echo "$0: $src/mbus/mbus-protocol.c not found" >&2; exit 2; }
mkdir -p "$(dirname "$out")"
cc -O2 -w -I"$src" -o "$out" "$here/bench.c" "$src/mbus/mbus-protocol.c" -lm
echo "$out"
