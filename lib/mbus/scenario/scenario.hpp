#pragma once
// A loaded scenario: what the runner needs to put a bus of meters on a transport. The loader
// (scenario/load.hpp) fills it from TOML; the runner only reads it.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <mbus/capture/replay.hpp>
#include <mbus/harness/expect.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/fault.hpp>
#include <mbus/sim/han_fault.hpp>
#include <mbus/sim/han_meter.hpp>
#include <mbus/sim/meter_config.hpp>
#include <mbus/sim/timeline.hpp>
#include <mbus/sim/wmbus_fault.hpp>
#include <mbus/sim/wmbus_meter.hpp>

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
    // [bus] clock: the meters' calendar clock at the start (it then runs with the real one); unset:
    // the machine's clock. For month-end, midnight and hourly-list cases without waiting for them.
    std::optional<wall_time> clock;
    friend bool operator==(const bus_settings&, const bus_settings&) = default;
};

// [receiver]: what a reader of a scenario's wireless meters talks to.
enum class receiver_kind : std::uint8_t {
    im871a,   // an IMST iM871A stick on a pty (HCI frames)
    amb8465,  // an Amber AMB8465 stick on a pty
    rtlwmbus, // rtl_wmbus's text lines on stdout
    hex,      // plain hex lines on stdout
};
std::string_view name_of(receiver_kind k); // "im871a", ...

struct receiver_settings {
    receiver_kind kind{receiver_kind::im871a};
    std::uint32_t id{0x12345678}; // the stick's own id (iM871A device id, AMB8465 serial number)
    // How much stronger (dB) a telegram must be than one it overlaps on the air to be received.
    double capture_db{sim::default_capture_db};
    friend bool operator==(const receiver_settings&, const receiver_settings&) = default;
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
    // [[wmbus_meter]]: wireless M-Bus meters, heard through the [receiver]; likewise a scenario of
    // their own (radio, not the wired bus).
    std::vector<sim::wmbus_meter_config> wmbus_meters;
    std::vector<sim::wmbus_fault_spec> wmbus_faults; // [[fault]]s with a wm_* kind, on wmbus_meters
    receiver_settings receiver;
    // [[replay]]: captured bytes sent again, as a meter pushes, on a line of their own (one per scenario).
    std::vector<capture::replay_config> replays;
    friend bool operator==(const scenario&, const scenario&) = default;
};

} // namespace mbus::scenario
