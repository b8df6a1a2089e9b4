// A serial device opened from the master's side: errors name the device; bytes pass both ways; what
// carries the bytes (carrier) and reads that never wait (try_read), here and on the other streams.
// (The peer support of the master tests gives both ends of a pty line.)

#include "../master/peer.hpp"

#include <mbus/transport/memory_stream.hpp>

using namespace mbus;
using namespace mbus::test;

TEST_CASE("serial device open names a device that does not exist") {
    asio::io_context io;
    auto s = transport::open_serial_device(io.get_executor(), "/dev/mbus-no-such-device", 2400);
    CHECK_FALSE(s);
    CHECK(s.error == std::errc::no_such_file_or_directory);
    CHECK(s.message.find("/dev/mbus-no-such-device") != std::string::npos);
}

const bytes snd_nke_1{0x10, 0x40, 0x01, 0x41, 0x16}; // SND_NKE to 1

TEST_CASE("serial device opens a pty at 8E1 and bytes pass both ways") {
    run_master_test([]() -> asio::awaitable<void> {
        auto l = co_await open_pty_line();
        auto* s = dynamic_cast<transport::serial_device*>(l.master.get());
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

TEST_CASE("serial device knows a pty and reads what has arrived without waiting") {
    run_master_test([]() -> asio::awaitable<void> {
        auto l = co_await open_pty_line();
        CHECK(l.master->carried_by() == transport::carrier::pty);
        bytes buf(16);
        auto n = l.master->try_read(buf);
        REQUIRE(n);
        CHECK(*n == 0); // nothing yet, and no wait for it
        const bytes e5{0xE5};
        CHECK_FALSE(co_await l.slave->write(e5));
        // The bytes cross the pty in the kernel: a read with a deadline says when they are there.
        auto r = co_await transport::with_timeout(l.master->read_some(buf), 5s);
        REQUIRE(r);
        CHECK(r->second == 1);
        CHECK_FALSE(co_await l.slave->write(e5));
        co_await transport::sleep_for(50ms); // let the kernel move the byte across
        n = l.master->try_read(buf);
        REQUIRE(n);
        CHECK(*n == 1);
        CHECK(buf[0] == 0xE5);
    });
}

TEST_CASE("a tcp line and a memory stream are streams and read without waiting") {
    run_master_test([]() -> asio::awaitable<void> {
        auto l = co_await open_tcp_line();
        CHECK(l.master->carried_by() == transport::carrier::stream);
        bytes buf(16);
        auto n = l.master->try_read(buf);
        REQUIRE(n);
        CHECK(*n == 0);
        auto [a, b] = transport::memory_stream::make_pair(co_await asio::this_coro::executor);
        CHECK(a->carried_by() == transport::carrier::stream);
        const bytes two{0xE5, 0xE5};
        CHECK_FALSE(co_await b->write(two));
        n = a->try_read(buf);
        REQUIRE(n);
        CHECK(*n == 2);
        CHECK(transport::name(transport::carrier::uart) == "uart");
    });
}
