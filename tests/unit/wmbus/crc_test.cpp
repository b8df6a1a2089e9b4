#include <doctest/doctest.h>

#include <mbus/wmbus/crc.hpp>

#include <string_view>

using namespace mbus;

// The check value is the CRC catalogue's (reveng, "CRC-16/EN-13757": check = 0xC2B7 over "123456789"),
// not this code's output.
TEST_CASE("wmbus block CRC is CRC-16/EN-13757") {
    constexpr std::string_view check = "123456789";
    const bytes data(check.begin(), check.end());
    CHECK(wmbus::crc16_en13757(data) == 0xC2B7);
    CHECK(wmbus::crc16_en13757({}) == 0xFFFF);

    bytes out;
    wmbus::append_crc(out, data);
    CHECK(out == bytes{0xC2, 0xB7}); // high byte first on the air
}
