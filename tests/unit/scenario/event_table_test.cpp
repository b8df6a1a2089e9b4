// [[event]] and `present`: what the loader makes of a timeline, and what it says about a wrong one
// (message, key path and line:column).

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>

#include "scenario_support.hpp"

#include <string>

using namespace mbus;
using namespace mbus::scenario;
using namespace mbus::scenario::test;
using namespace std::chrono_literals;
namespace ev = mbus::sim::events;

namespace {

// Two meters (lines 1-19), heat-2 off the bus at the start; the events follow from line 20.
std::string with_events(const std::string& events) {
    return "[[meter]]\n"                                                                            // 1
           "name = \"heat-1\"\n"                                                                    // 2
           "address = 1\n"                                                                          // 3
           "id = \"11111111\"\n"                                                                    // 4
           "manufacturer = \"TST\"\n"                                                               // 5
           "medium = \"heat\"\n"                                                                    // 6
           "[[meter.record]]\n"                                                                     // 7
           "quantity = \"energy\"\n"                                                                // 8
           "unit = \"kWh\"\n"                                                                       // 9
           "type = \"bcd8\"\n"                                                                      // 10
           "value = 154\n"                                                                          // 11
           "[[meter]]\n"                                                                            // 12
           "name = \"heat-2\"\n"                                                                    // 13
           "address = 2\n"                                                                          // 14
           "id = \"22222222\"\n"                                                                    // 15
           "manufacturer = \"TST\"\n"                                                               // 16
           "medium = \"heat\"\n"                                                                    // 17
           "present = false\n"                                                                      // 18
           "record = [{ quantity = \"energy\", unit = \"kWh\", type = \"bcd8\", value = 870 }]\n" + // 20
           events;
}

// Every diagnostic of loading `text` as plant.toml.
std::vector<std::string> errors_of(const std::string& text) {
    const auto r = load_string(text, "plant.toml");
    CHECK_FALSE(r);
    return messages(r);
}

} // namespace

TEST_CASE("event table loads each action with its time") {
    const auto r = load_string(with_events("[[event]]\n"                                        // 20
                                           "at = \"1.5s\"\n"                                    // 21
                                           "meter = \"heat-1\"\n"                               // 22
                                           "action = \"leave\"\n"                               // 23
                                           "[[event]]\n"                                        // 24
                                           "after_requests = 10\n"                              // 25
                                           "meter = \"heat-2\"\n"                               // 26
                                           "action = \"join\"\n"                                // 27
                                           "[[event]]\n"                                        // 28
                                           "at = 2\n"                                           // 29
                                           "meter = \"heat-1\"\n"                               // 30
                                           "action = \"value\"\n"                               // 31
                                           "record = 1\n"                                       // 32
                                           "value = 4711\n"                                     // 33
                                           "[[event]]\n"                                        // 34
                                           "at = \"1min\"\n"                                    // 35
                                           "meter = \"heat-1\"\n"                               // 36
                                           "action = \"value\"\n"                               // 37
                                           "record = 1\n"                                       // 38
                                           "value = { counter = { start = 5000, rate = 2 } }\n" // 39
                                           "[[event]]\n"                                        // 40
                                           "at = \"3s\"\n"                                      // 41
                                           "meter = \"heat-1\"\n"                               // 42
                                           "action = \"status\"\n"                              // 43
                                           "status = 0x04\n"                                    // 44
                                           "[[event]]\n"                                        // 45
                                           "after_requests = 0\n"                               // 46
                                           "meter = \"heat-2\"\n"                               // 47
                                           "action = \"power_cycle\"\n"                         // 48
                                           "[[event]]\n"                                        // 49
                                           "at = \"500ms\"\n"                                   // 50
                                           "meter = \"heat-1\"\n"                               // 51
                                           "action = \"alarm\"\n"                               // 52
                                           "[[event]]\n"                                        // 53
                                           "at = \"600ms\"\n"                                   // 54
                                           "meter = \"heat-1\"\n"                               // 55
                                           "action = \"clear_alarm\"\n"),                       // 56
                               "plant.toml");
    REQUIRE_MESSAGE(r, r);
    const auto& sc = *r.value;
    CHECK(sc.present == std::vector<bool>{true, false});
    const std::vector<sim::timeline_event> want{
        {ev::at_time{1500ms}, "heat-1", ev::presence{false}},
        {ev::after_requests{10}, "heat-2", ev::presence{true}},
        {ev::at_time{2s}, "heat-1", ev::value{0, sim::constant{4711}}},
        {ev::at_time{1min}, "heat-1", ev::value{0, sim::counter{5000, 2, 1h}}},
        {ev::at_time{3s}, "heat-1", ev::status{0x04}},
        {ev::after_requests{0}, "heat-2", ev::power_cycle{}},
        {ev::at_time{500ms}, "heat-1", ev::alarm{true}},
        {ev::at_time{600ms}, "heat-1", ev::alarm{false}},
    };
    REQUIRE(sc.events.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("event ", i);
        CHECK(sc.events[i] == want[i]);
    }
}

TEST_CASE("event table a scenario without events has every meter present") {
    const auto r = load_string(with_events(""), "plant.toml");
    REQUIRE_MESSAGE(r, r);
    CHECK(r.value->events.empty());
    CHECK(r.value->present == std::vector<bool>{true, false});
}

TEST_CASE("event table present applies to every copy of a repeated meter") {
    const auto r =
        load_string("[[meter]]\n"
                    "name = \"w\"\n"
                    "address = 1\n"
                    "id = \"11111111\"\n"
                    "manufacturer = \"TST\"\n"
                    "medium = \"water\"\n"
                    "repeat = 3\n"
                    "present = false\n"
                    "record = [{ quantity = \"volume\", unit = \"m3\", type = \"bcd8\", value = 1 }]\n",
                    "plant.toml");
    REQUIRE_MESSAGE(r, r);
    CHECK(r.value->present == std::vector<bool>{false, false, false});
}

TEST_CASE("event table present must be a boolean") {
    auto text = with_events("");
    text.replace(text.find("present = false"), 15, "present = \"no\"");
    CHECK(errors_of(text) == std::vector<std::string>{
                                 "plant.toml:18:11: meter[1].present: expected true or false, got a string"});
}

TEST_CASE("event table an unknown meter is named with a suggestion") {
    CHECK(errors_of(with_events("[[event]]\n"            // 20
                                "at = \"1s\"\n"          // 21
                                "meter = \"heat-3\"\n"   // 22
                                "action = \"leave\"\n")) // 23
          == std::vector<std::string>{
                 "plant.toml:22:9: event[0].meter: unknown meter \"heat-3\"; did you mean \"heat-1\"?"});
    CHECK(errors_of(with_events("[[event]]\n"                 // 20
                                "at = \"1s\"\n"               // 21
                                "meter = \"boiler-room-7\"\n" // 22
                                "action = \"leave\"\n"))      // 23
          == std::vector<std::string>{"plant.toml:22:9: event[0].meter: unknown meter \"boiler-room-7\"; the "
                                      "meters are \"heat-1\" or \"heat-2\""});
}

TEST_CASE("event table bad times are reported where they are") {
    CHECK(errors_of(with_events("[[event]]\n"            // 20
                                "at = \"soon\"\n"        // 21
                                "meter = \"heat-1\"\n"   // 22
                                "action = \"leave\"\n")) // 23
          == std::vector<std::string>{"plant.toml:21:6: event[0].at: \"soon\" is not a duration (write e.g. "
                                      "\"10s\", \"1.5h\", \"30min\", \"500ms\", \"2d\")"});
    CHECK(errors_of(with_events("[[event]]\n"            // 20
                                "at = -1\n"              // 21
                                "meter = \"heat-1\"\n"   // 22
                                "action = \"leave\"\n")) // 23
          == std::vector<std::string>{"plant.toml:21:6: event[0].at: -1s is not a time since the start of "
                                      "the run (0 up to a century)"});
    CHECK(errors_of(with_events("[[event]]\n"            // 20
                                "after_requests = -3\n"  // 21
                                "meter = \"heat-1\"\n"   // 22
                                "action = \"leave\"\n")) // 23
              .size() == 1);
    CHECK(errors_of(with_events("[[event]]\n"            // 20
                                "at = \"1s\"\n"          // 21
                                "after_requests = 3\n"   // 22
                                "meter = \"heat-1\"\n"   // 23
                                "action = \"leave\"\n")) // 24
          == std::vector<std::string>{
                 "plant.toml:22:18: event[0].after_requests: give either at or after_requests, not both"});
    CHECK(errors_of(with_events("[[event]]\n"            // 20
                                "meter = \"heat-1\"\n"   // 21
                                "action = \"leave\"\n")) // 22
          == std::vector<std::string>{"plant.toml:20:1: event[0]: missing key \"at\" (a time since the run "
                                      "started, such as \"2s\") or \"after_requests\" (a number of requests "
                                      "served)"});
}

TEST_CASE("event table unknown keys and actions get a suggestion") {
    CHECK(errors_of(with_events("[[event]]\n"            // 20
                                "after_request = 3\n"    // 21
                                "at = \"1s\"\n"          // 22
                                "meter = \"heat-1\"\n"   // 23
                                "action = \"leave\"\n")) // 24
          ==
          std::vector<std::string>{"plant.toml:21:1: event[0].after_request: unknown key \"after_request\"; "
                                   "did you mean \"after_requests\"?"});
    CHECK(errors_of(with_events("[[event]]\n"           // 20
                                "at = \"1s\"\n"         // 21
                                "meter = \"heat-1\"\n"  // 22
                                "action = \"leav\"\n")) // 23
          == std::vector<std::string>{
                 "plant.toml:23:10: event[0].action: unknown value \"leav\"; did you mean \"leave\"?"});
    CHECK(errors_of(with_events("[[event]]\n"            // 20
                                "at = \"1s\"\n"          // 21
                                "meter = \"heat-1\"\n")) // 22
          == std::vector<std::string>{
                 "plant.toml:20:1: event[0]: missing key \"action\" (\"join\", \"leave\", \"power_cycle\", "
                 "\"value\", \"status\", \"alarm\", \"clear_alarm\", \"start_fault\" or \"stop_fault\")"});
}

TEST_CASE("event table keys of another action are mistakes") {
    CHECK(errors_of(with_events("[[event]]\n"          // 20
                                "at = \"1s\"\n"        // 21
                                "meter = \"heat-1\"\n" // 22
                                "action = \"leave\"\n" // 23
                                "status = 4\n"))       // 24
          ==
          std::vector<std::string>{"plant.toml:24:10: event[0].status: action \"leave\" takes no \"status\" "
                                   "(it goes with action = \"status\")"});
    CHECK(errors_of(with_events("[[event]]\n"             // 20
                                "at = \"1s\"\n"           // 21
                                "meter = \"heat-1\"\n"    // 22
                                "action = \"status\"\n")) // 23
          == std::vector<std::string>{
                 "plant.toml:20:1: event[0]: missing key \"status\" (action \"status\" needs it)"});
    CHECK(errors_of(with_events("[[event]]\n"            // 20
                                "at = \"1s\"\n"          // 21
                                "action = \"leave\"\n")) // 22
          == std::vector<std::string>{
                 "plant.toml:20:1: event[0]: missing key \"meter\" (the meter that does \"leave\")"});
    CHECK(errors_of(with_events("[[event]]\n"           // 20
                                "at = \"1s\"\n"         // 21
                                "action = \"status\"\n" // 22
                                "meter = \"heat-1\"\n"  // 23
                                "status = 256\n"))      // 24
              .size() == 1);
}

TEST_CASE("event table value events are checked against the meter's record") {
    CHECK(errors_of(with_events("[[event]]\n"          // 20
                                "at = \"1s\"\n"        // 21
                                "meter = \"heat-1\"\n" // 22
                                "action = \"value\"\n" // 23
                                "record = 2\n"         // 24
                                "value = 1\n"))        // 25
          ==
          std::vector<std::string>{"plant.toml:24:10: event[0].record: meter \"heat-1\": record 2 does not "
                                   "exist: the meter has 1 record"});
    CHECK(errors_of(with_events("[[event]]\n"           // 20
                                "at = \"1s\"\n"         // 21
                                "meter = \"heat-1\"\n"  // 22
                                "action = \"value\"\n"  // 23
                                "record = 1\n"          // 24
                                "value = 123456789\n")) // 25
          ==
          std::vector<std::string>{"plant.toml:25:9: event[0].value: meter \"heat-1\": record 1 cannot send "
                                   "123456789: it is beyond what bcd8 holds"});
    CHECK(errors_of(with_events("[[event]]\n"                                       // 20
                                "at = \"1s\"\n"                                     // 21
                                "meter = \"heat-1\"\n"                              // 22
                                "action = \"value\"\n"                              // 23
                                "record = 1\n"                                      // 24
                                "value = { counter = { start = 1, rait = 2 } }\n")) // 25
          ==
          std::vector<std::string>{
              "plant.toml:25:21: event[0].value.counter: missing key \"rate\"",
              "plant.toml:25:34: event[0].value.counter.rait: unknown key \"rait\"; did you mean \"rate\"?"});
    CHECK(errors_of(with_events("[[event]]\n"                                     // 20
                                "at = \"1s\"\n"                                   // 21
                                "meter = \"heat-1\"\n"                            // 22
                                "action = \"value\"\n"                            // 23
                                "record = 1\n"                                    // 24
                                "value = { sawtooth = { from = 1, to = 2 } }\n")) // 25
              .size() == 1);
}

TEST_CASE("event table fault events name a fault and no meter") {
    CHECK(errors_of(with_events("[[event]]\n"                // 20
                                "at = \"1s\"\n"              // 21
                                "action = \"start_fault\"\n" // 22
                                "fault = \"flaky\"\n"))      // 23
          == std::vector<std::string>{
                 "plant.toml:23:9: event[0].fault: unknown fault \"flaky\": the scenario has "
                 "no [[fault]] with a name"});
    CHECK(errors_of(with_events("[[event]]\n"               // 20
                                "at = \"1s\"\n"             // 21
                                "action = \"stop_fault\"\n" // 22
                                "meter = \"heat-1\"\n"      // 23
                                "fault = \"flaky\"\n"))     // 24
              .front() ==
          "plant.toml:23:9: event[0].meter: a fault event names no meter: the [[fault]] itself says "
          "which meters it hits");
}

TEST_CASE("event table must be an array of tables") {
    CHECK(errors_of(with_events("[event]\n"       // 20
                                "at = \"1s\"\n")) // 21
          == std::vector<std::string>{
                 "plant.toml:20:1: event: write [[event]] (one table per event), not [event]"});
}

TEST_CASE("event table fault events load against the scenario's faults") {
    const auto faults = "[[fault]]\n"                                                         // 20
                        "name = \"flaky\"\n"                                                  // 21
                        "meter = \"heat-1\"\n"                                                // 22
                        "kind = \"no_answer\"\n"                                              // 23
                        "active = false\n";                                                   // 24
    const auto r = load_string(with_events(std::string(faults) + "[[event]]\n"                // 25
                                                                 "at = \"1s\"\n"              // 26
                                                                 "action = \"start_fault\"\n" // 27
                                                                 "fault = \"flaky\"\n"        // 28
                                                                 "[[event]]\n"                // 29
                                                                 "after_requests = 5\n"       // 30
                                                                 "action = \"stop_fault\"\n"  // 31
                                                                 "fault = \"flaky\"\n"),      // 32
                               "plant.toml");
    REQUIRE_MESSAGE(r, r);
    CHECK(r.value->events ==
          std::vector<sim::timeline_event>{{ev::at_time{1s}, "", ev::fault{"flaky", true}},
                                           {ev::after_requests{5}, "", ev::fault{"flaky", false}}});
    CHECK(errors_of(with_events(std::string(faults) + "[[event]]\n"               // 25
                                                      "at = \"1s\"\n"             // 26
                                                      "action = \"stop_fault\"\n" // 27
                                                      "fault = \"flakey\"\n"))    // 28
          == std::vector<std::string>{
                 "plant.toml:28:9: event[0].fault: unknown fault \"flakey\"; did you mean \"flaky\"?"});
}
