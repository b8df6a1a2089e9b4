// The master's openers: errors name what could not be opened.

#include "peer.hpp"

using namespace mbus;
using namespace mbus::test;

TEST_CASE("connect_tcp refuses a malformed address") {
    run_master_test([]() -> asio::awaitable<void> {
        auto c = co_await master::connect_tcp("no-port-here", 1s);
        CHECK_FALSE(c);
        CHECK(c.error == transport::errc::bad_endpoint);
        CHECK(c.message.find("no-port-here") != std::string::npos);
    });
}

TEST_CASE("connect_tcp reports a refused connection") {
    run_master_test([]() -> asio::awaitable<void> {
        // A port that was free a moment ago: open a listener on port 0, note the port, close it.
        unsigned short port = 0;
        {
            auto l = transport::tcp_listener::open(co_await asio::this_coro::executor, "127.0.0.1:0");
            REQUIRE(l);
            port = l->port();
        }
        auto c = co_await master::connect_tcp("127.0.0.1:" + std::to_string(port), 2s);
        CHECK_FALSE(c);
        CHECK(c.error == std::errc::connection_refused);
        CHECK(c.message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    });
}

TEST_CASE("open_serial names a device that does not exist") {
    asio::io_context io;
    auto s = master::open_serial(io.get_executor(), "/dev/mbus-no-such-device", 2400);
    CHECK_FALSE(s);
    CHECK(s.error == std::errc::no_such_file_or_directory);
    CHECK(s.message.find("/dev/mbus-no-such-device") != std::string::npos);
}

const bytes snd_nke_1{0x10, 0x40, 0x01, 0x41, 0x16}; // SND_NKE to 1

TEST_CASE("open_serial opens a pty at 8E1 and bytes pass both ways") {
    run_master_test([]() -> asio::awaitable<void> {
        auto l = co_await open_pty_line();
        auto* s = dynamic_cast<master::device_stream*>(l.master.get());
        REQUIRE(s != nullptr);
        CHECK(s->baud() == 2400);
        CHECK_FALSE(s->parity_applied()); // a pty keeps no parity; the frames' checksums remain
        const auto written = co_await l.master->write(snd_nke_1);
        CHECK_FALSE(written);
        bytes buf(16);
        auto r = co_await transport::with_timeout(l.slave->read_some(buf), 5s);
        REQUIRE(r);
        buf.resize(r->second);
        CHECK(buf == snd_nke_1);
    });
}
