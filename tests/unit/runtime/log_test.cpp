// The runner's log lines, written from the entries of a real in-process bus: what each level shows.

#include "support.hpp"

#include <mbus/runtime/in_process_bus.hpp>
#include <mbus/runtime/log.hpp>

#include <fmt/format.h>

#include <sstream>

using namespace mbus;
using namespace mbus::runtime_test;
using runtime::logger;
using runtime::verbosity;

namespace {

// A bus with the water meter at 5 (and whatever else), logging every entry.
struct logged {
    std::ostringstream out;
    logger log; // before the bus: its destructor still logs the session closing
    runtime::in_process_bus bus;
    explicit logged(verbosity level, std::vector<sim::meter_config> meters = {water_meter("water", 5)})
        : log(out, level), bus(make_scenario(std::move(meters))) {
        bus.runner().subscribe([this](const harness::entry& e) { log.write(e); });
    }
};

} // namespace

TEST_CASE("logger normal level shows frames but not their bytes") {
    logged l(verbosity::normal);
    l.bus.set_line_baud(2400);
    REQUIRE(l.bus.send(link::frame::short_frame(0x5B, 5)));
    const auto text = l.out.str();
    CHECK(text.find("] #1 line 2400 baud raw\n") != std::string::npos);
    CHECK(text.find("] #1 > REQ_UD2 a=5 fcb=0 fcv=1\n") != std::string::npos);
    CHECK(text.find("] #1 < RSP_UD a=5 ci=72 len=18 [id=12345678 man=KAM ver=1 medium=water records=1] from "
                    "water\n") != std::string::npos);
    CHECK(text.find("10 5B 05 60 16") == std::string::npos);
    CHECK(text.starts_with("[    0.0"));
}

TEST_CASE("logger verbose level adds bytes timing and what each meter did") {
    logged l(verbosity::verbose);
    l.bus.set_line_baud(2400);
    const auto x = l.bus.send(link::frame::short_frame(0x5B, 5));
    REQUIRE(x);
    const auto text = l.out.str();
    CHECK(text.find("\n            10 5B 05 60 16\n") != std::string::npos);
    CHECK(text.find("\n            line 2400 baud\n") != std::string::npos);
    CHECK(text.find("\n            " + to_hex(x->outcome.raw) + "\n") != std::string::npos);
    CHECK(text.find("\n            delay ") != std::string::npos);
    CHECK(text.find(" ms (chosen ") != std::string::npos);
    CHECK(text.find("ms on the wire at 2400 baud") != std::string::npos);
    CHECK(text.find("\n            water: REQ_UD2: telegram 1\n") != std::string::npos);
}

TEST_CASE("logger quiet level shows errors only") {
    logged l(verbosity::quiet);
    REQUIRE(l.bus.send(link::frame::short_frame(0x5B, 5)));
    l.log.info("hello");
    l.log.summary("SIGTERM", {}, {});
    CHECK(l.out.str().empty());
    harness::exchange failed;
    failed.request.session = 1;
    failed.end = harness::fate::write_failed;
    failed.error = std::make_error_code(std::errc::broken_pipe).message();
    l.log.write(failed);
    CHECK(l.out.str().find("] error: #1 cannot write the answer: " + failed.error + "\n") !=
          std::string::npos);
}

TEST_CASE("logger marks collisions junk and silent requests") {
    auto second = water_meter("gas", 5, 0x87654321);
    second.options.skew_bits = 0.5; // half a bit late: the answers garble each other
    logged l(verbosity::normal, {water_meter("water", 5), second});
    const auto x = l.bus.send(link::frame::short_frame(0x5B, 5));
    REQUIRE(x);
    REQUIRE(x->outcome.collision);
    CHECK(l.out.str().find(fmt::format("] #1 < COLLISION {} bytes from water,gas", x->outcome.raw.size())) !=
          std::string::npos);

    l.bus.send_bytes(bytes{0xFF, 0x00, 0x10, 0x40, 0x09, 0x49, 0x16}); // junk, then SND_NKE to 9
    const auto bad_start = make_error_code(link::errc::bad_start).message();
    CHECK(l.out.str().find("] #1 ! junk 2 bytes: " + bad_start + "\n") != std::string::npos);
    CHECK(l.out.str().find("] #1 > SND_NKE a=9") != std::string::npos);
    CHECK(l.out.str().find("] #1 - no answer\n") != std::string::npos);
}

TEST_CASE("logger summary gives the reason the time and the counters") {
    std::ostringstream out;
    logger log(out);
    runtime::stats s;
    s.requests = 12;
    s.answered = 10;
    s.silent = 2;
    s.collisions = 1;
    s.junk = 3;
    s.junk_bytes = 17;
    s.sessions = 2;
    s.bytes_in = 210;
    s.bytes_out = 1520;
    log.summary("SIGTERM", s, std::chrono::milliseconds(4200));
    CHECK(
        out.str().find("] stopped (SIGTERM) after 4.2 s: 12 requests (10 answered, 2 silent, 1 collisions), "
                       "3 junk (17 bytes), 2 sessions, 210 bytes in, 1520 bytes out\n") != std::string::npos);
}

TEST_CASE("logger prefixes every line with the bus name when asked") {
    std::ostringstream out;
    logger log(out, verbosity::normal, clock::now(), "plant ");
    log.info("hello");
    CHECK(out.str().find("] plant hello\n") != std::string::npos);
}

TEST_CASE("logger escapes control characters in meter names") {
    // A name from a scenario file with a newline: raw, it would forge a log line of its own.
    logged l(verbosity::verbose, {water_meter("a\nerror: forged\x1B[2J", 5)});
    REQUIRE(l.bus.send(link::frame::short_frame(0x5B, 5)));
    const auto text = l.out.str();
    CHECK(text.find("] from a\\nerror: forged\\x1B[2J\n") != std::string::npos);
    CHECK(text.find("\n            a\\nerror: forged\\x1B[2J: REQ_UD2: telegram 1\n") != std::string::npos);
    CHECK(text.find("\nerror: forged") == std::string::npos);
    CHECK(text.find('\x1B') == std::string::npos);
}
