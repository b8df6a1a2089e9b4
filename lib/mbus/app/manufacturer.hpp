#pragma once
// Identity fields of the header and of secondary addresses: the manufacturer code (three letters
// packed in 15 bits, EN 13757-3 / FLAG association: ((c1-64)<<10)|((c2-64)<<5)|(c3-64), KAM =
// 0x2C2D) and the identification number (8 BCD digits).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <mbus/core/result.hpp>

namespace mbus::app {

// "KAM" -> 0x2C2D. Letters A-Z, either case. Errors: meaning_errc::invalid_manufacturer.
result<std::uint16_t> manufacturer_code(std::string_view letters);

// 0x2C2D -> "KAM". Fields outside A-Z show as the characters they map to ('@' for 0), as libmbus
// shows them; valid_manufacturer() says whether all three are letters and bit 15 is clear.
std::string manufacturer_letters(std::uint16_t code);
bool valid_manufacturer(std::uint16_t code);

// "12345678" -> 0x12345678 (the digits as BCD nibbles). Exactly 8 decimal digits; with
// allow_wildcards, 'F'/'f' is accepted as a wildcard nibble (secondary address masks).
// Errors: meaning_errc::invalid_id.
result<std::uint32_t> id_from_string(std::string_view digits, bool allow_wildcards = false);

// 0x12345678 -> "12345678"; wildcard or invalid nibbles show as hex digits ("1234FFFF").
std::string id_to_string(std::uint32_t bcd);
bool valid_id(std::uint32_t bcd); // all eight nibbles 0-9

// The identification number as a number (0x00012345 -> 12345); nullopt when a nibble is not 0-9.
std::optional<std::uint32_t> id_number(std::uint32_t bcd);

} // namespace mbus::app
