#include <doctest/doctest.h>

#include <mbus/app/secondary_address.hpp>

using namespace mbus;
using namespace mbus::app;

namespace {
const app::secondary_address kam{0x12345678, 0x2C2D, 0x01, 0x07};
}

TEST_CASE("selection reads CI 52 LSB first and CI 56 MSB first") {
    const bytes lsb{0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x07}; // ID, manufacturer, version, medium
    const bytes msb{0x12, 0x34, 0x56, 0x78, 0x2C, 0x2D, 0x01, 0x07};
    const auto a = parse_select(0x52, lsb);
    const auto b = parse_select(0x56, msb);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->address == kam);
    CHECK(b->address == kam);
    CHECK(encode_select(0x52, *a) == lsb);
    CHECK(encode_select(0x56, *b) == msb);
}

TEST_CASE("selection reads an appended fabrication number") {
    const bytes data{0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x07, // address
                     0x0C, 0x78, 0x21, 0x43, 0x65, 0x87};            // DIF BCD8, VIF fabrication, 87654321
    const auto m = parse_select(0x52, data);
    REQUIRE(m);
    CHECK(m->fabrication == 0x87654321u);
    CHECK(encode_select(0x52, *m) == data);
}

TEST_CASE("selection rejects malformed payloads") {
    CHECK_FALSE(parse_select(0x52, bytes{0x78, 0x56, 0x34}));
    CHECK_FALSE(parse_select(0x52, bytes(9, 0x00)));
    CHECK_FALSE(
        parse_select(0x52, bytes{0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x07, 0x04, 0x78, 1, 2, 3, 4}));
    CHECK_FALSE(parse_select(0x51, bytes(8, 0x00)));
}

TEST_CASE("selection wildcards in the standard style") {
    const auto s = wildcard_style::standard;
    CHECK(matches({kam, {}}, kam, {}, s));
    CHECK(matches({{0xFFFFFFFF, 0xFFFF, 0xFF, 0xFF}, {}}, kam, {}, s));
    CHECK(matches({{0x1234FFFF, 0x2C2D, 0xFF, 0x07}, {}}, kam, {}, s));
    CHECK_FALSE(matches({{0x1234FFF0, 0xFFFF, 0xFF, 0xFF}, {}}, kam, {}, s));
    CHECK_FALSE(matches({{0xFFFFFFFF, 0x2CFF, 0xFF, 0xFF}, {}}, kam, {}, s)); // no nibbles outside the ID
    CHECK_FALSE(matches({{0xFFFFFFFF, 0xFFFF, 0x02, 0xFF}, {}}, kam, {}, s));
    CHECK_FALSE(matches({{0xFFFFFFFF, 0xFFFF, 0xFF, 0x0F}, {}}, kam, {}, s));
}

TEST_CASE("selection wildcards in every nibble") {
    const auto s = wildcard_style::nibbles_everywhere;
    CHECK(matches({{0xFFFFFFFF, 0x2CFF, 0xFF, 0x0F}, {}}, kam, {}, s));
    CHECK_FALSE(matches({{0xFFFFFFFF, 0x2DFF, 0xFF, 0xFF}, {}}, kam, {}, s));
}

TEST_CASE("selection checks the fabrication number only when the meter has one") {
    const select_mask m{kam, 0x0000123F};
    CHECK(matches(m, kam, 0x00001234u, wildcard_style::standard));
    CHECK_FALSE(matches(m, kam, 0x00001334u, wildcard_style::standard));
    CHECK(matches(m, kam, std::nullopt, wildcard_style::standard));
}

TEST_CASE("secondary address nibbles run from the first id digit to the last medium digit") {
    // 12345678 2C2D 01 07 as people write it: id digits 0-7, manufacturer 8-11, version 12-13,
    // medium 14-15.
    CHECK(nibble(kam, 0) == 0x1);
    CHECK(nibble(kam, 7) == 0x8);
    CHECK(nibble(kam, 8) == 0x2);
    CHECK(nibble(kam, 11) == 0xD);
    CHECK(nibble(kam, 13) == 0x1);
    CHECK(nibble(kam, 15) == 0x7);
    CHECK(with_nibble(kam, 0, 0x9) == secondary_address{0x92345678, 0x2C2D, 0x01, 0x07});
    CHECK(with_nibble(kam, 10, 0xF) == secondary_address{0x12345678, 0x2CFD, 0x01, 0x07});
    CHECK(with_nibble(kam, 15, 0x14) == secondary_address{0x12345678, 0x2C2D, 0x01, 0x04}); // low 4 bits only
    CHECK(open_nibbles(kam) == 0);
    CHECK(open_nibbles({0xFFFFFFFF, 0xFFFF, 0xFF, 0xFF}) == address_nibbles);
    CHECK(open_nibbles({0x1234FFFF, 0x2C2D, 0xFF, 0x07}) == 6);
}

TEST_CASE("a master's nibble mask selects what the meter's own matching selects") {
    // The master's scan checks answers with nibbles_everywhere; the slave in that mode agrees.
    const select_mask any_version{{0x1234567F, 0x2C2D, 0xF1, 0x07}, std::nullopt};
    CHECK(matches(any_version, kam, std::nullopt, wildcard_style::nibbles_everywhere));
    CHECK_FALSE(matches(any_version, kam, std::nullopt, wildcard_style::standard)); // F1 is no wildcard there
    CHECK_FALSE(matches({{0x1234567F, 0x2C2D, 0xF2, 0x07}, std::nullopt}, kam, std::nullopt,
                        wildcard_style::nibbles_everywhere));
}
