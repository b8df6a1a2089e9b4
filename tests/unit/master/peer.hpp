#pragma once
// A scripted slave for the master's tests: it sits on the simulator's side of a real line (a pty or
// a TCP connection), records every frame the master sends, and answers each with the next scripted
// answer (bytes, in chunks and with pauses when a test needs them, or silence).

#include "support/async.hpp"

#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/link/stream_parser.hpp>
#include <mbus/master/exchange.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/pty.hpp>
#include <mbus/transport/serial_device.hpp>
#include <mbus/transport/tcp.hpp>
#include <mbus/transport/tcp_connect.hpp>

#include <doctest/doctest.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <array>
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mbus::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// run_async with the master tests' longer deadline (a test may try both lines in turn).
template <class F>
void run_master_test(F&& body, std::chrono::seconds limit = std::chrono::seconds(60)) {
    run_async(std::forward<F>(body), limit);
}

// Windows for tests on a machine that may be busy: short enough that a silent peer costs little,
// long enough that a peer answering at once is never late.
inline master::timing test_timing() {
    master::timing t;
    t.response_timeout = 300ms;
    t.gap_timeout = 100ms;
    t.max_reply = 3s;
    return t;
}

struct answer {
    std::vector<bytes> chunks; // written one after another; none: silence
    duration pause{0};         // before each chunk
};
inline answer silence() { return {}; }
inline answer say(bytes b) { return {{std::move(b)}, {}}; }
inline answer say_after(bytes b, duration pause) { return {{std::move(b)}, pause}; }
// One byte per chunk, as a slave's UART sends them.
inline answer paced(const bytes& b, duration pause) {
    answer a;
    for (byte x : b)
        a.chunks.push_back({x});
    a.pause = pause;
    return a;
}

struct peer {
    std::vector<answer> script;  // one per request frame, in order; requests beyond it get silence
    std::vector<bytes> requests; // every frame the master sent, as on the wire
    std::vector<bytes> junk;     // bytes from the master that were no frame (there should be none)
};

inline peer scripted(std::vector<answer> script) {
    peer p;
    p.script = std::move(script);
    return p;
}

// Serves until the stream is closed (the test closes it when the master is done).
inline asio::awaitable<void> serve(transport::byte_stream& s, peer& p) {
    link::stream_parser parser(std::chrono::microseconds(200'000));
    std::array<byte, 512> buf{};
    std::size_t next = 0;
    for (;;) {
        auto r = co_await transport::with_timeout(s.read_some(buf), 30s);
        if (!r || r->first) co_return;
        for (auto& e : parser.feed(bytes_view(buf.data(), r->second), clock::now())) {
            if (!e.is_frame()) {
                p.junk.push_back(e.raw);
                continue;
            }
            p.requests.push_back(e.raw);
            const answer a = next < p.script.size() ? p.script[next] : answer{};
            ++next;
            for (const auto& chunk : a.chunks) {
                if (a.pause > duration::zero()) co_await transport::sleep_for(a.pause);
                if (co_await s.write(chunk)) co_return;
            }
        }
    }
}

// Both ends of a line: the slave's (served by the peer) and the master's.
struct line {
    std::string kind; // "pty" or "tcp"
    std::unique_ptr<transport::byte_stream> slave;
    std::unique_ptr<transport::byte_stream> master;
};

inline asio::awaitable<line> open_pty_line() {
    const auto ex = co_await asio::this_coro::executor;
    auto p = transport::pty::open(ex);
    REQUIRE_MESSAGE(p, p.message);
    auto m = transport::open_serial_device(ex, p->slave_path(), 2400);
    REQUIRE_MESSAGE(m, m.message);
    co_return line{"pty", std::move(p.stream), std::move(m.stream)};
}

inline asio::awaitable<line> open_tcp_line() {
    using namespace asio::experimental::awaitable_operators;
    const auto ex = co_await asio::this_coro::executor;
    auto l = transport::tcp_listener::open(ex, "127.0.0.1:0");
    REQUIRE_MESSAGE(l, l.message);
    auto [accepted, connected] =
        co_await (l->accept() && transport::connect_tcp("127.0.0.1:" + std::to_string(l->port()), 5s));
    REQUIRE_FALSE(accepted.first);
    REQUIRE_MESSAGE(connected, connected.message);
    co_return line{"tcp", std::move(accepted.second), std::move(connected.stream)};
}

// Runs `drive(master_stream)` against a peer on a pty and again on TCP; returns nothing, the body
// checks. `make_peer` gives a fresh script for each line.
template <class MakePeer, class Drive>
asio::awaitable<void> on_both_lines(MakePeer make_peer, Drive drive) {
    using namespace asio::experimental::awaitable_operators;
    for (int which = 0; which < 2; ++which) {
        line l;
        // Not `which ? co_await a : co_await b`: GCC 12 miscompiles co_await in a conditional.
        if (which == 0)
            l = co_await open_pty_line();
        else
            l = co_await open_tcp_line();
        INFO("line: ", l.kind);
        peer p = make_peer();
        auto run = [&]() -> asio::awaitable<void> {
            co_await drive(*l.master, p);
            l.slave->close();
        };
        co_await (serve(*l.slave, p) && run());
    }
}

} // namespace mbus::test
