#pragma once
// The instant a request is handled, as the runner passes it in: the simulation core reads no clock.

#include <iosfwd>

#include <mbus/core/time.hpp>

namespace mbus::sim {

struct sim_now {
    time_point mono{}; // steady time: elapsed-time sources (counters, sines, random walks)
    wall_time wall{};  // calendar time: date and date-time records
    friend bool operator==(const sim_now&, const sim_now&) = default;
};

std::ostream& operator<<(std::ostream& os, const sim_now& n);

} // namespace mbus::sim
