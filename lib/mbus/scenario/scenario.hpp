#pragma once
// A loaded scenario: what the runner needs to put a bus of meters on a transport. The loader
// (scenario/load.hpp) fills it from TOML; the runner only reads it.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <mbus/harness/expect.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/fault.hpp>
#include <mbus/sim/han_fault.hpp>
#include <mbus/sim/han_meter.hpp>
#include <mbus/sim/meter_config.hpp>
#include <mbus/sim/timeline.hpp>

namespace mbus::scenario {

enum class timing_mode : std::uint8_t {
    fast,      // answers are written whole after their delay (CI, quick tests)
    realistic, // bytes are paced at the baud rate, 11 bits per character
    // Answers are written whole at once, with no response delay: outside the EN 13757-2 window, for
    // masters' unit tests and load tests over TCP that want speed, not timing.
    immediate,
};

struct bus_settings {
    std::string name;
    unsigned baud{2400};
    timing_mode timing{timing_mode::fast};
    sim::bus_config config; // strict baud checking, response delay range, seed
    friend bool operator==(const bus_settings&, const bus_settings&) = default;
};

struct scenario {
    std::filesystem::path source; // the file it came from ("<built-in demo>" for the demo)
    bus_settings bus;
    std::vector<sim::meter_config> meters;
    std::vector<bool> present; // per meter: on the bus at the start (false: it joins by an [[event]])
    std::vector<sim::fault_spec> faults;            // [[fault]]
    std::vector<sim::timeline_event> events;        // [[event]]
    std::vector<harness::expectation> expectations; // [[expect]]
    // [[han_meter]]: meters that push on a HAN port of their own; a scenario has them or M-Bus
    // meters, not both (a HAN port is a line of its own, and nobody asks on it).
    std::vector<sim::han_meter_config> han_meters;
    std::vector<sim::han_fault_spec> han_faults; // [[fault]]s with a han_* kind, on han_meters
    friend bool operator==(const scenario&, const scenario&) = default;
};

} // namespace mbus::scenario
