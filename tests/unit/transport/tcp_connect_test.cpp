// Connecting to a TCP line from the master's side: errors name the address.

#include "../master/peer.hpp"

using namespace mbus;
using namespace mbus::test;

TEST_CASE("connect_tcp refuses a malformed address") {
    run_master_test([]() -> asio::awaitable<void> {
        auto c = co_await transport::connect_tcp("no-port-here", 1s);
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
        auto c = co_await transport::connect_tcp("127.0.0.1:" + std::to_string(port), 2s);
        CHECK_FALSE(c);
        CHECK(c.error == std::errc::connection_refused);
        CHECK(c.message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    });
}
