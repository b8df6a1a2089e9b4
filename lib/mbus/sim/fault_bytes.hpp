#pragma once
// The byte surgery behind the corrupting faults, as pure functions on an answer's wire bytes. Each
// returns nullopt when the answer has no such field (an E5 has no checksum, a CI 78 telegram no
// access number), so the engine can tell an injection from a no-op.

#include <optional>

#include <mbus/core/bytes.hpp>
#include <mbus/sim/fault_spec.hpp>

namespace mbus::sim {

// Short or long frame (10 / 68 start, at least 5 bytes): CS is the byte before the last. The frame's
// other bytes are not checked, so these compose with faults applied before them.
std::optional<bytes> add_to_checksum(bytes_view wire, int delta);
std::optional<bytes> replace_stop(bytes_view wire, byte stop);
// Long frames only: L += delta (mod 256) in the L byte(s) `which` names.
std::optional<bytes> add_to_length(bytes_view wire, int delta, length_field which);

// These decode the frame, change a field and encode it again, so the checksum fits: the result is a
// valid frame that says something wrong.
std::optional<bytes> replace_address(bytes_view wire, byte a);
// The access number or status byte of a CI 72 (long) or CI 7A (short) header.
std::optional<bytes> replace_access_number(bytes_view wire, byte access);
std::optional<bytes> or_status(bytes_view wire, byte flags);

// RSP_UD with CI 70 and one status byte: 68 04 04 68 C A 70 ST CS 16.
bytes app_error_frame(byte c, byte a, byte status);

} // namespace mbus::sim
