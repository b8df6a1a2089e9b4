#include "support.hpp"

#include <mbus/transport/tcp.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

using namespace mbus;
using namespace mbus::test;
using asio::ip::tcp;
using transport::tcp_listener;

// As in pty_test.cpp: every co_await in a plain statement (GCC 12 and temporaries).

namespace {

const bytes ack{0xE5};                               // single character acknowledgement
const bytes req_ud2_1{0x10, 0x5B, 0x01, 0x5C, 0x16}; // start, C = REQ_UD2, A = 1, CS, stop
const bytes snd_nke_2{0x10, 0x40, 0x02, 0x42, 0x16}; // start, C = SND_NKE, A = 2, CS, stop

asio::awaitable<std::unique_ptr<transport::byte_stream>> accept_one(tcp_listener& l) {
    auto r = co_await transport::with_timeout(l.accept(), wait_limit);
    REQUIRE(r.has_value());
    REQUIRE_FALSE(r->first);
    co_return std::move(r->second);
}

asio::awaitable<tcp::socket> connect_to(unsigned short port) {
    auto ex = co_await asio::this_coro::executor;
    tcp::socket s(ex);
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    auto r = co_await transport::with_timeout(s.async_connect(ep, asio::as_tuple(asio::use_awaitable)),
                                              wait_limit);
    REQUIRE(r.has_value());
    REQUIRE_FALSE(std::get<0>(*r));
    co_return s;
}

// Reads n bytes as a client; fewer when the server closes or the deadline passes.
asio::awaitable<bytes> client_read(tcp::socket& s, std::size_t n) {
    bytes out(n);
    auto op = asio::async_read(s, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    auto r = co_await transport::with_timeout(std::move(op), wait_limit);
    out.resize(r ? std::get<1>(*r) : 0);
    co_return out;
}

asio::awaitable<void> client_write(tcp::socket& s, const bytes& b) {
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(b), asio::as_tuple(asio::use_awaitable));
    REQUIRE_FALSE(ec);
    REQUIRE(n == b.size());
}

} // namespace

TEST_CASE("tcp listener on port 0 picks a free loopback port") {
    run_async([]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto l = tcp_listener::open(ex, "0");
        REQUIRE_MESSAGE(l, l.message);
        CHECK(l->port() != 0);
        CHECK(l->local_endpoint().address() == asio::ip::make_address("127.0.0.1"));
        CHECK(l->describe() == "tcp 127.0.0.1:" + std::to_string(l->port()));
    });
}

TEST_CASE("tcp serves two clients and a dropped client ends only its session") {
    run_async([]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto l = tcp_listener::open(ex, "127.0.0.1:0");
        REQUIRE(l);
        auto a = co_await connect_to(l->port());
        auto sa = co_await accept_one(*l);
        auto b = co_await connect_to(l->port());
        auto sb = co_await accept_one(*l);
        CHECK(sa->describe() == "tcp 127.0.0.1:" + std::to_string(l->port()) +
                                    " <- 127.0.0.1:" + std::to_string(a.local_endpoint().port()));

        co_await client_write(a, req_ud2_1);
        co_await client_write(b, snd_nke_2);
        const bytes got_a = co_await read_n(*sa, req_ud2_1.size());
        const bytes got_b = co_await read_n(*sb, snd_nke_2.size());
        CHECK(got_a == req_ud2_1);
        CHECK(got_b == snd_nke_2);
        const auto wa = co_await sa->write(ack);
        REQUIRE_FALSE(wa);
        const bytes all = every_byte_value();
        for (std::size_t i = 0; i < all.size(); ++i) { // paced writes: one byte each
            const auto wb = co_await sb->write(bytes_view(all).subspan(i, 1));
            REQUIRE_FALSE(wb);
        }
        const bytes reply_a = co_await client_read(a, 1);
        const bytes reply_b = co_await client_read(b, all.size());
        CHECK(reply_a == ack);
        CHECK(reply_b == all);

        a.close(); // client A drops
        std::array<byte, 8> buf{};
        auto ra = co_await transport::with_timeout(sa->read_some(buf), wait_limit);
        REQUIRE(ra.has_value());
        CHECK(ra->first == transport::errc::closed);

        // B goes on, and new clients are still accepted.
        co_await client_write(b, req_ud2_1);
        const bytes again_b = co_await read_n(*sb, req_ud2_1.size());
        CHECK(again_b == req_ud2_1);
        const auto wb2 = co_await sb->write(ack);
        REQUIRE_FALSE(wb2);
        const bytes reply_b2 = co_await client_read(b, 1);
        CHECK(reply_b2 == ack);
        auto c = co_await connect_to(l->port());
        auto sc = co_await accept_one(*l);
        co_await client_write(c, snd_nke_2);
        const bytes got_c = co_await read_n(*sc, snd_nke_2.size());
        CHECK(got_c == snd_nke_2);
    });
}

TEST_CASE("tcp read_some gives way to a deadline and close ends it") {
    run_async([]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto l = tcp_listener::open(ex, "0");
        REQUIRE(l);
        auto a = co_await connect_to(l->port());
        auto sa = co_await accept_one(*l);
        std::array<byte, 8> buf{};
        auto r = co_await transport::with_timeout(sa->read_some(buf), std::chrono::milliseconds(30));
        CHECK_FALSE(r.has_value()); // nothing sent: the deadline wins and the read is cancelled
        co_await client_write(a, ack);
        const bytes got = co_await read_n(*sa, 1);
        CHECK(got == ack); // the stream still works after the cancel
        sa->close();
        auto r2 = co_await transport::with_timeout(sa->read_some(buf), wait_limit);
        REQUIRE(r2.has_value());
        CHECK(r2->first == transport::errc::closed);
        const auto wec = co_await sa->write(ack);
        CHECK(wec == transport::errc::closed);
        const bytes after = co_await client_read(a, 1);
        CHECK(after.empty()); // the client sees the close
    });
}

TEST_CASE("tcp listen addresses") {
    using transport::host_port;
    using transport::parse_host_port;
    CHECK(parse_host_port("5000") == host_port{"127.0.0.1", 5000});
    CHECK(parse_host_port(":5000") == host_port{"127.0.0.1", 5000});
    CHECK(parse_host_port("0.0.0.0:5000") == host_port{"0.0.0.0", 5000});
    CHECK(parse_host_port("[::1]:0") == host_port{"::1", 0});
    CHECK_FALSE(parse_host_port(""));
    CHECK_FALSE(parse_host_port("host:"));
    CHECK_FALSE(parse_host_port("127.0.0.1:70000"));
    CHECK_FALSE(parse_host_port("127.0.0.1:50x"));
    CHECK_FALSE(parse_host_port("[::1]5000"));
    run_async([]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto bad = tcp_listener::open(ex, "meter.example:5000");
        CHECK(bad.error == transport::errc::bad_endpoint);
        CHECK(bad.message.find("meter.example:5000") != std::string::npos);
        auto in_use = tcp_listener::open(ex, "0");
        REQUIRE(in_use);
        auto again = tcp_listener::open(ex, std::to_string(in_use->port()));
        CHECK(again.error == std::errc::address_in_use);
        CHECK(again.message.find(std::to_string(in_use->port())) != std::string::npos);
    });
}
