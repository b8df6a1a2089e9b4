#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine:
#   scripts/dev.sh run [ARGS...]   install what is missing, build, run `mbus-sim run ARGS...` (the demo)
#   scripts/dev.sh test            install what is missing, build, run every check CI runs
#   scripts/dev.sh build           install what is missing and build
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)

build() { # build DIR [TARGET]
    cmake -S "$root" -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$1" -j "$jobs" ${2:+--target "$2"}
}

mode=${1:-run}
[ $# -gt 0 ] && shift
bash scripts/setup.sh

case "$mode" in
build)
    build build
    ;;
run)
    build build mbus-sim # the simulator alone: well under half the time of the tree with its tests
    exec ./build/simulator/mbus-sim run "$@"
    ;;
test)
    bash scripts/test.sh
    ;;
*)
    echo "usage: scripts/dev.sh run|test|build" >&2
    exit 2
    ;;
esac
