#!/usr/bin/env bash
# The scans against the physical bound, one build after another (e.g. the build before a change and
# after it); prints figures, asserts nothing.
#
#   scripts/scan_bound.sh [--server SIM] [--to LAST] [--primary-only] SIM [SIM ...]
#
# For each SIM (an mbus-sim binary), its `scan` against one simulator (--server, default the first SIM):
#  1. primary scan of 0..250 (0..LAST with --to), tests/bench/scan_bound.toml (one meter, realistic timing,
#     2400 baud) served on a PTY: elapsed, SND_NKE sent, and the physical bound
#     251 x (5 characters of 11 bits + the window of 330 bit times + 50 ms) = 251 x (22.9 + 187.5) ms = 52.8 s;
#  2. (not with --primary-only) secondary scan of scenarios/bus-250.toml (250 meters, fast timing) over TCP: elapsed, selects,
#     REQ_UD2, meters found.
# The simulator is started for each scan and stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

server=""
last=250
primary_only=false
while [ $# -gt 0 ]; do
    case "$1" in
    --server) server=$2; shift 2 ;;
    --to) last=$2; shift 2 ;;
    --primary-only) primary_only=true; shift ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--server SIM] [--to LAST] [--primary-only] SIM [SIM ...]" >&2; exit 2; }
case "$last" in ''|*[!0-9]*) echo "$0: --to takes an address 0..250" >&2; exit 2 ;; esac
[ "$last" -le 250 ] || { echo "$0: --to takes an address 0..250" >&2; exit 2; }
server=${server:-$1}
command -v jq >/dev/null || { echo "$0: needs jq" >&2; exit 2; }

tmp=$(mktemp -d)
sim_pid=""
cleanup() {
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# start_sim SCENARIO TRANSPORT...: sets sim_pid and ready (the readiness line), waits up to 20 s for it.
start_sim() {
    local scenario=$1
    shift
    : >"$tmp/sim.out"
    "$server" run "$scenario" "$@" --quiet >"$tmp/sim.out" 2>"$tmp/sim.err" &
    sim_pid=$!
    for _ in $(seq 200); do
        ready=$(head -n1 "$tmp/sim.out")
        case "$ready" in ready*) return 0 ;; esac
        sleep 0.1
    done
    echo "$server: no readiness line" >&2
    cat "$tmp/sim.err" >&2
    exit 1
}
stop_sim() {
    kill "$sim_pid"
    wait "$sim_pid" || true
    sim_pid=""
}
field() { tr ' ' '\n' <<<"$ready" | sed -n "s/^$1=//p"; }

bound_primary=$(awk -v n=$((last + 1)) 'BEGIN { printf "%.1f", n * (5 * 11 / 2400 + 330 / 2400 + 0.05) }')
echo "primary scan 0..$last, 1 meter, realistic timing at 2400 baud over a PTY; physical bound ${bound_primary} s"
declare -A elapsed_of
for sim in "$@"; do
    start_sim "$root/tests/bench/scan_bound.toml" --pty
    pty=$(field pty)
    start=$(date +%s.%N)
    "$sim" scan --primary --to "$last" --json "$pty" >"$tmp/scan.json" 2>"$tmp/scan.err" || true
    end=$(date +%s.%N)
    stop_sim
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    read -r sent found <<<"$(jq -r '"\(.frames_sent) \(.found | length)"' "$tmp/scan.json")"
    elapsed_of[$sim]=$wall
    ratio=$(awk -v w="$wall" -v b="$bound_primary" 'BEGIN { printf "%.2f", w / b }')
    base=${elapsed_of[$1]}
    echo "  $sim: ${wall} s (${ratio} x the bound), ${sent} SND_NKE, ${found} found;" \
        "$(awk -v w="$wall" -v b="$base" 'BEGIN { printf "%.2f", w / b }') x the first"
done

$primary_only && exit 0
echo "secondary scan of bus-250 (250 meters, fast timing) over TCP"
declare -A sec_of
for sim in "$@"; do
    start_sim "$root/scenarios/bus-250.toml" --tcp 127.0.0.1:0
    tcp=$(field tcp)
    start=$(date +%s.%N)
    "$sim" scan --secondary --json "tcp:$tcp" >"$tmp/scan.json" 2>"$tmp/scan.err" || true
    end=$(date +%s.%N)
    stop_sim
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    read -r selects requests meters <<<"$(jq -r '"\(.selects) \(.requests) \(.meters | length)"' "$tmp/scan.json")"
    sec_of[$sim]=$wall
    base=${sec_of[$1]}
    echo "  $sim: ${wall} s, ${selects} selects, ${requests} REQ_UD2, ${meters} meters;" \
        "$(awk -v w="$wall" -v b="$base" 'BEGIN { printf "%.2f", w / b }') x the first"
done
