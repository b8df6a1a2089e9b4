// app/detail/numbers.hpp: the integers and powers of ten that record values are read with.

#include <doctest/doctest.h>

#include <mbus/app/detail/numbers.hpp>

#include <cstdint>
#include <limits>

using namespace mbus;
using namespace mbus::app::detail;

TEST_CASE("read_le reads least significant byte first, up to 8 bytes") {
    const bytes b{0x78, 0x56, 0x34, 0x12};
    CHECK(read_le(b) == 0x12345678u);
    CHECK(read_le(bytes_view{}) == 0u);
    const bytes all{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    CHECK(read_le(all) == std::numeric_limits<std::uint64_t>::max());
}

TEST_CASE("sign_extend gives an n-byte field's two's complement value") {
    CHECK(sign_extend(0xFF, 1) == -1);
    CHECK(sign_extend(0x7F, 1) == 127);
    CHECK(sign_extend(0x8000, 2) == -32768);
    CHECK(sign_extend(0xFFFFFE, 3) == -2); // int24, as EN 13757-3 type B of 3 bytes
    CHECK(sign_extend(0x800000000000, 6) == -140737488355328);
    CHECK(sign_extend(0xFFFFFFFFFFFFFFFF, 8) == -1);
}

TEST_CASE("pow10 is exact up to 10^22 and falls back to pow beyond") {
    CHECK(pow10(0) == 1.0);
    CHECK(pow10(3) == 1000.0);
    CHECK(pow10(22) == 1e22);
    CHECK(pow10(-3) == doctest::Approx(0.001));
    CHECK(pow10(30) == doctest::Approx(1e30));
}
