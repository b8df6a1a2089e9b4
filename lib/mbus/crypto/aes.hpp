#pragma once
// AES-128 as the metering standards use it, on OpenSSL's EVP interface (no home-made AES):
// - CBC without padding: wireless M-Bus security mode 5 and OMS mode 7 (the sender fills the last
//   block with 2F itself, EN 13757-3 / OMS vol. 2);
// - CTR: wireless M-Bus ELL encryption (EN 13757-4);
// - GCM: DLMS/COSEM general-glo-ciphering of HAN push meters (IEC 62056-5-3, 12-byte IV = system
//   title + frame counter, tag truncated to 12 bytes);
// - CMAC: OMS mode 7's key derivation and MAC (RFC 4493).
// Sizes are checked here and reported as errors, so a scenario's wrong key length is a message,
// not a crash.

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/crypto/errc.hpp>

namespace mbus::crypto {

inline constexpr std::size_t block_size = 16;
inline constexpr std::size_t key_size = 16;

result<bytes> cbc_encrypt(bytes_view key, bytes_view iv, bytes_view plain);
result<bytes> cbc_decrypt(bytes_view key, bytes_view iv, bytes_view cipher);

// Encryption and decryption are the same operation in CTR mode.
result<bytes> ctr_crypt(bytes_view key, bytes_view iv, bytes_view data);

// The ciphertext followed by nothing: the tag is returned apart, tag_size bytes (4..16).
struct sealed {
    bytes cipher;
    bytes tag;
};
result<sealed> gcm_encrypt(bytes_view key, bytes_view iv, bytes_view aad, bytes_view plain,
                           std::size_t tag_size = 12);
// errc::authentication_failed when the tag does not match.
result<bytes> gcm_decrypt(bytes_view key, bytes_view iv, bytes_view aad, bytes_view cipher, bytes_view tag);

// AES-128-CMAC (16 bytes).
result<bytes> cmac(bytes_view key, bytes_view data);

} // namespace mbus::crypto
