#include "support.hpp"

#include <mbus/transport/pty.hpp>
#include <mbus/transport/serial.hpp>

using namespace mbus;
using namespace mbus::test;
using transport::serial_options;
using transport::serial_port;

TEST_CASE("serial opens a pty slave raw at 2400 8E1 and carries bytes both ways") {
    run_async([]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        auto p = transport::pty::open(ex);
        REQUIRE(p);
        const serial_options options{p->slave_path(), 2400, transport::parity::even};
        for (int open = 0; open < 2; ++open) { // the same settings twice: the second open must work too
            const auto seen = p->line().changes;
            auto s = serial_port::open(ex, options);
            REQUIRE_MESSAGE(s, s.message);
            CHECK(s->baud() == 2400);
            CHECK_FALSE(s->parity_applied()); // a pty has no parity
            CHECK(s->describe() == "serial " + p->slave_path() + " 2400 8E1 (the device ignores parity)");
            auto line = co_await transport::with_timeout(p->wait_line_change(seen), wait_limit);
            REQUIRE(line.has_value());
            CHECK(line->baud == 2400);
            CHECK(line->raw);

            const bytes all = every_byte_value();
            const auto w1 = co_await s->write(all);
            REQUIRE_FALSE(w1);
            const bytes at_pty = co_await read_n(*p, all.size());
            CHECK(at_pty == all);
            const auto w2 = co_await p->write(all);
            REQUIRE_FALSE(w2);
            const bytes at_serial = co_await read_n(*s, all.size());
            CHECK(at_serial == all);

            s->close();
            std::array<byte, 4> buf{};
            auto r = co_await transport::with_timeout(s->read_some(buf), wait_limit);
            REQUIRE(r.has_value());
            CHECK(r->first == transport::errc::closed);
        }
    });
}

TEST_CASE("serial names the device it cannot open") {
    run_async([]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        const serial_options missing_device{"/dev/ttyUSB-mbus-sim-missing", 2400, transport::parity::even};
        auto missing = serial_port::open(ex, missing_device);
        CHECK_FALSE(missing);
        CHECK(missing.error == std::errc::no_such_file_or_directory);
        CHECK(missing.message == "cannot open /dev/ttyUSB-mbus-sim-missing: No such file or directory");

        const serial_options odd_rate{"/dev/ttyUSB0", 12345, transport::parity::even};
        auto rate = serial_port::open(ex, odd_rate);
        CHECK(rate.error == transport::errc::unsupported_baud);
        CHECK(rate.message == "/dev/ttyUSB0: unsupported baud rate 12345");

        const serial_options not_serial{"/dev/null", 2400, transport::parity::even};
        auto not_tty = serial_port::open(ex, not_serial);
        CHECK(not_tty.error == transport::errc::not_a_tty);
        CHECK(not_tty.message == "/dev/null is not a serial device");
    });
}
