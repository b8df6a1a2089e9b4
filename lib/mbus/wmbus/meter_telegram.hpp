#pragma once
// What a wireless meter sends, from its description to a link frame: link fields, a short
// transport header (CI 7A) with access number and status, records built by app's record encoding,
// and security mode 5 when a key is given (2F 2F first, 2F padding, AES-128-CBC with the mode 5
// IV). wmbus::encode() then puts the frame on the air in format A or B.

#include <cstdint>
#include <optional>
#include <vector>

#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/wmbus/frame.hpp>

namespace mbus::wmbus {

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
    std::optional<bytes> key; // mode 5 when set
    friend bool operator==(const meter_telegram&, const meter_telegram&) = default;
};

// Errors: errc::frame_too_long (more than 15 encrypted blocks, or L past 255), crypto's key size.
result<frame> encode_frame(const meter_telegram& m);

} // namespace mbus::wmbus
