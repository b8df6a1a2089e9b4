#pragma once
// Time as the protocol core sees it: passed in, never read from a clock inside link/, app/ or sim/.

#include <chrono>

namespace mbus {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;
using duration = clock::duration;
using wall_time = std::chrono::system_clock::time_point; // for date and date-time record values

// A bit time at a baud rate, and an 8E1 character (11 bits), in microseconds.
constexpr std::chrono::microseconds bit_time(unsigned baud) {
    return std::chrono::microseconds(1'000'000 / (baud == 0 ? 1 : baud));
}
constexpr std::chrono::microseconds char_time(unsigned baud) {
    return std::chrono::microseconds(11'000'000 / (baud == 0 ? 1 : baud));
}

} // namespace mbus
