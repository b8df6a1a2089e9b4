#include <doctest/doctest.h>

#include <mbus/core/bytes.hpp>
#include <mbus/core/errc.hpp>

using namespace mbus;

TEST_CASE("core hex reads the layouts found in real files") {
    CHECK(from_hex("68 03 03 68").value() == bytes{0x68, 0x03, 0x03, 0x68});
    CHECK(from_hex("6803\r\n0368\n").value() == bytes{0x68, 0x03, 0x03, 0x68});
    CHECK(from_hex("0x10 0x5B,0xFD:58 16").value() == bytes{0x10, 0x5B, 0xFD, 0x58, 0x16});
    CHECK(from_hex("D 3F").value() == bytes{0x0D, 0x3F}); // libmbus reads a lone digit as a byte
}

TEST_CASE("core hex rejects what is not hex") {
    CHECK(from_hex("68 0G").error() == errc::invalid_hex);
    CHECK(from_hex("").error() == errc::empty_input);
    CHECK(from_hex(" \r\n").error() == errc::empty_input);
    CHECK(from_hex("123").value() == bytes{0x12, 0x03});
    CHECK(from_hex("12x").error() == errc::invalid_hex);
}

TEST_CASE("core hex writes upper case with separators") {
    CHECK(to_hex(bytes{0xE5}) == "E5");
    CHECK(to_hex(bytes{0x10, 0x5b, 0x01}) == "10 5B 01");
    CHECK(to_hex(bytes{0xAB, 0xCD}, "") == "ABCD");
    CHECK(to_hex(bytes{}).empty());
}
