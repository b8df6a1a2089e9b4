#pragma once
// A replay: captured bytes sent again as a meter would, exactly as captured (never decoded or
// re-encoded), at the capture's pace or faster, once or in a loop. Pure: the runtime sleeps to the
// times this gives (runtime/han_push.hpp).
//
// Pace: a capture's chunks go at their recorded times divided by `speed`. Chunks without a time (hex
// dumps, HANmeter logs) go one `interval` apart, or when no interval is given back to back at `baud`
// (11 bits a character, as on the line). A loop starts its next pass one period after the last: the
// capture's recorded length ("# end:") or, without one, the last chunk's time plus its own line time
// (or the interval).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mbus/capture/chunk.hpp>

namespace mbus::capture {

enum class replay_format : std::uint8_t {
    capture,  // mbus-sim record's file (capture_file.hpp)
    hanmeter, // HANmeter's raw log (raw_log.hpp)
    hex,      // a hex dump (hex_dump.hpp)
};
std::string_view name_of(replay_format f);

// When the first pass starts: with the simulator (the default, as a meter pushes whether anyone
// listens), or once the first TCP client connects, so that a reader that connects late still gets the
// capture from its first byte (a pty's reader cannot be seen opening it).
enum class replay_start : std::uint8_t { at_once, first_reader };

struct replay_config {
    std::string name;
    std::string file; // as the scenario names it, joined to the scenario's folder
    replay_format format{replay_format::capture};
    double speed{1};
    bool loop{false};
    replay_start start{replay_start::at_once};
    std::optional<micros> interval; // for chunks without times
    unsigned baud{2400};            // likewise, when there is no interval
    std::vector<chunk> chunks;
    std::optional<micros> end; // a capture's recorded length
    friend bool operator==(const replay_config&, const replay_config&) = default;
};

// When each chunk goes, from the start of a pass, at speed 1.
std::vector<micros> offsets(const replay_config& r);
// From the start of one pass to the start of the next, at speed 1.
micros period(const replay_config& r);
// A time at speed 1 as it passes at r.speed.
micros scaled(const replay_config& r, micros t);

std::size_t total_bytes(const replay_config& r);

} // namespace mbus::capture
