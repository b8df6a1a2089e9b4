#pragma once
// Frames in words for the log and the transcript, and the one decode of what a master received.
// The words come from the frames read in place (link::frame_view, app::outline_of): no copy of the
// data and no decoded records, so that a stream subscriber, which has every record in words, pays
// for the line only.

#include <optional>
#include <string>

#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/link/frame_view.hpp>

namespace mbus::runtime {

// link::describe, and for RSP_UD a short application summary
// ("RSP_UD a=5 ci=72 len=19 [id=12345678 man=KAM ver=1 medium=water records=1]").
std::string summarize(const link::frame& f);
// The same appended to `out`.
void append_summary(std::string& out, const link::frame_view& f);

// What a master received, decoded once: every frame in it summarised ("ACK", "ACK + ACK",
// "? 19 bytes (bad checksum)"), the frame when the bytes are exactly one intact frame, and whether
// that frame is an RSP_UD whose last record is DIF 1F (more telegrams follow).
struct decoded_wire {
    std::optional<link::frame> frame;
    std::string summary;
    bool more_follows{false};
};
decoded_wire decode_wire(bytes_view wire);

// decode_wire's summary appended to `out`, without the frame; returns its more_follows.
bool append_wire_summary(std::string& out, bytes_view wire);

} // namespace mbus::runtime
