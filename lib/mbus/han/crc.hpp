#pragma once
// The HDLC frame and header check sequences of IEC 62056-46 (and ISO/IEC 13239): CRC-16/X.25 (see
// core/crc.hpp), sent low byte first.

#include <mbus/core/crc.hpp>

namespace mbus::han {

using mbus::crc16_x25;

// Appends the CRC of `data` to `out`, low byte first as HDLC sends it.
void append_crc(bytes& out, bytes_view data);

} // namespace mbus::han
