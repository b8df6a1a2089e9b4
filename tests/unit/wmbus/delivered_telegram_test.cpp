#include <doctest/doctest.h>

#include <mbus/wmbus/delivered_telegram.hpp>
#include <mbus/wmbus/receiver_errc.hpp>

using namespace mbus;
using namespace mbus::wmbus;

namespace {
bytes hex(std::string_view s) { return from_hex(s).value(); }

// A Sontex heat cost allocator's T1 telegram with its four format A block CRCs, from wmbusmeters'
// simulations/simulation_dll_crcs.txt (its test of removing DLL CRCs); blocks and CRCs re-checked
// by hand with an independent CRC-16/EN-13757.
const bytes sontex_with_crcs = hex("34 44 EE 4D 81 39 29 27 16 08 81 1D"
                                   "7A 51 00 00 00 04 6D 19 12 A6 2B 03 6E 00 00 00 51 70"
                                   "42 6C E1 F1 43 6E 00 00 00 02 FF 2C 00 00 02 59 D6 D0"
                                   "D4 09 02 65 FC 09 02 FD 66 A0 00 44 C4");
const bytes sontex_plain = hex("34 44 EE 4D 81 39 29 27 16 08"
                               "7A 51 00 00 00 04 6D 19 12 A6 2B 03 6E 00 00 00"
                               "42 6C E1 F1 43 6E 00 00 00 02 FF 2C 00 00 02 59"
                               "D4 09 02 65 FC 09 02 FD 66 A0 00");
} // namespace

TEST_CASE("a format A frame loses its block CRCs once they are checked") {
    const auto plain = without_block_crcs(sontex_with_crcs);
    REQUIRE(plain.has_value());
    CHECK(*plain == sontex_plain);
    // Already without CRCs: returned as it is.
    CHECK(without_block_crcs(sontex_plain).value() == sontex_plain);
}

TEST_CASE("a block CRC error or an impossible size is an error") {
    auto broken = sontex_with_crcs;
    broken[30] ^= 0x01; // a data bit in the third block
    CHECK(without_block_crcs(broken).error() == receiver_errc::bad_crc);
    CHECK(without_block_crcs(bytes_view(sontex_with_crcs).first(40)).error() ==
          receiver_errc::telegram_length);
    CHECK(without_block_crcs({}).error() == receiver_errc::telegram_length);
}
