#pragma once
// Every frame a master sends and every piece of what comes back, with timestamps, handed to a hook
// as it happens (a later writer turns them into JSON lines).

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string_view>
#include <system_error>

#include <mbus/core/bytes.hpp>
#include <mbus/core/time.hpp>
#include <mbus/link/frame.hpp>

namespace mbus::master {

enum class transcript_kind : std::uint8_t {
    sent,     // a request written to the stream
    received, // a whole frame (or E5) the parser found
    junk,     // bytes that were no frame (garbled, cut short, a broken checksum)
    timeout,  // the response window closed with nothing received
    stale,    // bytes found waiting before a request: a late answer to an earlier one, dropped
};
std::string_view name(transcript_kind k); // "sent", "received", "junk", "timeout", "stale"

struct transcript_entry {
    transcript_kind kind{transcript_kind::sent};
    time_point at{};                  // sent: when the write completed; received/junk: last byte's arrival
    time_point first{};               // received/junk: the first byte's arrival; else == at
    wall_time wall{};                 // the wall clock at `at`, for people reading the log
    bytes raw;                        // the bytes (empty for timeout)
    std::optional<link::frame> frame; // sent and received
    std::error_code error;            // junk: why the parser skipped the bytes
    unsigned attempt{1};              // 1 for the first try of a request, 2 for its first repeat...
    friend bool operator==(const transcript_entry&, const transcript_entry&) = default;
};
std::ostream& operator<<(std::ostream& os, const transcript_entry& e); // "sent 10 40 05 45 16 (SND_NKE a=5)"

using transcript_hook = std::function<void(const transcript_entry&)>;

} // namespace mbus::master
