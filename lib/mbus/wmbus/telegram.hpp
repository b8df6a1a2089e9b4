#pragma once
// A wireless telegram above the link layer: the optional extended link layer (CI 8C-8F, EN 13757-4,
// with AES-CTR when its session number says so), the optional authentication and fragmentation
// layer (CI 90, OMS mode 7's MAC), the transport layer header (CI 7A short, 72 long, 78 none) with
// its security mode (0, 5 or 7), and after decryption the EN 13757-3 records, decoded by app's
// codec exactly as a wired telegram's.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/wmbus/frame.hpp>

namespace mbus::wmbus {

namespace ci {
inline constexpr byte ell_short = 0x8C;   // CC, ACC
inline constexpr byte ell_session = 0x8D; // CC, ACC, SN (4), payload CRC (2, encrypted with the payload)
inline constexpr byte ell_address = 0x8E; // CC, ACC, M2 A2 (8: the meter behind a radio adapter)
inline constexpr byte ell_address_session = 0x8F; // CC, ACC, M2 A2, SN, payload CRC
inline constexpr byte afl = 0x90;
inline constexpr byte tpl_long = 0x72;
inline constexpr byte tpl_short = 0x7A;
inline constexpr byte tpl_none = 0x78;
inline constexpr byte tpl_short_no_data = 0x8A; // ACC, ST, CFG and nothing after (ACC_NR)
} // namespace ci

struct ell_header {
    byte ci{ci::ell_short};
    std::uint8_t cc{0};
    std::uint8_t access_number{0};
    std::optional<bytes> address;                // 8E/8F: M and A as on the air
    std::optional<std::uint32_t> session_number; // 8D: bits 29-31 say the encryption (1 = AES-CTR)
    std::optional<std::uint16_t> payload_crc;    // 8D, after decryption
    friend bool operator==(const ell_header&, const ell_header&) = default;
};

// AFL fields present according to the fragmentation control field (FCL, LSB first on the air).
struct afl_header {
    std::uint16_t fcl{0};
    std::optional<std::uint8_t> mcl;       // message control: bits 0-3 the authentication type
    std::optional<std::uint16_t> key_info; // KI
    std::optional<std::uint32_t> counter;  // MCR, the message counter mode 7's keys derive from
    bytes mac;
    std::optional<std::uint16_t> message_length; // ML
    friend bool operator==(const afl_header&, const afl_header&) = default;
};

struct tpl_security {
    std::uint8_t mode{0};                // configuration word bits 8-12
    std::uint8_t encrypted_blocks{0};    // bits 4-7
    std::optional<std::uint8_t> cfg_ext; // mode 7's configuration field extension (KDF in bits 4-5)
    bool decrypted{false};               // a key opened it
    bool plain_on_air{false};            // marked encrypted but already 2F 2F (as decoders print them)
    bool mac_verified{false};            // mode 7: the AFL MAC matched
    friend bool operator==(const tpl_security&, const tpl_security&) = default;
};

struct telegram {
    frame link;
    std::optional<ell_header> ell;
    std::optional<afl_header> afl;
    tpl_security security;
    bool ell_decrypted{false};
    std::optional<app::user_data> user_data; // none when the frame ends before a transport layer
    friend bool operator==(const telegram&, const telegram&) = default;
};

// Decodes what follows the link fields; `key` (16 bytes) opens mode 5, mode 7 and ELL encryption.
// Errors: errc::key_missing, decryption_failed (2F 2F check), mac_mismatch, ell_crc_mismatch,
// bad_header, unsupported_ci, unsupported_security, not_block_aligned; app::errc from the records.
result<telegram> decode(const frame& f, std::optional<bytes_view> key = std::nullopt);

// The decode as JSON: app::to_json(user_data) (the same record objects as wired decode) with
// "link", "ell", "afl" and "security" objects added.
nlohmann::json to_json(const telegram& t);
nlohmann::json to_json(const frame& f);

} // namespace mbus::wmbus
