// A fault as a scenario declares it: kind names as scenarios spell them, and the one-line
// description the log prints.

#include <doctest/doctest.h>

#include <mbus/sim/fault_spec.hpp>

#include <sstream>

using namespace mbus;
using namespace mbus::sim;
using namespace std::chrono_literals;

TEST_CASE("fault kinds round-trip through their names") {
    CHECK(fault_kind_names.size() == std::variant_size_v<fault_action>);
    CHECK(fault_kind_names.front() == "no_answer");
    CHECK(fault_kind_names.back() == "preamble");
    for (const auto& kind : every_alternative<fault_action>())
        CHECK(parse_fault_kind(name(kind)) == kind);
    // Scenarios may write a kind in capitals; the settings start at their defaults.
    CHECK(parse_fault_kind("Bad_Checksum") == fault_action{faults::bad_checksum{1}});
    CHECK(parse_fault_kind("ACK_JUNK") == fault_action{faults::ack_junk{{}, 1}});
    CHECK_FALSE(parse_fault_kind("no_anwser"));
}

TEST_CASE("fault description names the kind the meter and the trigger") {
    fault_spec f;
    f.name = "flaky";
    f.meter = "water";
    f.action = faults::late{{1s, 2s}};
    f.trigger.requests = {link::request_kind::req_ud2};
    f.trigger.probability = 0.5;
    f.trigger.every = 3;
    f.trigger.from = 2s;
    f.active = false;
    std::ostringstream os;
    os << f;
    CHECK(os.str() == "fault 'flaky' late on water for REQ_UD2 p=0.5 every 3 from 2000000us (inactive)");
    std::ostringstream bus;
    bus << fault_spec{"drop", "", {}, faults::no_answer{}, true};
    CHECK(bus.str() == "fault 'drop' no_answer on the bus");
}
