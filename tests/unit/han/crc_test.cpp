#include <doctest/doctest.h>

#include <mbus/han/crc.hpp>

#include <string_view>

using namespace mbus;

// The check value is the CRC catalogue's (reveng, "CRC-16/IBM-SDLC", alias X-25: check = 0x906E over
// "123456789"), not this code's output.
TEST_CASE("han CRC is CRC-16/X.25") {
    constexpr std::string_view check = "123456789";
    const bytes data(check.begin(), check.end());
    CHECK(han::crc16_x25(data) == 0x906E);
    CHECK(han::crc16_x25({}) == 0x0000); // FFFF complemented

    bytes out;
    han::append_crc(out, data);
    CHECK(out == bytes{0x6E, 0x90}); // low byte first, as HDLC sends it
}

// The header check sequence of a real Aidon frame (toreamun/amshan tests/test_hdlc.py).
TEST_CASE("han CRC matches an Aidon frame's HCS") {
    const bytes header{0xA0,
                       0x2A,
                       /* format: type 3, length 42 */ 0x41,
                       /* destination */ 0x08,
                       0x83,
                       /* source */ 0x13 /* control */};
    CHECK(han::crc16_x25(header) == 0x1304); // sent as 04 13
}
