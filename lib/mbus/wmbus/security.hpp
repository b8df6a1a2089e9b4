#pragma once
// The two security modes of the transport layer (EN 13757-7 / OMS vol. 2, 9.x) and ELL encryption
// (EN 13757-4), as functions of bytes: the decoder in telegram.hpp and an encoder call the same ones.
// All AES is crypto's (OpenSSL); sizes are checked there.

#include <cstdint>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>

namespace mbus::wmbus {

// The first bytes of every decrypted mode 5 / 7 payload, and the filler the sender pads with.
inline constexpr byte filler = 0x2F;

// Mode 5: AES-128-CBC, IV = M (2) A (6) of the meter, then the access number 8 times.
bytes mode5_iv(bytes_view address8, std::uint8_t access_number);

// OMS mode 7 key derivation (KDF-A, OMS vol. 2 9.6.x): CMAC(K, DC || counter || id || 07 x 7), with
// DC 00 for the encryption key and 01 for the MAC key of a message from the meter. `counter` and
// `id` as on the air (LSB first, 4 bytes each).
inline constexpr byte dc_enc_from_meter = 0x00;
inline constexpr byte dc_mac_from_meter = 0x01;
result<bytes> derive_key(bytes_view key, byte dc, bytes_view counter4, bytes_view id4);

// ELL AES-CTR counter block: M A (of the link layer), CC without its hop (10) and repeated (02)
// bits, SN, then FN (2 bytes) and BC (1 byte), zero for the first block.
bytes ell_iv(bytes_view address8, std::uint8_t cc, bytes_view session4);

// The plaintext padded with 2F to whole blocks and encrypted (mode 5 or 7 with the IV given).
result<bytes> encrypt_padded(bytes_view key, bytes_view iv, bytes_view plain);

} // namespace mbus::wmbus
