#include <doctest/doctest.h>

#include <mbus/wmbus/delivered_telegram.hpp>
#include <mbus/wmbus/receiver_errc.hpp>

using namespace mbus;
using namespace mbus::wmbus;

namespace {
bytes hex(std::string_view s) { return from_hex(s).value(); }

// OMS Specification Vol. 2, Annex N.2.1: a format A frame with its four block CRCs, as reproduced in
// lvogt/wireless-mbus-parser (MIT), test/legacy.spec.ts at c0d417f ("OMS Examples").
const bytes oms_with_crcs = hex("2E 44 93 15 78 56 34 12 33 03 33 63"
                                "7A 2A 00 20 25 59 23 C9 5A AA 26 D1 B2 E7 49 3B C2 AD"
                                "01 3E C4 A6 F6 D3 52 9B 52 0E DF F0 EA 6D EF C9 55 B2"
                                "9D 6D 69 EB F3 EC 8A");
const bytes oms_plain = hex("2E 44 93 15 78 56 34 12 33 03"
                            "7A 2A 00 20 25 59 23 C9 5A AA 26 D1 B2 E7 49 3B"
                            "01 3E C4 A6 F6 D3 52 9B 52 0E DF F0 EA 6D EF C9"
                            "9D 6D 69 EB F3");
} // namespace

TEST_CASE("a format A frame loses its block CRCs once they are checked") {
    const auto plain = without_block_crcs(oms_with_crcs);
    REQUIRE(plain.has_value());
    CHECK(*plain == oms_plain);
    // Already without CRCs: returned as it is.
    CHECK(without_block_crcs(oms_plain).value() == oms_plain);
}

TEST_CASE("a block CRC error or an impossible size is an error") {
    auto broken = oms_with_crcs;
    broken[30] ^= 0x01; // a data bit in the third block
    CHECK(without_block_crcs(broken).error() == receiver_errc::bad_crc);
    CHECK(without_block_crcs(bytes_view(oms_with_crcs).first(40)).error() == receiver_errc::telegram_length);
    CHECK(without_block_crcs({}).error() == receiver_errc::telegram_length);
}
