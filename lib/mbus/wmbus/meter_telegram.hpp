#pragma once
// What a wireless meter sends, from its description to a link frame: link fields, a short
// transport header (CI 7A) with access number and status, records built by app's record encoding,
// and, when a key is given, security mode 5 (2F 2F first, 2F padding, AES-128-CBC with the mode 5
// IV) or mode 7. wmbus::encode() then puts the frame on the air in format A or B.
//
// Mode 7 is laid out as OMS Vol. 2 Annex N.2.2 (security profile B, integrated radio) sends it:
// ELL CI 8C (CC, ACC), AFL CI 90 (FCL 2C00: MCL, MCR and MAC present; MCL 25: AES-CMAC truncated to
// 8 bytes, counter present), then TPL CI 7A with configuration mode 7 and the configuration field
// extension 10 (KDF-A), the records AES-128-CBC encrypted with IV 0 under the key KDF-A derives from
// the message counter (security.hpp); the MAC is CMAC(Kmac, MCL MCR TPL..) over the encrypted TPL.

#include <cstdint>
#include <optional>
#include <vector>

#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/wmbus/frame.hpp>

namespace mbus::wmbus {

// The C field says what the telegram is (EN 13757-4): SND_NR the periodic data, SND_IR the same
// application data sent after installation (the meter's button), ACC_NR an access demand with no
// data: then only CI 8A (OMS / EN 13757-7: "transport layer from a device, short header, no
// application data") with ACC, ST and a configuration word without encryption follows the address;
// records, key and mode 7 are ignored.
struct meter_telegram {
    byte c{c_field::snd_nr};
    std::uint16_t manufacturer{0};
    std::uint32_t id{0}; // BCD nibbles, as frame::id
    std::uint8_t version{0};
    std::uint8_t device_type{0};
    std::uint8_t access_number{0};
    std::uint8_t status{0};
    // Configuration word bits besides the mode (8-12) and the block count (4-7), which the encoder
    // sets: e.g. OMS bit 13 (0x2000) as in the OMS Annex N examples.
    std::uint16_t cfg_flags{0};
    std::vector<app::record> records;
    std::optional<bytes> key;         // mode 5 (or 7) when set
    bool mode7{false};                // with a key: mode 7 instead of 5
    std::uint32_t message_counter{0}; // mode 7: AFL.MCR, from which the keys derive
    std::uint8_t ell_cc{0x20};        // mode 7: the ELL's communication control (20: synchronous)
    friend bool operator==(const meter_telegram&, const meter_telegram&) = default;
};

// Errors: errc::frame_too_long (more than 15 encrypted blocks, or L past 255), crypto's key size.
result<frame> encode_frame(const meter_telegram& m);

} // namespace mbus::wmbus
