#pragma once
// Untimed byte streams cut into the pieces a replay sends: HANmeter's raw log (HANdomo.py -l FILE
// writes every byte it reads from the serial port, as read, with nothing added: hansrune/HANmeter,
// HANdomo.py: `outputFile = open(arg, mode='wb')` ... `outputFile.write(byte_s)`), or a hex dump
// taken as one stream.
//
// The cut follows HDLC frame format type 3 (IEC 62056-46): flag 7E, a format field A0..A7 or A8..AF
// whose low 11 bits are the length from the format field to the FCS, then the flag closing it. A
// frame so delimited is one chunk (a frame that shares its opening flag with the previous frame's
// closing one starts after it); the bytes between frames (junk, a truncated frame, a wired M-Bus
// stream, which has no such frames) are chunks of their own of at most `max_run` bytes. The bytes are
// kept as they are: joining the chunks gives the input back.

#include <cstddef>
#include <vector>

#include <mbus/capture/chunk.hpp>

namespace mbus::capture {

std::vector<chunk> split_frames(bytes_view stream, std::size_t max_run = 256);

// The chunks' bytes joined in order.
bytes joined(const std::vector<chunk>& chunks);

} // namespace mbus::capture
