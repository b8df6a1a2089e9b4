#pragma once
// CRC-16/X.25 (catalogued also as CRC-16/IBM-SDLC): polynomial 0x1021 reflected, initial value FFFF,
// result complemented; check value 0x906E over "123456789". HDLC's frame and header check sequences
// (IEC 62056-46, ISO/IEC 13239) and the iM871A's HCI frames use it.

#include <cstdint>

#include <mbus/core/bytes.hpp>

namespace mbus {

std::uint16_t crc16_x25(bytes_view data) noexcept;

} // namespace mbus
