// transport/byte_stream: what the interface promises every session, checked on the TCP stream (the
// pty and serial streams have their own tests): reads return what is there up to the buffer's size,
// writes write everything, the peer's close and our own close() both read as errc::closed.

#include "support.hpp"

#include <mbus/transport/errc.hpp>
#include <mbus/transport/tcp.hpp>

#include <boost/asio/ip/tcp.hpp>

using namespace mbus;
using namespace mbus::test;

namespace {

// A listener on a free port, a plain socket connected to it, and the accepted byte_stream.
struct tcp_pair {
    asio::ip::tcp::socket peer;
    std::unique_ptr<transport::byte_stream> stream; // accept() hands out the interface
};

asio::awaitable<tcp_pair> connect_pair() {
    const auto ex = co_await asio::this_coro::executor;
    auto l = transport::tcp_listener::open(ex, "127.0.0.1:0");
    REQUIRE_MESSAGE(l, l.message);
    asio::ip::tcp::socket peer(ex);
    peer.connect({asio::ip::make_address("127.0.0.1"), l->port()});
    auto [ec, s] = co_await l->accept();
    REQUIRE_FALSE(ec);
    co_return tcp_pair{std::move(peer), std::move(s)};
}

} // namespace

TEST_CASE("byte stream read_some returns what arrived up to the buffer size") {
    run_async([]() -> asio::awaitable<void> {
        auto p = co_await connect_pair();
        const bytes req_ud2{0x10, 0x5B, 0x05, 0x60, 0x16}; // start, C, A, CS, stop
        asio::write(p.peer, asio::buffer(req_ud2));
        bytes small(3);
        auto r = co_await transport::with_timeout(p.stream->read_some(std::span<byte>(small)), wait_limit);
        REQUIRE(r);
        CHECK_FALSE(r->first);
        CHECK(r->second == 3);
        CHECK(small == bytes{0x10, 0x5B, 0x05});
        const auto got1 = co_await read_n(*p.stream, 2);
        CHECK(got1 == bytes{0x60, 0x16}); // the rest is kept for the next read
    });
}

TEST_CASE("byte stream write sends every byte in order") {
    run_async([]() -> asio::awaitable<void> {
        auto p = co_await connect_pair();
        const auto all = every_byte_value();
        const auto got2 = co_await p.stream->write(all);
        CHECK_FALSE(got2);
        const auto got3 = co_await p.stream->write(bytes{});
        CHECK_FALSE(got3); // an empty write is no error
        bytes got(all.size());
        asio::read(p.peer, asio::buffer(got));
        CHECK(got == all);
    });
}

TEST_CASE("byte stream the peer's close reads as closed") {
    run_async([]() -> asio::awaitable<void> {
        auto p = co_await connect_pair();
        p.peer.close();
        std::array<byte, 16> buf{};
        auto r = co_await transport::with_timeout(p.stream->read_some(buf), wait_limit);
        REQUIRE(r);
        CHECK(r->first == transport::errc::closed);
        CHECK(r->first.message() == "connection closed");
    });
}

TEST_CASE("byte stream close ends a pending read and is idempotent") {
    run_async([]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto p = co_await connect_pair();
        CHECK(p.stream->describe().starts_with("tcp 127.0.0.1:"));
        std::array<byte, 16> buf{};
        auto closer = [&]() -> asio::awaitable<void> {
            co_await transport::sleep_for(20ms);
            p.stream->close();
            p.stream->close();
        };
        auto r = co_await (transport::with_timeout(p.stream->read_some(buf), wait_limit) && closer());
        REQUIRE(r);
        CHECK(r->first == transport::errc::closed);
        auto again = co_await transport::with_timeout(p.stream->read_some(buf), wait_limit);
        REQUIRE(again);
        CHECK(again->first == transport::errc::closed);
    });
}

TEST_CASE("byte stream a read cancelled by a deadline leaves the stream usable") {
    run_async([]() -> asio::awaitable<void> {
        auto p = co_await connect_pair();
        std::array<byte, 16> buf{};
        const auto got4 = co_await transport::with_timeout(p.stream->read_some(buf), 20ms);
        CHECK_FALSE(got4);     // nothing came
        const bytes ack{0xE5}; // single character
        asio::write(p.peer, asio::buffer(ack));
        const auto got5 = co_await read_n(*p.stream, 1);
        CHECK(got5 == ack);
    });
}
