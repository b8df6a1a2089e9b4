#include <doctest/doctest.h>

#include <mbus/crypto/errc.hpp>
#include <mbus/han/apdu.hpp>

using namespace mbus;

namespace {

bytes hex(std::string_view s) { return from_hex(s).value(); }

// Aidon list 1 APDU (corpus amshan_aidon_no_list1).
const bytes aidon_apdu{
    0x0F, 0x40, 0x00, 0x00, 0x00,                   // data notification, invoke id and priority
    0x00,                                           // date-time absent
    0x01, 0x01, 0x02, 0x03,                         // array[1] of structure[3]
    0x09, 0x06, 0x01, 0x00, 0x01, 0x07, 0x00, 0xFF, // OBIS 1.0.1.7.0.255
    0x06, 0x00, 0x00, 0x01, 0x18,                   // 280
    0x02, 0x02, 0x0F, 0x00, 0x16, 0x1B,             // scaler 0, W
};

} // namespace

TEST_CASE("han apdu decodes the three date-time encodings") {
    const auto n = han::decode_notification(aidon_apdu).value();
    CHECK(n.invoke_id_and_priority == 0x40000000);
    CHECK(n.encoding == han::datetime_encoding::absent);
    CHECK_FALSE(n.time());
    CHECK(han::encode_notification(n).value() == aidon_apdu);

    const bytes time{0x07, 0xE1, 0x08, 0x10, 0x03, 0x10, 0x00, 0x05, 0xFF, 0x80, 0x00, 0x00};
    for (const auto enc :
         {han::datetime_encoding::octet_string, han::datetime_encoding::tagged_octet_string}) {
        auto with_time = n;
        with_time.encoding = enc;
        with_time.datetime = time;
        const auto out = han::encode_notification(with_time).value();
        // 0C + 12 bytes (Kamstrup) or 09 0C + 12 bytes (Kaifa)
        CHECK(out[5] == (enc == han::datetime_encoding::octet_string ? 0x0C : 0x09));
        CHECK(han::decode_notification(out).value() == with_time);
        CHECK(han::decode_notification(out)->time()->iso() == "2017-08-16T16:00:05");
    }
    auto bad = aidon_apdu;
    bad[5] = 0x0B;
    CHECK(han::decode_notification(bad).error() == han::errc::bad_datetime);
    bad = aidon_apdu;
    bad.push_back(0x00);
    CHECK(han::decode_notification(bad).error() == han::errc::trailing_bytes);
    CHECK(han::decode_notification(bytes{0x0E}).error() == han::errc::unknown_apdu);
    CHECK(han::strip_llc(bytes{0xE6, 0xE7, 0x01, 0x0F}).error() == han::errc::bad_llc);
}

// DLMS UA Green Book (DLMS UA 1000-2 Ed. 8.1, 9.2.7.2.4, authenticated encryption example), as other
// implementations test it (e.g. Gurux, go dlms TestCipherData): system title 4D4D4D0000BC614E, frame
// counter 01234567, SC 30, EK 000102..0F, AK D0D1..DF.
TEST_CASE("han apdu general-glo-ciphering matches the Green Book example") {
    const bytes key = hex("000102030405060708090A0B0C0D0E0F");
    const bytes auth = hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF");
    const bytes plain = hex("01011000112233445566778899AABBCCDDEEFF0000065F1F0400007E1F04B0");
    const han::glo_ciphered header{hex("4D4D4D0000BC614E"), 0x30, 0x01234567, {}};
    const auto c = han::encrypt(plain, header, key, auth).value();
    CHECK(c.cipher == hex("801302FF8A7874133D414CED25B42534D28DB0047720606B175BD52211BE68"
                          "41DB204D39EE6FDB8E356855")); // ciphertext, then the 12-byte tag
    CHECK(han::decrypt(c, key, auth).value() == plain);

    auto altered = c;
    altered.cipher[3] ^= 0x01;
    CHECK(han::decrypt(altered, key, auth).error() == crypto::errc::authentication_failed);
    CHECK(han::decrypt(c, key, hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDE")).error() ==
          crypto::errc::authentication_failed);
}

TEST_CASE("han apdu ciphered notification opens with the keys and not without") {
    const han::keys k{hex("000102030405060708090A0B0C0D0E0F"), hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")};
    const han::glo_ciphered header{hex("4B414D45020C84FD"), 0x30, 0x8CE5, {}};
    const auto c = han::encrypt(aidon_apdu, header, k.key, k.auth_key).value();
    const auto wire = han::encode_glo_ciphered(c);
    CHECK(wire[0] == 0xDB);
    CHECK(wire[1] == 0x08);                        // system title length
    CHECK(wire[10] == 5 + aidon_apdu.size() + 12); // SC, counter, cipher, tag
    CHECK(wire[11] == 0x30);
    CHECK(han::decode_glo_ciphered(wire).value() == c);

    CHECK(han::decode_apdu(wire).error() == han::errc::ciphered);
    const auto a = han::decode_apdu(wire, k).value();
    REQUIRE(a.ciphering);
    CHECK(a.ciphering->frame_counter == 0x8CE5);
    CHECK(a.notification == han::decode_notification(aidon_apdu).value());

    // Security control 20: encrypted, no tag.
    auto enc_only = header;
    enc_only.security_control = 0x20;
    const auto c20 = han::encrypt(aidon_apdu, enc_only, k.key, {}).value();
    CHECK(c20.cipher.size() == aidon_apdu.size());
    CHECK(han::decode_apdu(han::encode_glo_ciphered(c20), {k.key, {}})->notification.body ==
          han::decode_notification(aidon_apdu)->body);
    // ... and its keystream is GCM's: the first bytes equal the tagged variant's ciphertext.
    CHECK(std::equal(c20.cipher.begin(), c20.cipher.end(), c.cipher.begin()));
}
