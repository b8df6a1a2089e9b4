#pragma once
// The CRC of wireless M-Bus data link blocks (EN 13757-4, frame formats A and B): CRC-16 with the
// polynomial x^16 + x^13 + x^12 + x^11 + x^10 + x^8 + x^6 + x^5 + x^2 + 1 (0x3D65), initial value 0,
// the result complemented, sent high byte first.

#include <cstdint>

#include <mbus/core/bytes.hpp>

namespace mbus::wmbus {

std::uint16_t crc16_en13757(bytes_view data) noexcept;

// Appends the two CRC bytes of `data` (high byte first) to `out`.
void append_crc(bytes& out, bytes_view data);

} // namespace mbus::wmbus
