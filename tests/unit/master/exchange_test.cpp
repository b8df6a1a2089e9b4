// master/exchange: send, collect and exchange on in-memory streams, with their transcript entries,
// and the timing windows.

#include <mbus/link/errc.hpp>
#include <mbus/master/exchange.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/errc.hpp>
#include <mbus/transport/memory_stream.hpp>

#include "support/async.hpp"

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace mbus;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const bytes snd_nke{0x10, 0x40, 0x05, 0x45, 0x16}; // start, C = SND_NKE, A = 5, CS, stop

master::timing quick() {
    master::timing t;
    t.response_timeout = 50ms;
    t.gap_timeout = 20ms;
    t.max_reply = 1s;
    return t;
}

struct recorder {
    std::vector<master::transcript_entry> entries;
    master::transcript_hook hook() {
        return [this](const master::transcript_entry& e) { entries.push_back(e); };
    }
    std::vector<std::string> kinds() const {
        std::vector<std::string> out;
        for (const auto& e : entries)
            out.push_back(std::string(master::name(e.kind)));
        return out;
    }
};

} // namespace

TEST_CASE("master send writes the bytes and logs them with their frame") {
    test::run_async([]() -> asio::awaitable<void> {
        auto [m, bus] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
        recorder l;
        const auto sent = co_await master::send(*m, snd_nke, l.hook(), 2);
        CHECK(sent);
        CHECK(bus->take() == snd_nke);
        REQUIRE(l.entries.size() == 1);
        CHECK(l.entries[0].kind == master::transcript_kind::sent);
        CHECK(l.entries[0].raw == snd_nke);
        CHECK(l.entries[0].frame == link::frame::short_frame(0x40, 0x05));
        CHECK(l.entries[0].attempt == 2);
        // Bytes that are no frame are sent as they are, with no frame logged.
        const bytes junk{0x10, 0x40};
        CHECK(co_await master::send(*m, junk, l.hook()));
        CHECK_FALSE(l.entries[1].frame);
    });
}

TEST_CASE("master collect takes an answer already on the line") {
    test::run_async([]() -> asio::awaitable<void> {
        auto [m, bus] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
        const bytes ack{0xE5};
        CHECK_FALSE(co_await bus->write(ack));
        recorder l;
        const auto r = co_await master::collect(*m, quick(), l.hook());
        REQUIRE(r);
        CHECK(r->kind == master::reply_kind::ack);
        CHECK(r->raw == bytes{0xE5});
        CHECK(l.kinds() == std::vector<std::string>{"received"});
    });
}

TEST_CASE("master collect on a quiet line is no answer and logs a timeout") {
    test::run_async([]() -> asio::awaitable<void> {
        auto [m, bus] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
        recorder l;
        const auto start = clock::now();
        const auto r = co_await master::collect(*m, quick(), l.hook());
        REQUIRE(r);
        CHECK(r->kind == master::reply_kind::none);
        CHECK(r->raw.empty());
        CHECK(clock::now() - start >= quick().response_timeout);
        CHECK(l.kinds() == std::vector<std::string>{"timeout"});
    });
}

TEST_CASE("master collect logs bytes that are no frame as junk") {
    test::run_async([]() -> asio::awaitable<void> {
        auto [m, bus] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
        const bytes bad{0x10, 0x40, 0x05, 0x46, 0x16}; // SND_NKE with CS one off
        CHECK_FALSE(co_await bus->write(bad));
        recorder l;
        const auto r = co_await master::collect(*m, quick(), l.hook());
        REQUIRE(r);
        CHECK(r->kind == master::reply_kind::garbled);
        REQUIRE_FALSE(l.entries.empty());
        CHECK(l.entries[0].kind == master::transcript_kind::junk);
        CHECK(l.entries[0].error);
    });
}

TEST_CASE("master exchange drops stale bytes before it sends") {
    test::run_async([]() -> asio::awaitable<void> {
        auto [m, bus] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
        const bytes late{0xE5}; // a late answer to an earlier request
        CHECK_FALSE(co_await bus->write(late));
        recorder l;
        const auto r = co_await master::exchange(*m, link::frame::short_frame(0x40, 0x05), quick(), l.hook());
        REQUIRE(r);
        CHECK(r->kind == master::reply_kind::none); // the stale E5 is not this request's answer
        CHECK(l.kinds() == std::vector<std::string>{"stale", "sent", "timeout"});
        CHECK(l.entries[0].raw == bytes{0xE5});
        CHECK(bus->take() == snd_nke);
    });
}

TEST_CASE("master exchange refuses a frame that does not encode and a closed line") {
    test::run_async([]() -> asio::awaitable<void> {
        auto [m, bus] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
        const auto too_long = link::frame::long_frame(0x53, 0x05, 0x51, bytes(253, 0x00));
        const auto r = co_await master::exchange(*m, too_long, quick());
        REQUIRE_FALSE(r);
        CHECK(r.error() == link::errc::too_long);
        CHECK(bus->available() == 0); // nothing was written
        bus->close();
        const auto closed = co_await master::exchange(*m, snd_nke, quick());
        REQUIRE_FALSE(closed);
        CHECK(closed.error() == transport::errc::closed);
    });
}

TEST_CASE("timing prints its windows in milliseconds") {
    std::ostringstream os;
    os << quick();
    CHECK(os.str() == "response 50 ms, gap 20 ms, max 1000 ms, settle 0 us");
    std::ostringstream wire;
    wire << master::timing::for_line(transport::carrier::uart, 2400);
    CHECK(wire.str() == "response 207 ms, gap 65 ms, max 2665 ms, whole window, requests at 2400 baud");
}

TEST_CASE("timing for_line follows the EN 13757-2 response window") {
    using namespace std::chrono;
    using transport::carrier;
    const auto t2400 = master::timing::for_line(carrier::stream, 2400);
    // 330 bit times at 2400 baud is 137.5 ms; +50 ms standard, +50 ms for a gateway and a network.
    CHECK(t2400.response_timeout == microseconds(137'500 + 100'000));
    CHECK(t2400.settle == mbus::duration::zero());
    CHECK_FALSE(t2400.whole_window);
    CHECK(t2400.request_baud == 0);
    const auto t300 = master::timing::for_line(carrier::stream, 300);
    CHECK(t300.response_timeout == microseconds(1'100'000 + 100'000));
    CHECK(t300.gap_timeout > t2400.gap_timeout);
    CHECK(master::timing::for_line(carrier::stream, 0) == t2400);
    CHECK(master::timing::for_baud(2400) == t2400);
    CHECK(t2400.max_reply > t2400.response_timeout + 261 * char_time(2400));
    // A pty and a serial port: +20 ms. A pty waits two characters after a complete answer; a
    // serial port listens to the whole window, which opens once the request has left.
    const auto pty = master::timing::for_line(carrier::pty, 2400);
    CHECK(pty.response_timeout == microseconds(137'500 + 70'000));
    CHECK(pty.settle == 2 * char_time(2400));
    CHECK_FALSE(pty.whole_window);
    const auto uart = master::timing::for_line(carrier::uart, 2400);
    CHECK(uart.response_timeout == microseconds(137'500 + 70'000));
    CHECK(uart.whole_window);
    CHECK(uart.request_baud == 2400);
    const auto now = clock::now();
    CHECK(master::window_opens(uart, 5, now) == now + microseconds(22'916)); // 55 bits at 2400 baud
    CHECK(master::window_opens(pty, 5, now) == now);
}

namespace {

// Writes `wire` on `bus` after `pause`, while the master collects.
asio::awaitable<void> write_later(transport::memory_stream& bus, bytes wire, duration pause) {
    co_await transport::sleep_for(pause);
    co_await bus.write(wire);
}

} // namespace

TEST_CASE("master collect ends at once after a complete answer where nothing can follow it") {
    // Every wait that could follow the answer is long: had collect waited any of them, the call
    // would take seconds. A socket (settle 0) ends with the E5, and with a whole RSP_UD.
    test::run_async([]() -> asio::awaitable<void> {
        auto [m, bus] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
        auto t = quick();
        t.response_timeout = 20s;
        t.gap_timeout = 20s;
        t.max_reply = 60s;
        const bytes ack{0xE5};
        CHECK_FALSE(co_await bus->write(ack));
        auto start = clock::now();
        auto r = co_await master::collect(*m, t);
        REQUIRE(r);
        CHECK(r->kind == master::reply_kind::ack);
        CHECK(clock::now() - start < 10s);
        const bytes rsp_ud{0x68, 0x03, 0x03, 0x68, 0x08, 0x05, 0x72, 0x7F, 0x16}; // start, L, L, start, C, A,
                                                                                  // CI, CS, stop
        CHECK_FALSE(co_await bus->write(rsp_ud));
        start = clock::now();
        r = co_await master::collect(*m, t);
        REQUIRE(r);
        CHECK(r->kind == master::reply_kind::frame);
        CHECK(clock::now() - start < 10s);
    });
}

TEST_CASE("master collect still sees bytes after a complete answer") {
    SUBCASE("in the same read") {
        test::run_async([]() -> asio::awaitable<void> {
            auto [m, bus] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
            const bytes two{0xE5, 0xE5}; // a second slave's E5 right after the first
            CHECK_FALSE(co_await bus->write(two));
            const auto r = co_await master::collect(*m, quick());
            REQUIRE(r);
            CHECK(r->kind == master::reply_kind::extra_after_ack);
        });
    }
    SUBCASE("within the settling time") {
        test::run_async([]() -> asio::awaitable<void> {
            const auto ex = co_await asio::this_coro::executor;
            auto [m, bus] = transport::memory_stream::make_pair(ex);
            auto t = quick();
            t.settle = 10s; // the second E5 comes 50 ms after the first: well inside
            const bytes ack{0xE5};
            CHECK_FALSE(co_await bus->write(ack));
            asio::co_spawn(ex, write_later(*bus, {0xE5}, 50ms), asio::detached);
            const auto r = co_await master::collect(*m, t);
            REQUIRE(r);
            CHECK(r->kind == master::reply_kind::extra_after_ack);
        });
    }
    SUBCASE("within the whole window on a wire") {
        test::run_async([]() -> asio::awaitable<void> {
            const auto ex = co_await asio::this_coro::executor;
            auto [m, bus] = transport::memory_stream::make_pair(ex);
            auto t = quick();
            t.response_timeout = 10s; // a second slave may start anywhere in it
            t.whole_window = true;
            const bytes ack{0xE5};
            CHECK_FALSE(co_await bus->write(ack));
            asio::co_spawn(ex, write_later(*bus, {0xE5}, 50ms), asio::detached);
            const auto start = clock::now();
            const auto r = co_await master::collect(*m, t);
            REQUIRE(r);
            CHECK(r->kind == master::reply_kind::extra_after_ack);
            CHECK(clock::now() - start >= 50ms);
        });
    }
}

TEST_CASE("master collect waits for the gap after a partial frame") {
    // A cut-off long frame ends with the gap, as junk: a partial answer is never complete.
    test::run_async([]() -> asio::awaitable<void> {
        auto [m, bus] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
        const bytes cut{0x68, 0x03, 0x03, 0x68, 0x08}; // start, L, L, start, C: and no more
        CHECK_FALSE(co_await bus->write(cut));
        const auto start = clock::now();
        const auto r = co_await master::collect(*m, quick());
        REQUIRE(r);
        CHECK(r->kind == master::reply_kind::garbled);
        CHECK(clock::now() - start >= quick().gap_timeout);
    });
}
