#pragma once
// The APDUs a HAN meter pushes (IEC 62056-5-3, DLMS UA Green Book):
// - data-notification (0F): long-invoke-id-and-priority (4), date-time, notification body (COSEM data).
//   The date-time is an optional octet string; meters write it three ways: 00 (absent: Aidon),
//   0C + 12 bytes (Kamstrup), or 09 0C + 12 bytes (Kaifa, Kamstrup before HAN-NVE rev 3.0: a type tag
//   the standard does not have, which strict DLMS parsers reject).
// - general-glo-ciphering (DB): system title (length 08 + 8 bytes), a length, then the security
//   control byte, the frame counter (4) and the ciphertext with a 12-byte tag. AES-128-GCM with the
//   IV system title + frame counter and, when authenticated, the additional data security control
//   byte + authentication key (Green Book 9.2.7.2.4).
// An HDLC information field carries the LLC header E6 E7 00 before the APDU (IEC 62056-46 / 8802-2).

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <variant>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/han/cosem.hpp>
#include <mbus/han/errc.hpp>

namespace mbus::han {

inline constexpr std::array<byte, 3> llc_header{0xE6, 0xE7, 0x00};
inline constexpr byte tag_data_notification = 0x0F;
inline constexpr byte tag_general_glo_ciphering = 0xDB;

// The APDU after the LLC header, or errc::bad_llc.
result<bytes_view> strip_llc(bytes_view information);
bytes with_llc(bytes_view apdu);

enum class datetime_encoding : std::uint8_t {
    absent,              // 00
    octet_string,        // 0C + 12 bytes
    tagged_octet_string, // 09 0C + 12 bytes
};
const char* name_of(datetime_encoding e) noexcept;

struct data_notification {
    std::uint32_t invoke_id_and_priority = 0;
    datetime_encoding encoding = datetime_encoding::absent;
    bytes datetime; // 12 bytes unless absent; kept raw so that any bytes re-encode as sent
    data body;
    bool operator==(const data_notification&) const = default;

    std::optional<date_time> time() const { return date_time::decode(datetime); }
};
std::ostream& operator<<(std::ostream& os, const data_notification& n);

result<data_notification> decode_notification(bytes_view apdu);
result<bytes> encode_notification(const data_notification& n);

struct glo_ciphered {
    bytes system_title; // 8 bytes: three letters of the maker, then the serial (Kamstrup: "KAME")
    byte security_control = 0x30;
    std::uint32_t frame_counter = 0;
    bytes cipher; // ciphertext, then the tag when security_control says authenticated
    bool operator==(const glo_ciphered&) const = default;
};
result<glo_ciphered> decode_glo_ciphered(bytes_view apdu);
bytes encode_glo_ciphered(const glo_ciphered& c);

// Security control 30 (authenticated and encrypted: 12-byte tag over SC + auth key, checked) and 20
// (encrypted only). Returns the plain APDU; crypto errors (wrong tag, key size) come from
// mbus::crypto.
result<bytes> decrypt(const glo_ciphered& c, bytes_view key, bytes_view auth_key);
// The inverse: ciphers `plain` with the system title, control byte and counter given in `header`.
result<glo_ciphered> encrypt(bytes_view plain, const glo_ciphered& header, bytes_view key,
                             bytes_view auth_key);

// An APDU as a reader meets it: plain, or ciphered (opened when keys were given).
struct apdu {
    std::optional<glo_ciphered> ciphering; // how it came, when ciphered
    data_notification notification;
    bool operator==(const apdu&) const = default;
};
struct keys {
    bytes key;      // 16 bytes, empty when none
    bytes auth_key; // 16 bytes, may be empty for security control 20
};
// 0F: decoded; DB: decrypted with `k` and decoded, or errc::ciphered without a key.
result<apdu> decode_apdu(bytes_view in, const keys& k = {});

} // namespace mbus::han
