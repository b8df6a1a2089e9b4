// The security helpers against the OMS Annex N.2.1 example (mode 5; hex and key as reproduced in
// lvogt/wireless-mbus-parser, MIT, test/legacy.spec.ts at c0d417f). The key derivation and the ELL
// counter block are checked end to end in telegram_test.cpp (OMS N.2.2/N.2.3 MACs, jMBus ELL CRC).

#include <doctest/doctest.h>

#include <mbus/crypto/aes.hpp>
#include <mbus/wmbus/frame.hpp>
#include <mbus/wmbus/security.hpp>

using namespace mbus;

namespace {
bytes hex(std::string_view s) { return from_hex(s).value(); }
} // namespace

TEST_CASE("wmbus mode 5 IV and 2F padding reproduce the OMS example's ciphertext") {
    const auto wire =
        hex("2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6D"
            "EFC955B29D6D69EBF3EC8A");
    const auto f = wmbus::decode(wire, wmbus::frame_format::a).value();
    const auto key = hex("0102030405060708090A0B0C0D0E0F11");
    const auto iv = wmbus::mode5_iv(wmbus::address_bytes(f), 0x2A); // ACC 2A from the 7A header
    CHECK(to_hex(iv, "") == "93157856341233032A2A2A2A2A2A2A2A");
    const bytes cipher(f.data.begin() + 5, f.data.begin() + 5 + 32); // CFG 2520: 2 blocks after the header
    const auto plain = crypto::cbc_decrypt(key, iv, cipher).value();
    CHECK(plain[0] == wmbus::filler);
    CHECK(plain[1] == wmbus::filler);
    // The records end where the 2F filler starts; padding them again gives the sender's bytes.
    auto end = plain.size();
    while (end > 0 && plain[end - 1] == wmbus::filler)
        --end;
    REQUIRE(end < plain.size());
    const bytes records(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(end));
    CHECK(wmbus::encrypt_padded(key, iv, records).value() == cipher);
}

TEST_CASE("wmbus key derivation input and ELL counter block layout") {
    // KDF-A: CMAC over DC, counter and ID (both LSB first), then 07 padding to 16 bytes.
    const auto key = hex("000102030405060708090A0B0C0D0E0F");
    const auto kenc =
        wmbus::derive_key(key, wmbus::dc_enc_from_meter, hex("B30A0000"), hex("78563412")).value();
    CHECK(kenc == crypto::cmac(key, hex("00B30A00007856341207070707070707")).value());
    CHECK(wmbus::derive_key(hex("0001"), 0, hex("00000000"), hex("00000000")).error() ==
          crypto::errc::bad_key_size);
    // ELL: the hop-count (10) and repeated-access (02) bits of CC are not part of the counter block.
    CHECK(to_hex(wmbus::ell_iv(hex("2D2C692845631B16"), 0x32, hex("209CD621")), "") ==
          "2D2C692845631B1620209CD621000000");
}
