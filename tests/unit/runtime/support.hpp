#pragma once
// Helpers for the runner tests: a runner on its own io_context with a deadline on the whole test,
// meters and scenarios built in code, and a master that talks to it the way real ones do (a pty set
// to 8E1 with termios, a TCP socket), every read with a deadline.

#include "support/async.hpp"
#include "support/master_line.hpp"

#include <mbus/app/codec.hpp>
#include <mbus/app/telegram.hpp>
#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/runtime/log.hpp>
#include <mbus/runtime/runner.hpp>
#include <mbus/scenario/scenario.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/pty.hpp>
#include <mbus/transport/tcp.hpp>
#include <mbus/transport/termios_speed.hpp>

#include <doctest/doctest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace mbus::runtime_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Every single wait; generous, as the machine may be busy.
constexpr auto wait_limit = std::chrono::seconds(5);

// A water meter: ID `id`, KAM, version 1, medium 07, one record 0C 13 (volume, litres, 8 BCD
// digits) = 12345678.
inline sim::meter_config water_meter(std::string name, byte address, std::uint32_t id = 0x12345678) {
    sim::meter_config m;
    m.name = std::move(name);
    m.primary_address = address;
    m.identity = {id, 0x2C2D, 0x01, 0x07};
    m.records.push_back(
        {sim::raw_record{app::record{app::dib{0x0C, {}}, app::vib{0x13, {}, {}}, {0x78, 0x56, 0x34, 0x12}}},
         false});
    return m;
}

inline scenario::scenario make_scenario(std::vector<sim::meter_config> meters,
                                        scenario::timing_mode timing = scenario::timing_mode::fast,
                                        bool strict_baud = false) {
    scenario::scenario sc;
    sc.source = "<test>";
    sc.bus.name = "test";
    sc.bus.timing = timing;
    sc.bus.config.strict_baud = strict_baud;
    sc.meters = std::move(meters);
    return sc;
}

// Requests as masters send them.
inline bytes snd_nke(byte a) { return {0x10, 0x40, a, static_cast<byte>(0x40 + a), 0x16}; }
// C=5B: FCV=1 FCB=0 (what libmbus sends first).
inline bytes req_ud2(byte a) { return {0x10, 0x5B, a, static_cast<byte>(0x5B + a), 0x16}; }
// C=4B: FCV=0, "the current data": every one is a fresh reply with the next access number.
inline bytes req_ud2_current(byte a) { return {0x10, 0x4B, a, static_cast<byte>(0x4B + a), 0x16}; }

struct fixture {
    runtime::runner& runner;
    std::ostringstream& log;
    asio::any_io_executor ex;
    runtime::logger& logger;
};

// A TCP listener on a free local port, served by the runner; returns the port.
inline unsigned short serve_tcp(fixture& fx) {
    auto l = transport::tcp_listener::open(fx.ex, "127.0.0.1:0");
    REQUIRE_MESSAGE(l, l.message);
    const auto port = l->port();
    fx.runner.add(std::move(l.stream));
    return port;
}

// The summary lines `mbus-sim run` logs at exit.
inline void log_summary(fixture& fx) {
    fx.logger.summary(fx.runner.stop_reason().empty() ? "running" : fx.runner.stop_reason(),
                      fx.runner.counters(), fx.runner.elapsed());
    fx.logger.kinds(fx.runner.kind_counters());
}

// Runs body(fixture) with a runner for `sc` on a fresh io_context; when the body ends the runner is
// stopped, and the io_context must then run out of work (everything wound down) within the limit.
template <class F>
void run_with_runner(const scenario::scenario& sc, F&& body, runtime::runner_options options = {},
                     runtime::verbosity level = runtime::verbosity::normal,
                     std::chrono::seconds limit = std::chrono::seconds(30)) {
    asio::io_context io{1};
    std::ostringstream log;
    runtime::runner r(io.get_executor(), sc, options);
    runtime::logger logger(log, level, r.started());
    // As `mbus-sim run` does: a quiet log reads facts only.
    r.subscribe([&logger](const harness::entry& e) { logger.write(e); },
                level == runtime::verbosity::quiet ? runtime::sink_reads::facts
                                                   : runtime::sink_reads::everything);
    INFO("runner log:\n", log.str());
    test::run_async(
        io,
        [&]() -> asio::awaitable<void> {
            try {
                co_await body(fixture{r, log, io.get_executor(), logger});
            } catch (...) {
                r.stop("test over");
                throw;
            }
            r.stop("test over");
        },
        limit);
    CHECK_MESSAGE(io.stopped(), "the runner did not wind down after stop");
}

// Polls `condition` until it holds or the limit passes (for state the runner reaches on its own,
// such as a stop condition; never to wait for readiness).
inline asio::awaitable<bool> eventually(std::function<bool()> condition, duration limit = wait_limit) {
    const auto end = clock::now() + limit;
    while (!condition()) {
        if (clock::now() >= end) co_return false;
        co_await transport::sleep_for(2ms);
    }
    co_return true;
}

// ---- the master's side ----

using mbus::test::open_master;
using mbus::test::read_frame;
using mbus::test::read_n;

template <class Stream>
asio::awaitable<void> send(Stream& s, bytes_view data) {
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(data.data(), data.size()),
                                              asio::as_tuple(asio::use_awaitable));
    REQUIRE_MESSAGE(!ec, ec.message());
    CHECK(n == data.size());
}

inline asio::awaitable<asio::ip::tcp::socket> connect(unsigned short port) {
    asio::ip::tcp::socket s(co_await asio::this_coro::executor);
    auto r = co_await transport::with_timeout(
        s.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::as_tuple(asio::use_awaitable)),
        wait_limit);
    REQUIRE_MESSAGE(r, "connect timed out");
    REQUIRE_MESSAGE(!std::get<0>(*r), std::get<0>(*r).message());
    co_return s;
}

// The CI 72 telegram of a long frame, decoded.
struct identity_seen {
    std::uint32_t id{0};
    std::uint16_t manufacturer{0};
    std::uint8_t access_number{0};
};
inline identity_seen identity_of(const bytes& wire) {
    const auto f = link::decode(wire);
    REQUIRE_MESSAGE(f, "not a frame: ", to_hex(wire));
    REQUIRE(f->value.kind == link::frame_kind::long_frame);
    const auto ud = app::decode(f->value.ci, f->value.data);
    REQUIRE(ud);
    const auto* v = std::get_if<app::variable_data>(&*ud);
    REQUIRE(v != nullptr);
    REQUIRE(v->header.address);
    return {v->header.address->id, v->header.address->manufacturer, v->header.access_number};
}

inline const bytes ack{0xE5};

// What the water meter at address 5 answers to its first REQ_UD2.
inline const bytes water_rsp_ud{
    0x68, 0x15, 0x15, 0x68, // start, L = 21 twice, start
    0x08, 0x05, 0x72,       // C = RSP_UD, A = 5, CI = 72 (long header)
    0x78, 0x56, 0x34, 0x12, // ID 12345678, LSB first
    0x2D, 0x2C,             // manufacturer KAM
    0x01, 0x07,             // version 1, medium water
    0x00, 0x00, 0x00, 0x00, // access number 0, status, signature
    0x0C, 0x13,             // DIF 8-digit BCD, VIF volume in litres
    0x78, 0x56, 0x34, 0x12, // 12345678
    0x27, 0x16,             // checksum, stop
};

// A TCP listener on a free port added to the fixture's runner, and a connection to it.
inline asio::awaitable<asio::ip::tcp::socket> listen_and_connect(fixture fx) {
    auto l = transport::tcp_listener::open(fx.ex, "127.0.0.1:0");
    REQUIRE_MESSAGE(l, l.message);
    const auto port = l->port();
    fx.runner.add(std::move(l.stream));
    co_return co_await connect(port);
}

} // namespace mbus::runtime_test
