#!/usr/bin/env bash
# Every check CI runs: format; the library and simulator built as users build them (Release); the tests
# and benches built with warnings as errors, the tests run under ASan+UBSan; the secondary scans against
# the optimised simulator; the corpus counts; a short libFuzzer run. Assumes scripts/setup.sh has run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${MBUS_FUZZ_SECONDS:-10}

# Each step says how long the run has taken so far: CI's budget is 90 minutes on 2 cores.
step() { printf '\n=== %s (at %dm%02ds)\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

if [ ! -d "$root/../shared/corpus" ]; then
    echo "NOTE: ../shared/corpus is missing: the corpus tests will report it and fail." >&2
fi

step "format (clang-format --dry-run -Werror)"
mapfile -t sources < <(git ls-files -co --exclude-standard -- '*.cpp' '*.hpp' | grep -v '^build')
clang-format --dry-run -Werror "${sources[@]}"
echo "format: ${#sources[@]} files ok"

# Two gcc builds, each compiling a source once: what a user installs as a user builds it (Release, no
# warnings as errors: those belong to developers and to the instrumented build below), and the tests
# and benches with the code under test instrumented, warnings as errors. The test sources are not
# compiled a second time in Release: no test runs there, and they are half of all the sources.
step "build the library and the simulator as users build them (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMBUS_WERROR=OFF -DMBUS_TESTS=OFF >/dev/null
cmake --build build -j "$jobs"

step "install, and build the example consumer against the installed package"
# What another project does: find_package(mbus) from an install prefix, build, run its test.
rm -rf build/prefix build-embed
cmake --install build --prefix build/prefix >/dev/null
cmake -S examples/embed -B build-embed -DCMAKE_PREFIX_PATH="$root/build/prefix" >/dev/null
cmake --build build-embed -j "$jobs"
ctest --test-dir build-embed --output-on-failure

step "the Debian package (cpack -G DEB)"
(cd build && rm -f ./*.deb && cpack -G DEB >/dev/null)
deb=$(ls build/mbus-sim_*.deb)
listing=$(dpkg-deb -c "$deb")
for f in ./usr/bin/mbus-sim ./usr/share/man/man1/mbus-sim.1 ./usr/share/bash-completion/completions/mbus-sim \
    ./usr/share/mbus-sim/scenarios/demo.toml ./usr/lib/systemd/system/mbus-sim@.service; do
    grep -q " $f\$" <<<"$listing" || { echo "$deb lacks $f" >&2; exit 1; }
done
echo "$deb: $(dpkg-deb -f "$deb" Depends)"

step "build the tests with AddressSanitizer and UBSan (warnings as errors)"
# Unoptimised, with assertions and line tables: gcc 12 with -fsanitize=address,undefined takes five
# times longer on the coroutine sources at -O2 -g than at -O0 (measured: 219 s against 43 s for
# one test file). The libraries and the simulator are instrumented; the test sources are not
# (MBUS_SANITIZE_TESTS in CMakeLists.txt says why).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 -DMBUS_WERROR=ON \
    -DMBUS_SANITIZERS=address,undefined >/dev/null
cmake --build build-asan -j "$jobs"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
scans='^system: ?our secondary scan finds'

# The system tests wait on lines more than they compute (2400-baud exchanges, masters' timeouts, push
# schedules): the 95 of them took 747 s in CI two at a time, and 177 s of CPU measured one at a time.
# They run two to a core; the unit tests, which compute, one to a core; the scans, which only wait
# (6 s of CPU in 105 s), three to a core.
system='^system:'
step "unit, CLI, layering and browser tests under ASan+UBSan"
ctest --test-dir build-asan --output-on-failure -j "$jobs" --timeout 300 -E "$system"

step "system tests under ASan+UBSan"
ctest --test-dir build-asan --output-on-failure -j $((jobs * 2)) --timeout 300 -R "$system" -E "$scans"

step "secondary scans of the shipped scenarios against the optimised simulator"
# A scan spends its time waiting out silent selects; the unoptimised instrumented simulator is too
# slow for bus-250 within the time limit, and the scan code itself ran in-process above.
MBUS_SIM_EXE="$root/build/simulator/mbus-sim" \
    ctest --test-dir build-asan --output-on-failure -j $((jobs * 3)) --timeout 300 -R "$scans"

step "the CI example of docs/ci.md (mbus-sim test --junit, mbus-sim read as the master)"
# As a user's CI job runs it: mbus-sim on the PATH, the report checked for its test cases.
PATH="$root/build/simulator:$PATH" mbus-sim test scenarios/ci-example.toml --junit build/junit.xml -- \
    sh -c 'mbus-sim read 48 {pty} && mbus-sim read 7 {pty}' >/dev/null
grep -q '<testsuite name="ci-example" tests="7" failures="0"' build/junit.xml
echo "junit: $(grep -c '<testcase ' build/junit.xml) test cases, 0 failures"

step "corpus counts"
./build-asan/tests/unit_tests --test-case='*corpus*' --no-version=true | grep -E '^corpus' || true

# Warnings are enforced by the gcc builds above; clang 14 only compiles the fuzz targets here.
# scripts/fuzz.sh builds them, puts the seeds in place (libmbus frames, the shipped scenarios and
# models, transcript lines) and runs each for the time given: 10 s a target by default, so that
# nine targets cost about what three did at 20 s, plus a minute.
step "fuzz (${fuzz_seconds}s per target, clang + libFuzzer + ASan/UBSan)"
MBUS_JOBS=$jobs MBUS_CORPUS="$root/../shared/corpus" scripts/fuzz.sh "$fuzz_seconds"

echo
echo "all checks passed in $((SECONDS / 60))m$((SECONDS % 60))s"
