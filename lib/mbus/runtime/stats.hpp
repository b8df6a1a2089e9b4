#pragma once
// What a run did, counted as it happens: for the summary line at the end and for tests.

#include <cstdint>
#include <iosfwd>

namespace mbus::runtime {

struct stats {
    std::uint64_t sessions{0};     // streams served: each pty or serial device, each TCP connection
    std::uint64_t requests{0};     // frames handed to the bus
    std::uint64_t answered{0};     // requests that put something on the wire
    std::uint64_t silent{0};       // requests no meter answered
    std::uint64_t collisions{0};   // answers of more than one meter at once
    std::uint64_t junk{0};         // junk events: skipped bytes, broken or abandoned frames
    std::uint64_t junk_bytes{0};   // the bytes they covered
    std::uint64_t bytes_in{0};     // everything read from masters
    std::uint64_t bytes_out{0};    // everything written to masters
    std::uint64_t line_changes{0}; // line settings a master made on a pty
    std::uint64_t write_errors{0}; // replies that could not be written (the master had gone)
    std::uint64_t dropped{0};      // requests dropped: their session had max_queued waiting already
    std::uint64_t slow_closed{0};  // sessions closed because their master did not read its answers
    std::uint64_t idle_closed{0};  // connections closed after session_idle without a byte
    std::uint64_t refused{0};      // connections closed at once: max_sessions were open
    std::uint64_t read_only{0};    // SND_UD refused on a read-only bus
    friend bool operator==(const stats&, const stats&) = default;
};

// "12 requests (10 answered, 2 silent, 1 collision), 3 junk (17 bytes), 2 sessions, 210 bytes in,
// 1520 bytes out"
std::ostream& operator<<(std::ostream& os, const stats& s);

} // namespace mbus::runtime
