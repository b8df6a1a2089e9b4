// A serial device opened from the master's side: errors name the device; bytes pass both ways.
// (The peer support of the master tests gives both ends of a pty line.)

#include "../master/peer.hpp"

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
