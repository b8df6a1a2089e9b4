#include <doctest/doctest.h>

#include <mbus/core/crc.hpp>

#include <string_view>

using namespace mbus;

// The check value is the CRC catalogue's (reveng, "CRC-16/IBM-SDLC", alias X-25), not this code's output.
TEST_CASE("core CRC-16/X.25 gives the catalogue's check value") {
    constexpr std::string_view check = "123456789";
    CHECK(crc16_x25(bytes(check.begin(), check.end())) == 0x906E);
    CHECK(crc16_x25({}) == 0x0000); // FFFF complemented
}
