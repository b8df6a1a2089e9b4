#!/usr/bin/env bash
# Every check CI runs: format, warnings-as-errors build and tests, the same under ASan+UBSan,
# the corpus counts, and a short libFuzzer run. Assumes scripts/setup.sh has run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${MBUS_FUZZ_SECONDS:-20}

# Each step says how long the run has taken so far: CI's budget is 90 minutes on 2 cores.
step() { printf '\n=== %s (at %dm%02ds)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

if [ ! -d "$root/../shared/corpus" ]; then
    echo "NOTE: ../shared/corpus is missing: the corpus tests will report it and fail." >&2
fi

step "format (clang-format --dry-run -Werror)"
mapfile -t sources < <(git ls-files -co --exclude-standard -- '*.cpp' '*.hpp' | grep -v '^build')
clang-format --dry-run -Werror "${sources[@]}"
echo "format: ${#sources[@]} files ok"

step "build (warnings as errors)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMBUS_WERROR=ON >/dev/null
cmake --build build -j "$jobs"

step "tests"
ctest --test-dir build --output-on-failure -j "$jobs" --timeout 300

step "corpus counts"
./build/tests/unit_tests --test-case='*corpus*' --no-version=true | grep -E '^corpus' || true

step "build with AddressSanitizer and UBSan"
# Warnings as errors are enforced by the build above; this build is about what the sanitizers see.
# Unoptimised, with assertions and line tables: gcc 12 with -fsanitize=address,undefined takes five
# times longer on the coroutine sources at -O2 -g than at -O0 (measured: 219 s against 43 s for
# one test file), which alone would blow CI's time budget.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DMBUS_WERROR=OFF \
    -DMBUS_SANITIZERS=address,undefined >/dev/null
cmake --build build-asan -j "$jobs"

step "tests under ASan+UBSan"
# The secondary scans of whole shipped scenarios against the real mbus-sim spend their time waiting
# out silent selects, not in code the unit tests do not reach (the scan runs in-process there
# under the sanitizers too); they run once, in the build above.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 600 \
    -E '^system: ?our secondary scan finds'

# Warnings are enforced by the gcc build above; clang 14 only compiles the fuzz targets here.
step "fuzz (${fuzz_seconds}s per target, clang + libFuzzer + ASan/UBSan)"
CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMBUS_TESTS=OFF -DMBUS_FUZZ=ON -DMBUS_WERROR=OFF \
    -DMBUS_SANITIZERS=address,undefined,fuzzer-no-link >/dev/null
cmake --build build-fuzz -j "$jobs"
mkdir -p build-fuzz/seeds
if [ -d "$root/../shared/corpus/libmbus" ]; then
    python3 scripts/hex2bin.py "$root/../shared/corpus/libmbus" build-fuzz/seeds
fi
for f in build-fuzz/tests/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    echo "--- $(basename "$f")"
    mkdir -p "build-fuzz/work-$(basename "$f")"
    "$f" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
        "build-fuzz/work-$(basename "$f")" build-fuzz/seeds 2>&1 | tail -n 4
done

echo
echo "all checks passed in $((SECONDS / 60))m$((SECONDS % 60))s"
