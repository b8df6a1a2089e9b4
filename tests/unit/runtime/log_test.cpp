// The runner's log lines: frame summaries and what each level shows.

#include "support.hpp"

#include <mbus/runtime/log.hpp>

#include <fmt/format.h>

#include <sstream>

using namespace mbus;
using namespace mbus::runtime_test;
using runtime::logger;
using runtime::verbosity;

namespace {

const bytes rsp_ud_wire{
    0x68, 0x15, 0x15, 0x68, // start, L = 21 twice, start
    0x08, 0x05, 0x72,       // RSP_UD from 5, CI 72
    0x78, 0x56, 0x34, 0x12, // ID 12345678
    0x2D, 0x2C, 0x01, 0x07, // KAM, version 1, water
    0x00, 0x00, 0x00, 0x00, // access number, status, signature
    0x0C, 0x13,             // 8-digit BCD volume in litres
    0x78, 0x56, 0x34, 0x12, // 12345678
    0x27, 0x16,             // checksum, stop
};

link::stream_event frame_event(bytes raw) {
    link::stream_event ev;
    ev.k = link::stream_event::kind::frame;
    ev.f = link::decode(raw)->value;
    ev.raw = std::move(raw);
    ev.first = ev.last = clock::now();
    return ev;
}

// A bus with the water meter at 5, and its answer to a REQ_UD2.
struct answered {
    sim::bus bus;
    sim::bus_reply reply;
    answered() {
        bus.add(water_meter("water", 5));
        reply = bus.on_frame(link::frame::short_frame(0x5B, 5), 0, {});
    }
};

} // namespace

TEST_CASE("summarize adds identity and record count to an RSP_UD") {
    const auto f = link::decode(rsp_ud_wire);
    REQUIRE(f);
    CHECK(runtime::summarize(f->value) ==
          "RSP_UD a=5 ci=72 len=18 [id=12345678 man=KAM ver=1 medium=water records=1]");
    CHECK(runtime::summarize(link::frame::short_frame(0x5B, 5)) == "REQ_UD2 a=5 fcb=0 fcv=1");
}

TEST_CASE("summarize shows every frame of a reply and undecodable bytes") {
    CHECK(runtime::summarize(bytes{0xE5}) == "ACK");
    CHECK(runtime::summarize(bytes{0xE5, 0xE5}) == "ACK + ACK");
    auto broken = rsp_ud_wire;
    broken[25] ^= 0xFF; // the checksum
    const auto text = runtime::summarize(broken);
    CHECK(text.starts_with("? 27 bytes ("));
    CHECK(text == "? 27 bytes (" + make_error_code(link::errc::bad_checksum).message() + ")");
    CHECK(runtime::summarize(bytes{0xE5, 0x00}).starts_with("ACK + ? 1 bytes ("));
}

TEST_CASE("logger normal level shows frames but not their bytes") {
    std::ostringstream out;
    logger log(out, verbosity::normal);
    answered a;
    log.request(1, frame_event({0x10, 0x5B, 0x05, 0x60, 0x16}), 2400);
    log.reply(1, a.reply, a.bus, {});
    const auto text = out.str();
    CHECK(text.find("] #1 > REQ_UD2 a=5 fcb=0 fcv=1\n") != std::string::npos);
    CHECK(text.find("] #1 < RSP_UD a=5 ci=72 len=18 [id=12345678 man=KAM ver=1 medium=water records=1] from "
                    "water\n") != std::string::npos);
    CHECK(text.find("10 5B 05 60 16") == std::string::npos);
    CHECK(text.starts_with("[    0.0"));
}

TEST_CASE("logger verbose level adds bytes timing and what each meter did") {
    std::ostringstream out;
    logger log(out, verbosity::verbose);
    answered a;
    log.request(2, frame_event({0x10, 0x5B, 0x05, 0x60, 0x16}), 2400);
    log.reply(2, a.reply, a.bus, {std::chrono::milliseconds(12), std::chrono::milliseconds(112), true});
    const auto text = out.str();
    CHECK(text.find("\n            10 5B 05 60 16\n") != std::string::npos);
    CHECK(text.find("\n            line 2400 baud\n") != std::string::npos);
    CHECK(text.find("\n            " + to_hex(a.reply.wire) + "\n") != std::string::npos);
    CHECK(text.find("delay 12.0 ms (chosen ") != std::string::npos);
    CHECK(text.find("112.0 ms on the wire paced at 2400 baud") != std::string::npos);
    CHECK(text.find("\n            water: REQ_UD2: telegram 1\n") != std::string::npos);
}

TEST_CASE("logger quiet level shows errors only") {
    std::ostringstream out;
    logger log(out, verbosity::quiet);
    answered a;
    log.opened(1, "pty /dev/pts/9");
    log.request(1, frame_event({0x10, 0x5B, 0x05, 0x60, 0x16}), 0);
    log.reply(1, a.reply, a.bus, {});
    log.info("hello");
    log.summary("SIGTERM", {}, {});
    log.closed(1, transport::errc::closed);
    CHECK(out.str().empty());
    log.write_failed(1, std::make_error_code(std::errc::broken_pipe));
    CHECK(out.str().find("] error: #1 cannot write the answer: ") != std::string::npos);
}

TEST_CASE("logger marks collisions junk and silent requests") {
    std::ostringstream out;
    logger log(out);
    sim::bus bus;
    auto second = water_meter("gas", 5, 0x87654321);
    second.options.skew_bits = 0.5; // half a bit late: the answers garble each other
    bus.add(water_meter("water", 5));
    bus.add(second);
    const auto r = bus.on_frame(link::frame::short_frame(0x5B, 5), 0, {});
    REQUIRE(r.collision);
    log.reply(3, r, bus, {});
    CHECK(out.str().find(fmt::format("] #3 < COLLISION {} bytes from water,gas", r.wire.size())) !=
          std::string::npos);

    link::stream_event junk;
    junk.raw = {0xFF, 0x00};
    junk.error = link::errc::bad_start;
    log.junk(3, junk);
    CHECK(out.str().find("] #3 ! junk 2 bytes: " + junk.error.message() + "\n") != std::string::npos);

    log.reply(3, sim::bus_reply{}, bus, {});
    CHECK(out.str().find("] #3 - no answer\n") != std::string::npos);
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
