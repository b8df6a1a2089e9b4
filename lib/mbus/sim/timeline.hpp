#pragma once
// A scenario's [[event]]s: changes to the bus that happen at a time since the run started or once a
// number of requests have been served. The timeline reads no clock: the runner passes the time and
// the count in (before each request, and on a timer set to next_time()), and the timeline carries
// out what has fallen due on the bus, its slaves and the fault engine.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <mbus/core/time.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/fault.hpp>
#include <mbus/sim/now.hpp>
#include <mbus/sim/value_source.hpp>

// The parts of an event, in their own namespace: fault triggers have names of the same kind.
namespace mbus::sim::events {

// ---- when ----

struct at_time {
    duration since_start{}; // since the run (the timeline's start)
    friend bool operator==(const at_time&, const at_time&) = default;
};
// Once this many requests have been served, before the next one is.
struct after_requests {
    std::uint64_t count{0};
    friend bool operator==(const after_requests&, const after_requests&) = default;
};
using trigger = std::variant<at_time, after_requests>;

// ---- what ----

// The meter joins (true) or leaves (false) the bus: off the bus it hears and answers nothing.
struct presence {
    bool present{true};
    friend bool operator==(const presence&, const presence&) = default;
};
// Power lost and back: selection and link state (FCB, readout position) are forgotten, and the
// fault engine starts its wake-up faults over.
struct power_cycle {
    friend bool operator==(const power_cycle&, const power_cycle&) = default;
};
// Record `record` (index into the meter's records, from 0) takes its value from `source` from now
// on; elapsed-time sources count from the event.
struct value {
    std::size_t record{0};
    value_source source;
    friend bool operator==(const value&, const value&) = default;
};
// The status byte every telegram encoded from now on carries.
struct status {
    std::uint8_t byte{0};
    friend bool operator==(const status&, const status&) = default;
};
// Raises (true) or clears (false) the pending alarm that REQ_UD1 and ACD report.
struct alarm {
    bool pending{true};
    friend bool operator==(const alarm&, const alarm&) = default;
};
// Starts (true) or stops (false) the scenario's fault of this name.
struct fault {
    std::string name;
    bool active{true};
    friend bool operator==(const fault&, const fault&) = default;
};
using action = std::variant<presence, power_cycle, value, status, alarm, fault>;

std::ostream& operator<<(std::ostream& os, const trigger& t); // "at 1.5s", "after 10 requests"

} // namespace mbus::sim::events

namespace mbus::sim {

struct timeline_event {
    events::trigger when{events::at_time{}};
    std::string meter; // the meter's name; empty for a fault
    events::action what{events::power_cycle{}};
    friend bool operator==(const timeline_event&, const timeline_event&) = default;
};
// "at 1s: meter heat-2 leaves the bus"
std::ostream& operator<<(std::ostream& os, const timeline_event& e);

class timeline {
  public:
    timeline(std::vector<timeline_event> events, time_point start);
    // Nothing left to do.
    bool empty() const { return events_.empty(); }
    // When the next event that waits for a time is due; nullopt: none left.
    std::optional<time_point> next_time() const;
    // Carries out, once each, every event due at `now.mono` or once `served` requests have been
    // served; returns one line per event for the log and transcript. Events due in the same call
    // happen in the order they fell due: timed ones by their time, then counted ones by their count,
    // ties in scenario order. An event naming a meter that is not on the bus, a record it cannot
    // drive, or a fault the engine does not know is skipped, and its line says why. `faults` may be
    // null (a scenario without faults): fault events are then skipped.
    std::vector<std::string> apply_due(const sim_now& now, std::uint64_t served, bus& b,
                                       fault_engine* faults);

    // Carries out one event's action now, whatever its trigger says (a control request, an embedding
    // test); the line says what was done, as apply_due's do.
    static std::string apply_now(const timeline_event& e, const sim_now& now, bus& b, fault_engine* faults);

  private:
    struct pending {
        std::size_t number{0}; // in the scenario, from 1: logs name it
        timeline_event event;
    };
    static std::string apply(const pending& p, const sim_now& now, bus& b, fault_engine* faults);
    static std::string apply(const timeline_event& e, std::string_view tag, const sim_now& now, bus& b,
                             fault_engine* faults);

    std::vector<pending> events_; // still to happen, in the order they fall due
    time_point start_;
};

} // namespace mbus::sim
