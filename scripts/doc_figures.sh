#!/usr/bin/env bash
# Measures the figures the README quotes and writes them between its markers, so that they cannot drift
# from what the commands as written do:
#
#   <!-- measured:NAME by scripts/doc_figures.sh -->
#   ...written here...
#   <!-- /measured:NAME -->
#
#   scripts/doc_figures.sh [BUILD]      (BUILD: a build folder with simulator/mbus-sim; default build)
#
# Figures: the secondary scans of the shipped scenarios as the README runs them (`mbus-sim scan --secondary
# --verbose --json tcp:HOST:PORT`, default options) against `mbus-sim run SCENARIO --tcp`. Takes a few
# minutes (a scan waits out real response windows); asserts nothing about time. Run it on an idle machine
# after a change to the scans, the timing or the shipped scenarios, and commit the README it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sim=${1:-build}/simulator/mbus-sim
[ -x "$sim" ] || { echo "$0: no $sim: build it first (cmake --build ${1:-build} --target mbus-sim)" >&2; exit 2; }
command -v jq >/dev/null || { echo "$0: needs jq" >&2; exit 2; }

tmp=$(mktemp -d)
sim_pid=""
cleanup() {
    if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# scan_row SCENARIO [SCAN OPTION...]: one table row for the secondary scan of SCENARIO over TCP.
scan_row() {
    local scenario=$1
    shift
    "$sim" run "$root/scenarios/$scenario" --tcp 127.0.0.1:0 --quiet >"$tmp/ready" 2>"$tmp/err" &
    sim_pid=$!
    for _ in $(seq 200); do grep -q '^ready' "$tmp/ready" && break; sleep 0.1; done
    local at
    at=$(grep -o 'tcp=[^ ]*' "$tmp/ready" | head -1 | cut -d= -f2)
    [ -n "$at" ] || { echo "$0: $scenario: no ready line: $(cat "$tmp/err")" >&2; exit 1; }
    local meters
    meters=$(grep -o 'meters=[0-9]*' "$tmp/ready" | head -1 | cut -d= -f2)
    "$sim" scan --secondary --verbose --json "$@" "tcp:$at" >"$tmp/scan.json" 2>/dev/null || true
    kill "$sim_pid"
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=""
    jq -r --arg s "\`$scenario\`${*:+ \`$*\`}" --arg m "$meters" \
        '"| \($s) | \(.meters | length) of \($m) | \(.collisions | length) | \(.selects) | \(.requests) | \(.elapsed_ms / 1000 | . * 10 | round / 10) s | \(.physical_bound_ms / 1000 | . * 10 | round / 10) s | \(.elapsed_ms / .physical_bound_ms | . * 100 | round / 100)x |"' \
        "$tmp/scan.json"
}

# replace NAME FILE: the text between NAME's markers in README.md becomes FILE's.
replace() {
    local name=$1 file=$2
    grep -q "<!-- measured:$name " README.md || { echo "$0: README.md has no marker for $name" >&2; exit 1; }
    awk -v name="$name" -v file="$file" '
        index($0, "<!-- measured:" name " ") == 1 { print; while ((getline line < file) > 0) print line; skip = 1; next }
        index($0, "<!-- /measured:" name " -->") == 1 { skip = 0 }
        !skip { print }' README.md >"$tmp/README.md"
    mv "$tmp/README.md" README.md
}

{
    echo "| scenario | meters found | collisions met | selects | REQ_UD2 | elapsed | physical bound | ratio |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    scan_row heating-plant.toml
    scan_row heat-meters.toml
    scan_row bus-250.toml --thorough
    echo
    echo "Measured by \`scripts/doc_figures.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)."
} >"$tmp/scans.md"
replace secondary-scans "$tmp/scans.md"
cat "$tmp/scans.md"
echo "README.md: figures written" >&2
