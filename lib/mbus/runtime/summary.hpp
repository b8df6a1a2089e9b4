#pragma once
// Frames in words for the log and the transcript, and the one decode of what a master received.

#include <optional>
#include <string>

#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>

namespace mbus::runtime {

// link::describe, and for RSP_UD a short application summary
// ("RSP_UD a=5 ci=72 len=19 [id=12345678 man=KAM ver=1 medium=water records=1]").
std::string summarize(const link::frame& f);

// What a master received, decoded once: every frame in it summarised ("ACK", "ACK + ACK",
// "? 19 bytes (bad checksum)"), the frame when the bytes are exactly one intact frame, and whether
// that frame is an RSP_UD whose last record is DIF 1F (more telegrams follow).
struct decoded_wire {
    std::optional<link::frame> frame;
    std::string summary;
    bool more_follows{false};
};
decoded_wire decode_wire(bytes_view wire);

} // namespace mbus::runtime
