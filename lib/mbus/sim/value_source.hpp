#pragma once
// Where a simulated record's value comes from. A source is evaluated at an instant passed in (the
// time since the meter started, and the wall time), never at a clock read here, so a test or a
// replayed session gets the same values for the same request times.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <variant>

#include <mbus/core/time.hpp>

namespace mbus::sim {

using seconds_d = std::chrono::duration<double>;

// Always the same number.
struct constant {
    double value{0};
    friend bool operator==(const constant&, const constant&) = default;
};

// start + rate * elapsed / per: a register that grows steadily (shrinks with a negative rate).
struct counter {
    double start{0};
    double rate{0};
    seconds_d per{std::chrono::hours{1}};
    friend bool operator==(const counter&, const counter&) = default;
};

// `from` to `to` in a straight line over `duration`, then holds `to`; with `repeat`, a sawtooth.
struct ramp {
    double from{0};
    double to{0};
    seconds_d duration{std::chrono::hours{1}};
    bool repeat{false};
    friend bool operator==(const ramp&, const ramp&) = default;
};

// offset + amplitude * sin(2 pi elapsed / period + phase), phase in degrees (90: starts at the top).
struct sine {
    double offset{0};
    double amplitude{1};
    seconds_d period{std::chrono::hours{24}};
    double phase_degrees{0};
    friend bool operator==(const sine&, const sine&) = default;
};

// Starts at `start`; every `interval` it moves by a uniform step in [-step, +step] drawn from a
// generator seeded with `seed`, reflected back inside [min, max]. The value at an instant depends
// only on the seed and on how many whole intervals have elapsed, so the same seed and the same
// request times give the same values whatever else was asked in between.
struct random_walk {
    double start{0};
    double step{1};
    double min{-1e9};
    double max{1e9};
    seconds_d interval{std::chrono::seconds{1}};
    std::uint64_t seed{0};
    friend bool operator==(const random_walk&, const random_walk&) = default;
};

// The wall time passed in, moved to the meter's local time by a fixed offset (meters keep local
// time and know nothing of time zones).
struct current_date {
    std::chrono::minutes utc_offset{0};
    friend bool operator==(const current_date&, const current_date&) = default;
};
struct current_date_time {
    std::chrono::minutes utc_offset{0};
    friend bool operator==(const current_date_time&, const current_date_time&) = default;
};

using value_source =
    std::variant<constant, counter, ramp, sine, random_walk, current_date, current_date_time>;

// What a source yields: a number in the record's unit (not yet fitted to its data coding), or a
// local calendar time (current_date gives midnight of the day).
using sample = std::variant<double, std::chrono::local_seconds>;

// How a number becomes an integer for an integer or BCD data coding: a counter shows only whole
// units it has accumulated (floor), every other source rounds to the nearest (halves away from
// zero).
enum class rounding { floor, nearest };
rounding rounding_of(const value_source& s);

// The source at `elapsed` since the meter started (negative counts as 0) and at wall time `wall`.
// Pure: a random walk is replayed from its start. value_generator caches it.
sample evaluate(const value_source& s, duration elapsed, wall_time wall);

// A source with the state that makes a long random walk cheap to follow: it remembers where the
// walk was last asked for and walks on from there (or from the start, for an earlier instant).
// Gives exactly what evaluate() gives.
class value_generator {
  public:
    explicit value_generator(value_source s) : source_(std::move(s)) {}
    sample at(duration elapsed, wall_time wall);
    const value_source& source() const { return source_; }

  private:
    value_source source_;
    std::int64_t walk_steps_{-1}; // steps taken to reach walk_value_; -1: not started
    double walk_value_{0};
};

std::ostream& operator<<(std::ostream& os, const value_source& s);
std::ostream& operator<<(std::ostream& os, const sample& s);

} // namespace mbus::sim
