// The scans against the real mbus-sim: our secondary scan finds every meter of every shipped
// scenario over its pty and over TCP, and the transcript shows each collision it reports; the
// primary scan sees a duplicate address as a collision; `mbus-sim scan` and `mbus-sim read` end to
// end, with their exit codes and JSON.

#include "support.hpp"

#include <mbus/app/secondary_address.hpp>
#include <mbus/master/scan.hpp>
#include <mbus/scenario/load.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#pragma GCC diagnostic ignored "-Wmismatched-new-delete" // see master_system_test.cpp

using namespace mbus;
using namespace mbus::test;

namespace {

// A silent select costs the response window; the simulator answers within its 2-30 ms delays, so
// 150 ms leaves room for a busy CI machine (an answer later than that would be missed, or taken
// for the next probe's) while keeping a scan of hundreds of probes short.
master::master_options scan_options() {
    auto o = sim_options();
    o.timing.response_timeout = 150ms;
    return o;
}

scenario::scenario load(const std::filesystem::path& file) {
    auto r = scenario::load(file);
    std::ostringstream why;
    why << r;
    REQUIRE_MESSAGE(r, why.str());
    return *r.value;
}

// Masks for which the transcript shows a collision: junk, or more than one piece, after a select
// or after the REQ_UD2 that follows it.
struct collision_log {
    std::vector<master::transcript_entry> entries;
    master::transcript_hook hook() {
        return [this](const master::transcript_entry& e) { entries.push_back(e); };
    }
    std::set<std::string> garbled_masks() const {
        std::set<std::string> out;
        std::optional<app::secondary_address> mask;
        unsigned pieces = 0;
        bool junk = false;
        auto close = [&] {
            if (mask && (junk || pieces > 1)) out.insert(master::secondary_string(*mask));
        };
        for (const auto& e : entries) {
            if (e.kind == master::transcript_kind::sent) {
                if (e.frame && (e.frame->ci == app::ci::select || e.frame->ci == app::ci::select_msb) &&
                    e.frame->kind == link::frame_kind::long_frame) {
                    close();
                    auto m = app::parse_select(e.frame->ci, e.frame->data);
                    mask = m ? std::optional(m->address) : std::nullopt;
                } else if (!e.frame || e.frame->a != link::address::selected ||
                           (e.frame->c & 0xDF) != link::c_field::req_ud2) {
                    close();
                    mask.reset();
                }
                pieces = 0;
                junk = false;
            } else if (e.kind == master::transcript_kind::junk) {
                junk = true;
                ++pieces;
            } else if (e.kind == master::transcript_kind::received) {
                ++pieces;
            }
            if (junk || pieces > 1) close();
        }
        close();
        return out;
    }
};

struct scan_figures {
    std::size_t meters{0};
    unsigned selects{0};
    unsigned requests{0};
    std::size_t collisions{0};
    double seconds{0};
};

// Scans over `io` and checks the result against the scenario: every meter found with its identity
// and primary address (meters identical in all eight bytes as one unresolved collision), and each
// collision reported visible in the transcript.
asio::awaitable<scan_figures> scan_and_check(transport::byte_stream& io, const scenario::scenario& sc) {
    std::map<std::string, std::vector<byte>> expected; // secondary address -> primary addresses
    for (const auto& m : sc.meters)
        expected[master::secondary_string(m.identity)].push_back(m.primary_address);
    collision_log log;
    master::secondary_scan_options o;
    o.transcript = log.hook();
    // The shipped scenarios have meters that answer in the same instant (skew 0), whose answers
    // can wire-AND into one clean frame: only the thorough search finds them all.
    o.thorough = true;
    const auto r = co_await master::scan_secondary(io, scan_options(), o);
    INFO(r);
    CHECK(r.complete);
    std::set<std::string> unresolved;
    for (const auto& u : r.unresolved)
        unresolved.insert(master::secondary_string(u.mask));
    std::map<std::string, master::meter_found> found;
    for (const auto& m : r.meters)
        found[master::secondary_string(m.address)] = m;
    for (const auto& [address, primaries] : expected) {
        INFO("meter ", address);
        if (primaries.size() > 1) {
            CHECK(unresolved.contains(address));
            continue;
        }
        REQUIRE(found.contains(address));
        CHECK(found[address].identified);
        CHECK(found[address].primary == primaries[0]);
    }
    CHECK(found.size() == r.meters.size());
    for (const auto& [address, m] : found)
        CHECK_MESSAGE(expected.contains(address), "found a meter the scenario does not have: ", m);
    if (sc.meters.size() > 1) CHECK_FALSE(r.collisions.empty());
    const auto seen = log.garbled_masks();
    for (const auto& c : r.collisions)
        CHECK_MESSAGE(seen.contains(master::secondary_string(c.mask)), "the transcript does not show ", c);
    co_return scan_figures{r.meters.size(), r.selects, r.requests, r.collisions.size(),
                           std::chrono::duration<double>(r.elapsed).count()};
}

void print_figures(const std::string& name, const std::string& line, const scan_figures& f) {
    std::cout << "scan: " << name << " over " << line << ": " << f.meters << " meters, " << f.collisions
              << " collisions, " << f.selects << " selects, " << f.requests << " REQ_UD2, " << f.seconds
              << " s\n";
}

struct cli_result {
    int code{-1};
    std::string out;
    std::string err;
};

// Runs `mbus-sim args...` to its end.
cli_result run_cli(std::vector<std::string> args, std::chrono::seconds limit = std::chrono::seconds(60)) {
    sim_process p(std::move(args));
    REQUIRE_MESSAGE(p.started(), p.spawn_error());
    const auto code = p.wait_exit(limit);
    REQUIRE_MESSAGE(code, "did not exit in time\n", p.report());
    p.finish_output();
    return {*code, p.out(), p.err()};
}

// Waits until `ready()` holds (the child's output so far shows it), checking every 10 ms, for at
// most `limit`.
bool wait_for(const std::function<bool()>& ready, std::chrono::seconds limit = std::chrono::seconds(60)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!ready()) {
        if (std::chrono::steady_clock::now() >= end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

nlohmann::json parse_json(const cli_result& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), "not JSON:\n", r.out, "\nstderr:\n", r.err);
    return j;
}

enum class lines : std::uint8_t { pty, tcp };

// Scans each scenario named over the pty or TCP, one simulator per scenario. A scan spends most of
// its time waiting out silent selects, so each scenario is scanned over one line; heating-plant,
// the scan's showcase, over both in two test cases that CTest can run side by side.
void scan_scenarios(const std::vector<std::string>& names, lines over) {
    for (const auto& name : names) {
        const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / (name + ".toml");
        INFO("scenario ", file.string());
        const auto sc = load(file);
        auto sim = start_sim({"run", file.string(), "--pty", "--tcp", "127.0.0.1:0"});
        run_system_test([&]() -> asio::awaitable<void> {
            if (over == lines::pty) {
                auto pty = co_await open_pty(sim.ready, sc.meters.front().baud);
                print_figures(name, "pty", co_await scan_and_check(*pty, sc));
            } else {
                auto tcp = co_await open_tcp(sim.ready);
                print_figures(name, "tcp", co_await scan_and_check(*tcp, sc));
            }
        });
        stop_sim(sim);
    }
}

// The scenarios with test cases of their own (each within the CTest time limit).
const std::set<std::string> own_test{"duplicate-address", "heating-plant", "bus-250"};

// The other shipped scenarios, in two halves of the sorted list (one scanned over the pty, one
// over TCP).
std::vector<std::string> other_scenarios(bool first_half) {
    std::vector<std::string> names;
    for (const auto& file : shipped_scenarios()) {
        const auto name = file.stem().string();
        if (own_test.contains(name)) continue;
        // Faults and timelines change what a scan can find (dropped answers, meters that leave):
        // their own tests check what a master sees there.
        const auto sc = load(file);
        if (!sc.han_meters.empty()) { // nothing to scan: a HAN meter pushes (han_push_system_test.cpp)
            std::cout << "scan: " << name << " skipped (HAN meters)\n";
            continue;
        }
        if (!sc.wmbus_meters.empty()) { // radio: wmbus_run_system_test.cpp hears them
            std::cout << "scan: " << name << " skipped (wireless meters)\n";
            continue;
        }
        if (!sc.faults.empty() || !sc.events.empty()) {
            std::cout << "scan: " << name << " skipped (faults or events)\n";
            continue;
        }
        names.push_back(name);
    }
    const auto half = static_cast<std::ptrdiff_t>(names.size() / 2);
    return first_half ? std::vector<std::string>(names.begin(), names.begin() + half)
                      : std::vector<std::string>(names.begin() + half, names.end());
}

} // namespace

TEST_CASE("our secondary scan finds every meter of the other shipped scenarios over the pty") {
    scan_scenarios(other_scenarios(true), lines::pty);
}

TEST_CASE("our secondary scan finds every meter of the other shipped scenarios over tcp") {
    const auto names = other_scenarios(false);
    CHECK(names.size() >= 2);
    scan_scenarios(names, lines::tcp);
}

TEST_CASE("our secondary scan finds every meter of duplicate-address over tcp") {
    scan_scenarios({"duplicate-address"}, lines::tcp);
}

TEST_CASE("our secondary scan finds every meter of heating-plant over the pty") {
    scan_scenarios({"heating-plant"}, lines::pty);
}

TEST_CASE("our secondary scan finds every meter of heating-plant over tcp") {
    scan_scenarios({"heating-plant"}, lines::tcp);
}

TEST_CASE("our secondary scan finds the 250 meters of bus-250 over tcp") {
    scan_scenarios({"bus-250"}, lines::tcp);
}

TEST_CASE("the primary scan sees two meters on one address as a collision") {
    const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "duplicate-address.toml";
    auto sim = start_sim({"run", file.string(), "--pty", "--tcp", "127.0.0.1:0"});
    run_system_test([&]() -> asio::awaitable<void> {
        for (int line = 0; line < 2; ++line) {
            INFO((line == 0 ? "pty" : "tcp"));
            std::unique_ptr<transport::byte_stream> io;
            if (line == 0)
                io = co_await open_pty(sim.ready);
            else
                io = co_await open_tcp(sim.ready);
            master::primary_scan_options o;
            o.last = 10;
            const auto r = co_await master::scan_primary(*io, scan_options(), o);
            INFO(r);
            CHECK(r.complete);
            REQUIRE(r.found.size() == 3);
            CHECK(r.found[0].address == 5);
            CHECK(r.found[0].answer == master::presence::collision);
            CHECK(r.found[1] ==
                  master::address_found{6, master::presence::one, master::reply_kind::ack, {0xE5}});
            CHECK(r.found[2] ==
                  master::address_found{7, master::presence::one, master::reply_kind::ack, {0xE5}});
        }
    });
    stop_sim(sim);
}

TEST_CASE("mbus-sim scan and read end to end") {
    const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "duplicate-address.toml";
    const auto sc = load(file);
    auto sim = start_sim({"run", file.string(), "--pty", "--tcp", "127.0.0.1:0"});
    const std::string pty = sim.ready.pty();
    const std::string tcp = "tcp:" + sim.ready.tcp();
    const std::vector<std::string> fast{"--timeout-ms", "150", "--retries", "1"};
    auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), fast.begin(), fast.end());
        return args;
    };

    SUBCASE("scan --secondary --json over tcp finds the four meters") {
        const auto r = run_cli(with({"scan", "--secondary", "--json", tcp}));
        CHECK_MESSAGE(r.code == 0, r.err);
        const auto j = parse_json(r);
        CHECK(j["complete"] == true);
        std::set<std::string> ids;
        for (const auto& m : j["meters"])
            ids.insert(m["id"].get<std::string>());
        CHECK(ids == std::set<std::string>{"22000005", "22000105", "22000006", "22000007"});
        CHECK(j["meters"][0]["manufacturer"] == "TST");
        CHECK_FALSE(j["collisions"].empty());
    }
    SUBCASE("scan --primary --json over the pty shows the collision at 5") {
        const auto r = run_cli(with({"scan", "--primary", "--json", "--from", "0", "--to", "10", pty}));
        CHECK_MESSAGE(r.code == 0, r.err);
        const auto j = parse_json(r);
        REQUIRE(j["found"].size() == 3);
        CHECK(j["found"][0]["address"] == 5);
        CHECK(j["found"][0]["presence"] == "collision");
        CHECK(j["found"][1]["address"] == 6);
        CHECK(j["found"][1]["presence"] == "one");
        CHECK(j["addresses"] == 11);
    }
    SUBCASE("scan --secondary text and --verbose") {
        const auto r = run_cli(with({"scan", "--secondary", "--verbose", "--ci", "56", pty}));
        CHECK_MESSAGE(r.code == 0, r.err);
        CHECK(r.out.find("secondary scan: 4 meters found") != std::string::npos);
        CHECK(r.out.find("id 22000105  TST") != std::string::npos);
        CHECK(r.err.find("sent 68 0B 0B 68 53 FD 56") != std::string::npos); // the CI 56 selects
    }
    SUBCASE("read by primary address prints the records") {
        const auto r = run_cli(with({"read", "6", "--json", pty}));
        CHECK_MESSAGE(r.code == 0, r.err);
        const auto j = parse_json(r);
        CHECK(j["complete"] == true);
        REQUIRE(j["telegrams"].size() >= 1);
        CHECK(j["telegrams"][0]["header"]["id"] == "22000006");
        CHECK(j["telegrams"][0]["link"]["a"] == 6);
        CHECK_FALSE(j["telegrams"][0]["records"].empty());
        const auto text = run_cli(with({"read", "7", tcp}));
        CHECK_MESSAGE(text.code == 0, text.err);
        CHECK(text.out.find("id 22000007  TST") != std::string::npos);
        CHECK(text.out.find("Volume") != std::string::npos);
    }
    SUBCASE("read by secondary address reaches a meter on the shared address") {
        std::string address;
        for (const auto& m : sc.meters)
            if (m.identity.id == 0x22000105) address = master::secondary_string(m.identity);
        REQUIRE(address.size() == 16);
        const auto r = run_cli(with({"read", address, "--json", tcp}));
        CHECK_MESSAGE(r.code == 0, r.err);
        const auto j = parse_json(r);
        CHECK(j["telegrams"][0]["header"]["id"] == "22000105");
        CHECK(j["telegrams"][0]["link"]["a"] == 5);
        const auto by_id = run_cli(with({"read", "22000005", tcp}));
        CHECK_MESSAGE(by_id.code == 0, by_id.err);
        CHECK(by_id.out.find("id 22000005") != std::string::npos);
    }
    SUBCASE("read fails clearly when nothing or more than one meter answers") {
        const auto nobody = run_cli(with({"read", "99", tcp}));
        CHECK(nobody.code == 1);
        CHECK(nobody.err.find("mbus-sim read: 99:") != std::string::npos);
        const auto wildcard = run_cli(with({"read", "2200FFFF", tcp}));
        CHECK(wildcard.code == 1);
        CHECK(wildcard.err.find("more than one meter matches") != std::string::npos);
        const auto unknown = run_cli(with({"read", "12345678", tcp}));
        CHECK(unknown.code == 1);
        CHECK(unknown.err.find("no meter answers") != std::string::npos);
    }
    SUBCASE("usage errors and lines that cannot be opened") {
        CHECK(run_cli({"read", "300", tcp}).code == 2);
        CHECK(run_cli({"read", "12G45678", tcp}).code == 2);
        CHECK(run_cli({"scan", tcp}).code == 2);
        CHECK(run_cli({"scan", "--primary", "--secondary", tcp}).code == 2);
        const auto missing = run_cli({"scan", "--primary", "/nonexistent/ttyUSB9"});
        CHECK(missing.code == 1);
        CHECK(missing.err.find("/nonexistent/ttyUSB9") != std::string::npos);
        const auto refused = run_cli({"scan", "--secondary", "tcp:127.0.0.1:1"});
        CHECK(refused.code == 1);
        CHECK_FALSE(refused.err.empty());
    }
    stop_sim(sim);
}

TEST_CASE("mbus-sim scan talks: each meter as found, and what it found when interrupted") {
    const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "duplicate-address.toml";
    auto sim = start_sim({"run", file.string(), "--pty", "--tcp", "127.0.0.1:0"});
    const std::string tcp = "tcp:" + sim.ready.tcp();
    const std::string pty = sim.ready.pty();
    // 150 ms a silent address: a scan of 0..250 would take 38 s, far longer than the tests wait.
    const std::vector<std::string> fast{"--timeout-ms", "150", "--retries", "1"};
    auto with = [&](std::vector<std::string> args) {
        args.insert(args.end(), fast.begin(), fast.end());
        return args;
    };

    SUBCASE("text into a pipe: each address as it answers, SIGINT prints the rest and exits 130") {
        sim_process scan(with({"scan", "--primary", tcp}));
        REQUIRE_MESSAGE(scan.started(), scan.spawn_error());
        // Printed while the scan goes on (stdout is a pipe here, not a terminal).
        REQUIRE_MESSAGE(wait_for([&] { return scan.out().find("found address   7") != std::string::npos; }),
                        scan.report());
        CHECK(scan.out().find("found address   5: collision") != std::string::npos);
        CHECK(scan.out().find("found address   6: one meter (E5)") != std::string::npos);
        CHECK(scan.out().find("primary scan:") == std::string::npos); // the report comes at the end
        REQUIRE(::kill(scan.pid(), SIGINT) == 0);
        const auto code = scan.wait_exit(std::chrono::seconds(20));
        REQUIRE_MESSAGE(code, "did not exit after SIGINT\n", scan.report());
        scan.finish_output();
        CHECK_MESSAGE(*code == 130, scan.report());
        CHECK(scan.out().find("primary scan: 3 addresses answered (1 collision)") != std::string::npos);
        CHECK(scan.out().find("  address   6: one meter (E5)") != std::string::npos);
        CHECK(scan.out().find("incomplete: interrupted") != std::string::npos);
        CHECK(scan.err().find("interrupted by SIGINT: 3 found so far") != std::string::npos);
        CHECK(scan.err().find("\r") == std::string::npos); // no progress line off a terminal
    }
    SUBCASE("json: SIGTERM gives complete false with what was found and exits 143") {
        sim_process scan(with({"scan", "--primary", "--json", "--verbose", pty}));
        REQUIRE_MESSAGE(scan.started(), scan.spawn_error());
        // --verbose shows the frames on stderr: once SND_NKE to 8 went out, 5..7 are behind.
        REQUIRE_MESSAGE(wait_for([&] { return scan.err().find("sent 10 40 08 48 16") != std::string::npos; }),
                        scan.report());
        CHECK(scan.out().empty()); // JSON comes whole, at the end
        REQUIRE(::kill(scan.pid(), SIGTERM) == 0);
        const auto code = scan.wait_exit(std::chrono::seconds(20));
        REQUIRE_MESSAGE(code, "did not exit after SIGTERM\n", scan.report());
        scan.finish_output();
        CHECK_MESSAGE(*code == 143, scan.report());
        const auto j = parse_json({*code, scan.out(), scan.err()});
        CHECK(j["complete"] == false);
        CHECK(j["error"] == "interrupted");
        REQUIRE(j["found"].size() == 3);
        CHECK(j["found"][0]["address"] == 5);
        CHECK(j["found"][0]["presence"] == "collision");
        CHECK(j["found"][2]["address"] == 7);
        CHECK(j["physical_bound_ms"].get<double>() > 0);
        CHECK(scan.err().find("interrupted by SIGTERM") != std::string::npos);
    }
    SUBCASE("a scan that finds only a collision exits 0: meters answered") {
        const auto r = run_cli(with({"scan", "--primary", "--from", "5", "--to", "5", "--verbose", pty}));
        CHECK_MESSAGE(r.code == 0, r.err);
        CHECK(r.out.find("found address   5: collision") != std::string::npos);
        CHECK(r.out.find("primary scan: 1 address answered (1 collision)") != std::string::npos);
        // The garbled answer was asked again (--retries 1): two requests, two windows in the bound.
        CHECK(r.out.find("physical bound at 2400 baud: 2 requests (10 bytes") != std::string::npos);
        CHECK(r.err.find("timing: response 150 ms") != std::string::npos); // as --timeout-ms says
    }
    SUBCASE("a silent address costs one SND_NKE unless asked for more") {
        const auto once = run_cli(with({"scan", "--primary", "--json", "--from", "10", "--to", "14", tcp}));
        CHECK(once.code == 1);
        CHECK(parse_json(once)["frames_sent"] == 5);
        const auto thrice = run_cli(with(
            {"scan", "--primary", "--json", "--from", "10", "--to", "14", "--retries-on-silence", "2", tcp}));
        CHECK(parse_json(thrice)["frames_sent"] == 15);
    }
    stop_sim(sim);
}
