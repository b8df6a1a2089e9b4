#!/usr/bin/env bash
# Builds the libFuzzer targets (clang + ASan/UBSan, build-fuzz/) and runs each with its seeds.
#
#   scripts/fuzz.sh [SECONDS | -runs=N] [TARGET...]
#
# SECONDS per target (default $MBUS_FUZZ_SECONDS, else 10); -runs=N runs N inputs per target instead,
# still stopped after $MBUS_FUZZ_MAX_SECONDS (default 600) each. TARGET names (fuzz_hex or hex) pick
# targets; none: all. Prints per target the executions, the rate and the crashes, and exits non-zero
# when any target crashed. Crash inputs go to build-fuzz/artifacts/<target>/, the growing corpus to
# build-fuzz/work-<target>/. Seeds: ../shared/corpus (or $MBUS_CORPUS) and the shipped scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=build-fuzz
corpus=${MBUS_CORPUS:-$root/../shared/corpus}
jobs=${MBUS_JOBS:-$(nproc 2>/dev/null || echo 2)}

limit=(-max_total_time="${MBUS_FUZZ_SECONDS:-10}")
if [ $# -gt 0 ]; then
    case $1 in
    -runs=*) limit=("$1" -max_total_time="${MBUS_FUZZ_MAX_SECONDS:-600}"); shift ;;
    [0-9]*) limit=(-max_total_time="$1"); shift ;;
    esac
fi
wanted=()
for t in "$@"; do wanted+=("fuzz_${t#fuzz_}"); done

CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMBUS_TESTS=OFF -DMBUS_FUZZ=ON \
    -DMBUS_WERROR=OFF -DMBUS_SANITIZERS=address,undefined,fuzzer-no-link >/dev/null
if [ ${#wanted[@]} -gt 0 ]; then
    cmake --build "$build" -j "$jobs" --target "${wanted[@]}"
else
    cmake --build "$build" -j "$jobs"
fi

# Seeds, one folder per kind of input.
seeds=$build/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{frames,hex,scenario,transcript,none,body,han,wmbus,capture}
if [ -d "$corpus/libmbus" ]; then
    python3 scripts/hex2bin.py "$corpus/libmbus" "$seeds/frames"
    find "$corpus/libmbus" -name '*.hex' -exec cp {} "$seeds/hex/" \;
else
    echo "NOTE: $corpus/libmbus is missing: frame and hex targets start without seeds" >&2
fi
if [ -f "$corpus/han/frames.json" ]; then # HAN frames, LLC PDUs and APDUs, one file each
    python3 -c 'import json,sys,pathlib
for e in json.load(open(sys.argv[1])): pathlib.Path(sys.argv[2], e["name"]).write_bytes(bytes.fromhex(e["hex"]))' \
        "$corpus/han/frames.json" "$seeds/han"
fi
cp scenarios/*.toml "$seeds/scenario/"
cp scenarios/captures/*.cap "$seeds/capture/"
for m in scenarios/models/*.toml; do cp "$m" "$seeds/scenario/model-$(basename "$m")"; done
printf '%s\n' '{"t":1.234,"wall":"2026-11-21T12:00:00.123Z","session":1,"kind":"request","request":"REQ_UD2","hex":"105B035E16","summary":"REQ_UD2 a=3 fcb=0","line_baud":2400}' \
    >"$seeds/transcript/request.json"
printf '%s\n' '{"t":1.3,"wall":"2026-11-21T12:00:00.200Z","session":1,"kind":"reply","request":"REQ_UD2","hex":"E5","summary":"E5","meters":["a","b"],"answered_by":["a"],"collision":false,"repeated":true,"more_follows":false,"injected":["drop"]}' \
    >"$seeds/transcript/reply.json"
printf '%s\n' '{"t":2,"wall":"2026-11-21T12:00:01.000Z","session":0,"kind":"event","summary":"meter a leaves"}' \
    >"$seeds/transcript/event.json"
printf '%s' '{"kind":"late","meter":"heat-1","delay_ms":[200,400],"requests":["REQ_UD2"]}' >"$seeds/body/fault.json"
printf '%s' '{"value":1500}' >"$seeds/body/value.json"
printf '%s' '{"generator":{"counter":{"start":5,"rate":1,"per":"1h"}}}' >"$seeds/body/generator.json"
printf '%s' '{"status":4,"alarm":true,"primary":42,"id":"11223344"}' >"$seeds/body/patch.json"
printf '%s' '{"name":"n","address":7,"id":"12345680","manufacturer":"KAM","medium":"heat","record":[{"quantity":"energy","unit":"kWh","type":"int32","value":7}]}' >"$seeds/body/meter.json"
# Wireless frames: OMS vol. 2 Annex N examples (mode 5 format A with CRCs, mode 7 with ELL and AFL,
# format B), as the unit tests cite them (tests/unit/wmbus/telegram_test.cpp).
for h in 2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6DEFC955B29D6D69EBF3EC8A \
    434493157856341233037AC98C2075900F002C25B30A000021924D4FBA372FB66E017A75002007109058475F4BC9D1281DF878B80A1B0F98B629024AAC7279429398BFC549233C0140829B93BAA1 \
    1444AE0C7856341201078C2027780B134365877AC5 1244AE0C7856341201078C2027780B13436587; do
    printf '%s' "$h" | xxd -r -p >"$seeds/wmbus/${h:0:12}.bin"
done
seeds_for() {
    case $1 in
    fuzz_scenario_load) echo "$seeds/scenario" ;;
    fuzz_hex) echo "$seeds/hex" ;;
    fuzz_transcript_record) echo "$seeds/transcript" ;;
    fuzz_bus_requests) echo "$seeds/none" ;;
    fuzz_control_body) echo "$seeds/body" ;;
    fuzz_han_decode) echo "$seeds/han" ;;
    fuzz_wmbus_decode) echo "$seeds/wmbus" ;;
    fuzz_capture_read) echo "$seeds/capture" ;;
    *) echo "$seeds/frames" ;;
    esac
}

failed=0
summary=()
for f in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
    work=$build/work-$name
    artifacts=$build/artifacts/$name
    mkdir -p "$work" "$artifacts"
    log=$build/$name.log
    echo "--- $name (${limit[*]})"
    set +e
    "$f" "${limit[@]}" -timeout=30 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$work" "$(seeds_for "$name")" >"$log" 2>&1
    rc=$?
    set -e
    tail -n 4 "$log"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    crashes=0
    if [ "$rc" -ne 0 ]; then
        crashes=1
        failed=1
        echo "CRASH in $name (exit $rc): see $log and $artifacts/" >&2
        grep -m 5 -E 'ERROR:|runtime error:|invariant broken|deadly signal|timeout' "$log" >&2 || true
    fi
    summary+=("$(printf '%-26s %12s runs %8s exec/s %2s crashes' "$name" "${runs:-?}" "${rate:-?}" "$crashes")")
done
echo
printf '%s\n' "${summary[@]}"
exit "$failed"
