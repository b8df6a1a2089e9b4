#pragma once
// Secondary addressing (EN 13757-3, network layer): the CI 52 / 56 select payload, whether a meter
// matches it, and a secondary address as the 16 nibbles a wildcard search walks through. The slave
// answering a select and the master searching with them share these, so that both read a mask alike.

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>

namespace mbus::app {

// What a master may leave open in a select.
enum class wildcard_style : std::uint8_t {
    standard,           // F nibbles in the ID; manufacturer FFFF, version FF, medium FF match anything
    nibbles_everywhere, // an F nibble matches anything in every field (some masters send 2F FF for "any")
};

// A select as the master sent it: the 8-byte mask and, for an enhanced selection, the fabrication
// number (8 BCD digits as nibbles, F wildcards allowed) appended as a DIF 0C VIF 78 record.
struct select_mask {
    secondary_address address;
    std::optional<std::uint32_t> fabrication;
    friend bool operator==(const select_mask&, const select_mask&) = default;
};
std::ostream& operator<<(std::ostream& os, const select_mask& m);

// Reads the data of a CI 52 (fields LSB first) or CI 56 (every multi-byte field MSB first) select:
// 8 bytes, or 8 + `0C 78` + 4 BCD bytes. Anything else is no select (nullopt): a real slave cannot
// tell what a malformed select meant, so it is not selected by it.
std::optional<select_mask> parse_select(byte ci, bytes_view data);

// The select payload a master sends for `mask` (for tests and the master side).
bytes encode_select(byte ci, const select_mask& mask);

// Whether a meter with identity `meter` (and fabrication number, when it has one) is selected by
// `mask`. A meter that has no fabrication number ignores one appended to the select.
// "12345678" + manufacturer + version + medium as 16 hex characters, the form libmbus prints and
// takes (mbus_frame_get_secondary_address): the manufacturer's two bytes in wire order, so KAM
// (0x2C2D) is "2D2C": "303030302D2C400D". F nibbles are wildcards.
std::string secondary_string(const secondary_address& a);

bool matches(const select_mask& mask, const secondary_address& meter,
             std::optional<std::uint32_t> fabrication, wildcard_style style);

// A secondary address as 16 nibbles in the order people write them (id, manufacturer MSB first,
// version, medium): position 0 is the most significant identification digit. F is the wildcard.
inline constexpr std::size_t address_nibbles = 16;
inline constexpr std::size_t id_nibbles = 8;
inline constexpr unsigned wildcard_nibble = 0xF;

// The nibble at `pos` (0 .. 15).
unsigned nibble(const secondary_address& a, std::size_t pos);
// `a` with the nibble at `pos` set to `v` (its low 4 bits).
secondary_address with_nibble(const secondary_address& a, std::size_t pos, unsigned v);
// How many nibbles are F: the more, the more meters a mask may select.
unsigned open_nibbles(const secondary_address& a);

} // namespace mbus::app
