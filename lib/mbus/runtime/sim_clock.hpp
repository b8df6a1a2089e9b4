#pragma once
// The simulation's calendar: the machine's clock, or one a scenario sets ([bus] clock) to read
// `start` at a steady instant and run with the steady clock from there. Meters' date-time records,
// HAN meter clocks and wireless meters read their wall time from it; the transcript's timestamps
// stay the machine's (they say when an exchange really happened).

#include <mbus/core/time.hpp>
#include <mbus/sim/now.hpp>

#include <optional>

namespace mbus::runtime {

class sim_clock {
  public:
    sim_clock() = default; // the machine's clock
    // Reads `start` at the steady instant `at`; without `start`, the machine's clock.
    sim_clock(std::optional<wall_time> start, time_point at) : start_(start), at_(at) {}

    sim::sim_now at(time_point mono) const;
    sim::sim_now now() const { return at(clock::now()); }
    bool set() const noexcept { return start_.has_value(); }

  private:
    std::optional<wall_time> start_;
    time_point at_{};
};

} // namespace mbus::runtime
