// The PTY shim (pty_shim/pty_shim.c) end to end: masters that open the simulator's pty at 2400 8E1 as
// libmbus and pyserial do, 200 times each, under `mbus-sim test` with the watch threads kept at normal
// priority (--no-realtime), get every line setting and every answer; without the shim (--no-pty-shim)
// the pty reads no parity back, and some of the settings fail (printed, not asserted: how many
// depends on the machine's load). `mbus-sim pty-shim` finds the library in the build tree and in the
// installed layout. Time: the six take about 15 s against the Debug simulator and 40 s against the
// ASan+UBSan one on the 2-core development machine at a load average of 11 (the masters are not
// instrumented).

#include "run_to_files.hpp"
#include "support.hpp"
#include "support/corpus.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <unistd.h>

using namespace mbus;
using namespace mbus::test;
namespace fs = std::filesystem;

namespace {

constexpr int rounds = 200;

finished_run run(std::vector<std::string> args, std::chrono::seconds limit = std::chrono::seconds(150)) {
    return run_to_files(std::move(args), limit);
}

// The masters' summary line, e.g. "rounds=200 set_failed=0 readback_without_parity=0 answers=200".
struct summary {
    int rounds{-1};
    int failed{-1}; // set_failed (C) or open_failed (pyserial)
    int without_parity{-1};
    int answers{-1};
    int retries{-1}; // requests sent again after no answer in time (printed: a loaded machine's figure)
};

std::optional<summary> parse_summary(const std::string& out) {
    static const std::regex line(
        R"(rounds=(\d+) (?:set|open)_failed=(\d+) readback_without_parity=(\d+) answers=(\d+) retries=(\d+))");
    std::smatch m;
    if (!std::regex_search(out, m, line)) return std::nullopt;
    return summary{std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4]), std::stoi(m[5])};
}

// REQ_UD2 received, from the counters table of mbus-sim test's report; -1 when it is not there.
int req_ud2_received(const std::string& out) {
    static const std::regex row(R"(\nREQ_UD2 +(\d+) )");
    std::smatch m;
    return std::regex_search(out, m, row) ? std::stoi(m[1]) : -1;
}

// One meter at address 3 that answers after 5 ms, and an expectation that every round was answered.
std::string scenario_text() {
    return fmt::format("[bus]\n"
                       "name = \"shim\"\n"
                       "response_delay_ms = 5\n"
                       "[[meter]]\n"
                       "name = \"water\"\n"
                       "address = 3\n"
                       "id = \"12345678\"\n"
                       "manufacturer = \"TST\"\n"
                       "medium = \"water\"\n"
                       "[[meter.record]]\n"
                       "quantity = \"volume\"\n"
                       "unit = \"m3\"\n"
                       "type = \"bcd8\"\n"
                       "value = 1\n");
}

std::vector<std::string> libmbus_like() {
    return {MBUS_LIBMBUS_LIKE_MASTER, "{pty}", std::to_string(rounds), "3"};
}

// Debian's interpreter: python3-serial is installed for it (scripts/setup.sh), not for one a
// version manager puts first in PATH.
std::vector<std::string> pyserial() {
    return {"/usr/bin/python3", MBUS_PYSERIAL_MASTER, "{pty}", std::to_string(rounds), "3"};
}

void require_pyserial() {
    const auto f = run({"/usr/bin/python3", "-c", "import serial"}, std::chrono::seconds(30));
    REQUIRE_MESSAGE(f.code == 0, "Debian's python3-serial is needed (scripts/setup.sh installs it)\n",
                    f.report);
}

finished_run run_test(const std::vector<std::string>& options, const std::vector<std::string>& master) {
    const temp_scenario sc("pty-shim", scenario_text());
    std::vector<std::string> args{sim_exe(), "test", sc.path().string()};
    args.insert(args.end(), options.begin(), options.end());
    args.emplace_back("--");
    args.insert(args.end(), master.begin(), master.end());
    return run(args);
}

} // namespace

TEST_CASE(
    "a libmbus-like master opens the pty 200 times at 2400 8E1 with the shim and no real-time priority") {
    const auto f = run_test({"--no-realtime"}, libmbus_like());
    const auto s = parse_summary(f.out);
    REQUIRE_MESSAGE(s, f.report);
    MESSAGE(fmt::format("libmbus-like master, shim, no real-time priority: {} retries, {:.1f} s", s->retries,
                        f.seconds));
    CHECK(s->rounds == rounds);
    CHECK_MESSAGE(s->failed == 0, f.report);         // every tcsetattr succeeded, the second of each pair too
    CHECK_MESSAGE(s->without_parity == 0, f.report); // tcgetattr reports the PARENB and CS8 it was given
    CHECK_MESSAGE(s->answers == rounds, f.report);   // and each REQ_UD2 got its RSP_UD
    CHECK_MESSAGE(req_ud2_received(f.out) == rounds + s->retries, f.report); // each one reached the bus
    CHECK_MESSAGE(f.code == 0, f.report);
}

TEST_CASE("a pyserial master opens the pty 200 times at 2400 8E1 with the shim and no real-time priority") {
    require_pyserial();
    const auto f = run_test({"--no-realtime"}, pyserial());
    const auto s = parse_summary(f.out);
    REQUIRE_MESSAGE(s, f.report);
    MESSAGE(fmt::format("pyserial master, shim, no real-time priority: {} retries, {:.1f} s", s->retries,
                        f.seconds));
    CHECK(s->rounds == rounds);
    CHECK_MESSAGE(s->failed == 0, f.report);
    CHECK_MESSAGE(s->without_parity == 0, f.report);
    CHECK_MESSAGE(s->answers == rounds, f.report);
    CHECK_MESSAGE(req_ud2_received(f.out) == rounds + s->retries, f.report); // each one reached the bus
    CHECK_MESSAGE(f.code == 0, f.report);
}

TEST_CASE("without the shim the masters read no parity back and some settings fail") {
    require_pyserial();
    for (const auto& [name, master] :
         {std::pair{"libmbus-like", libmbus_like()}, std::pair{"pyserial", pyserial()}}) {
        CAPTURE(name);
        const auto f = run_test({"--no-realtime", "--no-pty-shim"}, master);
        const auto s = parse_summary(f.out);
        REQUIRE_MESSAGE(s, f.report);
        // What does not depend on timing: a pty never keeps PARENB, so every round that got its line
        // set reads it back without parity. How many settings failed depends on who won each race.
        MESSAGE(fmt::format("{} master without the shim, no real-time priority: {} of {} settings failed, "
                            "{} read back without parity, {} answers, {:.1f} s",
                            name, s->failed, rounds, s->without_parity, s->answers, f.seconds));
        CHECK(s->rounds == rounds);
        CHECK_MESSAGE(s->without_parity == rounds - s->failed, f.report);
        // Nothing is expected in the scenario, so the master's failures are not the bus's; but a master
        // that failed every setting never sent a byte (exit code 3).
        CHECK_MESSAGE(f.code == (s->failed == rounds ? 3 : 0), f.report);
    }
}

TEST_CASE("mbus-sim test puts the shim first in the master's LD_PRELOAD unless told not to") {
    const temp_dir dir("pty-shim-env");
    const auto seen = dir.dir() / "env";
    const std::string master_sh = fmt::format("printf '%s\\n%s\\n' \"$LD_PRELOAD\" \"$ASAN_OPTIONS\" > {}; "
                                              "printf '\\020\\100\\003\\103\\026' > {{pty}}",
                                              seen.string());
    const auto shim = run({sim_exe(), "pty-shim"});
    REQUIRE_MESSAGE(shim.code == 0, shim.report);
    const std::string shim_path = shim.out.substr(0, shim.out.find('\n'));

    auto f = run_test({}, {"/bin/sh", "-c", master_sh});
    CHECK_MESSAGE(f.code == 0, f.report);
    auto env = read_file(seen);
    CHECK(env.substr(0, env.find('\n')) == shim_path);
    // A master built with AddressSanitizer would refuse the preload otherwise.
    CHECK(env.find("verify_asan_link_order=0") != std::string::npos);

    f = run_test({"--no-pty-shim"}, {"/bin/sh", "-c", master_sh});
    CHECK_MESSAGE(f.code == 0, f.report);
    env = read_file(seen);
    CHECK(env.find(shim_path) == std::string::npos);
}

TEST_CASE("mbus-sim pty-shim prints the library next to the binary in the build tree") {
    const auto f = run({sim_exe(), "pty-shim"});
    REQUIRE_MESSAGE(f.code == 0, f.report);
    const fs::path p = f.out.substr(0, f.out.find('\n'));
    CHECK(p.is_absolute());
    CHECK(p.filename() == MBUS_PTY_SHIM_FILE);
    CHECK(fs::is_regular_file(p));
    CHECK(p.parent_path() == fs::path(sim_exe()).parent_path());
}

TEST_CASE("mbus-sim pty-shim finds the library in the installed layout and says where it looked") {
    const auto built = run({sim_exe(), "pty-shim"});
    REQUIRE_MESSAGE(built.code == 0, built.report);
    const fs::path library = built.out.substr(0, built.out.find('\n'));

    // The binary alone in PREFIX/bin, as `cmake --install` puts it: not found, and the message names
    // both places.
    const temp_dir prefix("pty-shim-prefix");
    const auto bin = prefix.dir() / "bin";
    fs::create_directories(bin);
    fs::copy_file(sim_exe(), bin / "mbus-sim");
    const auto installed = (bin / MBUS_PTY_SHIM_FROM_BIN / MBUS_PTY_SHIM_FILE).lexically_normal();
    auto f = run({(bin / "mbus-sim").string(), "pty-shim"});
    CHECK_MESSAGE(f.code == 1, f.report);
    CHECK(f.out.empty());
    CHECK_MESSAGE(f.err.find("not installed") != std::string::npos, f.report);
    CHECK_MESSAGE(f.err.find(installed.string()) != std::string::npos, f.report);

    // With the library where the install puts it.
    fs::create_directories(installed.parent_path());
    fs::copy_file(library, installed);
    f = run({(bin / "mbus-sim").string(), "pty-shim"});
    CHECK_MESSAGE(f.code == 0, f.report);
    CHECK(f.out == installed.string() + "\n");
}
