#pragma once
// The HDLC frame and header check sequences of IEC 62056-46 (and ISO/IEC 13239): CRC-16/X.25, also
// catalogued as CRC-16/IBM-SDLC: polynomial 0x1021 reflected, initial value FFFF, result
// complemented, sent low byte first. Catalogue check value 0x906E over "123456789".

#include <cstdint>

#include <mbus/core/bytes.hpp>

namespace mbus::han {

std::uint16_t crc16_x25(bytes_view data) noexcept;

// Appends the CRC of `data` to `out`, low byte first as HDLC sends it.
void append_crc(bytes& out, bytes_view data);

} // namespace mbus::han
