// Two byte streams joined in memory.

#include "support.hpp"
#include "support/async.hpp"

#include <mbus/transport/deadline.hpp>
#include <mbus/transport/memory_stream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <array>

using namespace mbus;
namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST_CASE("memory_stream carries bytes both ways in order") {
    test::run_async([]() -> asio::awaitable<void> {
        const auto ex = co_await asio::this_coro::executor;
        auto [a, b] = transport::memory_stream::make_pair(ex, "t");
        CHECK(a->describe() == "memory t");
        const bytes first{0x10, 0x5B}, rest{0x05, 0x60, 0x16}, ack{0xE5}; // a REQ_UD2 in two writes
        CHECK(!co_await a->write(first));
        CHECK(!co_await a->write(rest));
        CHECK(b->available() == 5);
        std::array<byte, 3> buf{};
        auto [ec, n] = co_await b->read_some(buf);
        CHECK(!ec);
        CHECK(n == 3);
        CHECK(bytes(buf.begin(), buf.end()) == bytes{0x10, 0x5B, 0x05});
        CHECK(b->take() == bytes{0x60, 0x16});
        CHECK(!co_await b->write(ack));
        CHECK(a->take() == bytes{0xE5});
    });
}

TEST_CASE("memory_stream wakes a waiting reader and ends it on close") {
    test::run_async([]() -> asio::awaitable<void> {
        const auto ex = co_await asio::this_coro::executor;
        auto [a, b] = transport::memory_stream::make_pair(ex);
        auto* writer = a.get();
        asio::co_spawn(
            ex,
            [writer]() -> asio::awaitable<void> {
                co_await transport::sleep_for(10ms);
                const bytes ack{0xE5};
                co_await writer->write(ack);
                co_await transport::sleep_for(10ms);
                writer->close();
            },
            asio::detached);
        std::array<byte, 8> buf{};
        auto [ec, n] = co_await b->read_some(buf);
        CHECK(!ec);
        CHECK(n == 1);
        auto [ec2, n2] = co_await b->read_some(buf);
        CHECK(ec2 == transport::errc::closed);
        CHECK(n2 == 0);
        const bytes zero{0x00};
        CHECK(co_await b->write(zero) == transport::errc::closed);
    });
}

TEST_CASE("memory_stream read can be cancelled by a deadline") {
    test::run_async([]() -> asio::awaitable<void> {
        const auto ex = co_await asio::this_coro::executor;
        auto [a, b] = transport::memory_stream::make_pair(ex);
        std::array<byte, 8> buf{};
        const auto r = co_await transport::with_timeout(b->read_some(buf), 20ms);
        CHECK_FALSE(r);
        // Still usable afterwards.
        const bytes one{0x01};
        co_await a->write(one);
        auto [ec, n] = co_await b->read_some(buf);
        CHECK(!ec);
        CHECK(n == 1);
    });
}

TEST_CASE("memory_stream reports the line a master sets at the other end") {
    test::run_async([]() -> asio::awaitable<void> {
        const auto ex = co_await asio::this_coro::executor;
        auto [master, bus] = transport::memory_stream::make_pair(ex);
        std::vector<transport::line_settings> seen;
        bus->on_line_change([&](const transport::line_settings& l) { seen.push_back(l); });
        CHECK(bus->baud() == 0);
        master->set_line(2400);
        master->set_line(9600, false);
        CHECK(bus->baud() == 9600);
        CHECK(master->baud() == 0); // the master end's own line is not what it set for the other
        REQUIRE(seen.size() == 2);
        CHECK(seen[0] == transport::line_settings{2400, true, 1});
        CHECK(seen[1] == transport::line_settings{9600, false, 2});
        co_return;
    });
}
