// transport/termios_speed: baud rates to termios speed codes and back, and what "raw" means for a
// master's line settings.

#include <mbus/transport/termios_speed.hpp>

#include <doctest/doctest.h>

#include <termios.h>

using namespace mbus;

TEST_CASE("termios speed codes cover the M-Bus rates") {
    for (unsigned baud : {300u, 600u, 1200u, 2400u, 4800u, 9600u, 19200u, 38400u}) {
        const auto code = transport::speed_code(baud);
        REQUIRE(code);
        CHECK(transport::baud_of(*code) == baud);
    }
    CHECK(transport::speed_code(2400) == B2400);
    CHECK(transport::speed_code(38400) == B38400);
    CHECK_FALSE(transport::speed_code(0));
    CHECK_FALSE(transport::speed_code(2401));
    CHECK(transport::baud_of(B0) == 0);
}

TEST_CASE("termios is_raw after cfmakeraw and not with any one cooking flag") {
    termios t{};
    cfmakeraw(&t);
    CHECK(transport::is_raw(t));
    // Each of these changes or eats some byte values of a binary reply.
    const tcflag_t lflags[] = {ICANON, ECHO, ECHONL, ISIG, IEXTEN};
    for (const auto f : lflags) {
        termios c = t;
        c.c_lflag |= f;
        CHECK_FALSE(transport::is_raw(c));
    }
    const tcflag_t iflags[] = {ICRNL, INLCR, IGNCR, ISTRIP, IXON, PARMRK};
    for (const auto f : iflags) {
        termios c = t;
        c.c_iflag |= f;
        CHECK_FALSE(transport::is_raw(c));
    }
    termios c = t;
    c.c_oflag |= OPOST;
    CHECK_FALSE(transport::is_raw(c));
    // Framing settings do not cook bytes: 8E1 with a parity check on input is still raw.
    c = t;
    c.c_cflag |= PARENB | CS8;
    c.c_iflag |= INPCK;
    CHECK(transport::is_raw(c));
}
