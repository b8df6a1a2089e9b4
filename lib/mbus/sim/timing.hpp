#pragma once
// When a slave answers: EN 13757-2 lets it start between 11 bit times and 330 bit times + 50 ms
// after the end of the request. The simulation picks a delay; the runner owns the timer.

#include <chrono>
#include <cstdint>
#include <iosfwd>

namespace mbus::sim {

using microseconds = std::chrono::microseconds;

struct delay_range {
    microseconds min{2'000};
    microseconds max{20'000};
    friend bool operator==(const delay_range&, const delay_range&) = default;
};
std::ostream& operator<<(std::ostream& os, const delay_range& r);

// The EN 13757-2 window at `baud` (0 counts as 2400, the most common rate).
delay_range response_window(unsigned baud);

// A delay in `wanted` moved inside the window at `baud`: the overlap of the two, or the window's
// nearer end when they do not overlap. `random` (any 64-bit draw) picks the point in the overlap,
// so the caller's seeded generator makes the choice reproducible.
microseconds choose_delay(const delay_range& wanted, unsigned baud, std::uint64_t random);

// The baud rates CI B8..BF switch to, in order (300 .. 38400).
unsigned baud_for_ci(std::uint8_t ci); // 0 for any other CI

} // namespace mbus::sim
