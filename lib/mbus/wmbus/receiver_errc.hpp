#pragma once
// Errors of the receivers' serial protocols (iM871A HCI, AMB8465) and text lines (rtl_wmbus, hex):
// what a reader sent us that we could not take, or a telegram we cannot put in a dongle's frame.

#include <system_error>

namespace mbus::wmbus {

enum class receiver_errc {
    junk = 1,         // bytes before a start-of-frame byte
    reserved_bit,     // iM871A control field with the reserved bit set
    unknown_endpoint, // iM871A endpoint other than 1..4
    bad_crc,          // iM871A HCI CRC-16, or a telegram block CRC (EN 13757-4), does not match
    bad_checksum,     // AMB8465 XOR checksum does not match
    unknown_request,  // a well-formed request this device does not answer
    bad_parameters,   // a request whose payload is too short or out of range
    telegram_length,  // a telegram whose L field does not match its size, or is too long for the frame
    bad_line,         // a text line that is neither rtl_wmbus nor hex
    not_listening,    // a telegram sent in a mode the receiver does not listen in now (its link mode)
};

const std::error_category& receiver_category() noexcept;
inline std::error_code make_error_code(receiver_errc e) noexcept {
    return {static_cast<int>(e), receiver_category()};
}

} // namespace mbus::wmbus

template <>
struct std::is_error_code_enum<mbus::wmbus::receiver_errc> : std::true_type {};
