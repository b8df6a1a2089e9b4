#include <doctest/doctest.h>

#include <mbus/sim/selection.hpp>

using namespace mbus;
using namespace mbus::sim;

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
