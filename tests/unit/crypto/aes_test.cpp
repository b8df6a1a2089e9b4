#include <doctest/doctest.h>

#include <mbus/crypto/aes.hpp>

using namespace mbus;
namespace crypto = mbus::crypto;

namespace {
bytes hex(std::string_view s) { return from_hex(s).value(); }
const bytes nist_key = hex("2b7e151628aed2a6abf7158809cf4f3c");
const bytes nist_block = hex("6bc1bee22e409f96e93d7e117393172a");
} // namespace

// Vectors from NIST SP 800-38A (F.2.1, F.5.1), RFC 4493 (section 4) and the GCM specification's
// test case 2 (McGrew and Viega), not from this code.
TEST_CASE("crypto AES-128-CBC matches NIST SP 800-38A F.2.1 both ways") {
    const auto iv = hex("000102030405060708090a0b0c0d0e0f");
    const auto cipher = crypto::cbc_encrypt(nist_key, iv, nist_block);
    REQUIRE(cipher);
    CHECK(to_hex(*cipher, "") == "7649ABAC8119B246CEE98E9B12E9197D");
    CHECK(crypto::cbc_decrypt(nist_key, iv, *cipher).value() == nist_block);
}

TEST_CASE("crypto AES-128-CTR matches NIST SP 800-38A F.5.1 and takes partial blocks") {
    const auto iv = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    CHECK(to_hex(crypto::ctr_crypt(nist_key, iv, nist_block).value(), "") ==
          "874D6191B620E3261BEF6864990DB6CE");
    const bytes part(nist_block.begin(), nist_block.begin() + 5);
    CHECK(to_hex(crypto::ctr_crypt(nist_key, iv, part).value(), "") == "874D6191B6");
}

TEST_CASE("crypto AES-CMAC matches RFC 4493") {
    CHECK(to_hex(crypto::cmac(nist_key, {}).value(), "") == "BB1D6929E95937287FA37D129B756746");
    CHECK(to_hex(crypto::cmac(nist_key, nist_block).value(), "") == "070A16B46B4D4144F79BDD9DD04A287C");
}

TEST_CASE("crypto AES-128-GCM matches the specification's test case 2, truncated tags and all") {
    const bytes key(16, 0);
    const bytes iv(12, 0);
    const bytes plain(16, 0);
    const auto full = crypto::gcm_encrypt(key, iv, {}, plain, 16);
    REQUIRE(full);
    CHECK(to_hex(full->cipher, "") == "0388DACE60B6A392F328C2B971B2FE78");
    CHECK(to_hex(full->tag, "") == "AB6E47D42CEC13BDF53A67B21257BDDF");
    const auto dlms = crypto::gcm_encrypt(key, iv, {}, plain); // DLMS truncates the tag to 12 bytes
    REQUIRE(dlms);
    CHECK(to_hex(dlms->tag, "") == "AB6E47D42CEC13BDF53A67B2");
    CHECK(crypto::gcm_decrypt(key, iv, {}, dlms->cipher, dlms->tag).value() == plain);

    const bytes aad = hex("30 00112233445566778899AABBCCDDEEFF");
    const auto with_aad = crypto::gcm_encrypt(key, iv, aad, plain);
    REQUIRE(with_aad);
    CHECK(with_aad->cipher == full->cipher); // the AAD changes the tag only
    CHECK(with_aad->tag != dlms->tag);
    CHECK(crypto::gcm_decrypt(key, iv, aad, with_aad->cipher, with_aad->tag).value() == plain);
}

TEST_CASE("crypto GCM rejects a wrong key, altered data or a wrong tag") {
    const bytes key = hex("000102030405060708090A0B0C0D0E0F");
    const bytes iv = hex("4D4D4D0000BC614E 01234567");
    const bytes plain = hex("0F 00000001 0C 07E6010306 0A0000 FF8000 00");
    const auto sealed = crypto::gcm_encrypt(key, iv, {}, plain);
    REQUIRE(sealed);
    bytes wrong_key = key;
    wrong_key[0] ^= 1;
    CHECK(crypto::gcm_decrypt(wrong_key, iv, {}, sealed->cipher, sealed->tag).error() ==
          crypto::errc::authentication_failed);
    bytes altered = sealed->cipher;
    altered.back() ^= 0x80;
    CHECK(crypto::gcm_decrypt(key, iv, {}, altered, sealed->tag).error() ==
          crypto::errc::authentication_failed);
    CHECK(crypto::gcm_decrypt(key, iv, {}, sealed->cipher, bytes(3, 0)).error() ==
          crypto::errc::bad_tag_size);
}

TEST_CASE("crypto reports wrong sizes as errors with messages") {
    CHECK(crypto::cbc_encrypt(bytes(15, 0), bytes(16, 0), bytes(16, 0)).error() ==
          crypto::errc::bad_key_size);
    CHECK(crypto::cbc_encrypt(bytes(16, 0), bytes(8, 0), bytes(16, 0)).error() == crypto::errc::bad_iv_size);
    CHECK(crypto::cbc_decrypt(bytes(16, 0), bytes(16, 0), bytes(17, 0)).error() ==
          crypto::errc::not_block_aligned);
    CHECK(crypto::cmac(bytes(32, 0), bytes(1, 0)).error() == crypto::errc::bad_key_size);
    CHECK(crypto::gcm_encrypt(bytes(16, 0), {}, {}, bytes(1, 0)).error() == crypto::errc::bad_iv_size);
    const std::error_code e = crypto::errc::authentication_failed;
    CHECK(e.message().find("wrong key") != std::string::npos);
    CHECK(std::string(e.category().name()) == "mbus.crypto");
}
