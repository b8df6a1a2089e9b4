#!/usr/bin/env bash
# How often masters fail to set 2400 8E1 on mbus-sim's pty, with and without the PTY shim and with and
# without real-time priority for the watch threads: the figures in README's PTY section.
# Usage: scripts/pty_parity.sh [BUILD] [ROUNDS] [--load]
#   BUILD   a build folder with simulator/mbus-sim and tests/libmbus_like_master (default: build)
#   ROUNDS  opens per master and setting (default 200)
#   --load  keep every CPU busy (a nice 19 loop each) while measuring, as on a loaded machine
# Real-time priority needs root, CAP_SYS_NICE or an RLIMIT_RTPRIO; without it both columns are "fair".
set -euo pipefail
build=${1:-build}
rounds=${2:-200}
load=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
sim=$build/simulator/mbus-sim
c_master=$build/tests/libmbus_like_master
py_master=$root/tests/masters/pyserial_master.py
for f in "$sim" "$c_master"; do
    [ -x "$f" ] || { echo "pty_parity: $f is missing: build mbus-sim and libmbus_like_master" >&2; exit 2; }
done
/usr/bin/python3 -c 'import serial' 2>/dev/null || { echo "pty_parity: python3-serial is missing" >&2; exit 2; }

scenario=$(mktemp --suffix=.toml)
loaders=()
cleanup() {
    rm -f "$scenario"
    for p in "${loaders[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
cat > "$scenario" <<'TOML'
[bus]
name = "parity"
response_delay_ms = 5
[[meter]]
name = "water"
address = 3
id = "12345678"
manufacturer = "TST"
medium = "water"
[[meter.record]]
quantity = "volume"
unit = "m3"
type = "bcd8"
value = 1
TOML

if [ "$load" = "--load" ]; then
    for _ in $(seq "$(nproc)"); do
        nice -n 19 sh -c 'while :; do :; done' &
        loaders+=($!)
    done
fi

[ "$(id -u)" = 0 ] || echo "pty_parity: not root: the realtime rows get real-time priority only with CAP_SYS_NICE or an RLIMIT_RTPRIO"
printf '%-14s %-6s %-9s %8s %10s %8s %8s %8s\n' master shim priority failed "no parity" answers retries seconds
for master in libmbus-like pyserial; do
    for shim in on off; do
        for prio in realtime normal; do
            opts=()
            [ "$shim" = off ] && opts+=(--no-pty-shim)
            [ "$prio" = normal ] && opts+=(--no-realtime)
            if [ "$master" = libmbus-like ]; then cmd=("$c_master" '{pty}' "$rounds" 3); else
                cmd=(/usr/bin/python3 "$py_master" '{pty}' "$rounds" 3); fi
            start=$(date +%s.%N)
            line=$("$sim" test "$scenario" "${opts[@]}" -- "${cmd[@]}" 2>/dev/null | grep '^rounds=' || true)
            end=$(date +%s.%N)
            failed=$(sed -n 's/.*_failed=\([0-9]*\).*/\1/p' <<<"$line")
            noparity=$(sed -n 's/.*readback_without_parity=\([0-9]*\).*/\1/p' <<<"$line")
            answers=$(sed -n 's/.*answers=\([0-9]*\).*/\1/p' <<<"$line")
            retries=$(sed -n 's/.*retries=\([0-9]*\).*/\1/p' <<<"$line")
            printf '%-14s %-6s %-9s %4s/%-3s %10s %8s %8s %8.1f\n' "$master" "$shim" "$prio" "${failed:-?}" "$rounds" \
                "${noparity:-?}" "${answers:-?}" "${retries:-?}" "$(awk "BEGIN { print $end - $start }")"
        done
    done
done
echo "failed: settings that returned EINVAL (libmbus: \"Failed to set baud rate\"; pyserial: termios.error 22);"
echo "no parity: rounds whose tcgetattr showed no PARENB; retries: REQ_UD2 sent again after 0.3/0.5 s of silence"
