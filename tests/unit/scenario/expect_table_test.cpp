// [[expect]] tables: what each kind reads, and what the loader says about wrong ones, with
// file:line:col.

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>

#include "scenario_support.hpp"

#include <string>

#include <fmt/format.h>

using namespace mbus;
using namespace mbus::scenario;
using namespace mbus::scenario::test;
namespace expects = harness::expects;

namespace {

// Two meters, heat-1 at 1 and heat-2 at 2 (lines 1-8); expectations start on line 9.
const std::string two_meters =
    "[[meter]]\n"                                                                        // 1
    "name = \"heat\"\n"                                                                  // 2
    "repeat = 2\n"                                                                       // 3
    "address = 1\n"                                                                      // 4
    "id = \"12345678\"\n"                                                                // 5
    "manufacturer = \"KAM\"\n"                                                           // 6
    "medium = \"heat\"\n"                                                                // 7
    "record = [{ quantity = \"volume\", unit = \"m3\", type = \"bcd8\", value = 1 }]\n"; // 8

load_result load_with(const std::string& expects) { return load_string(two_meters + expects, "ci.toml"); }

std::vector<std::string> errors_of(const std::string& expects) {
    const auto r = load_with(expects);
    CHECK_FALSE(r);
    return messages(r);
}

} // namespace

TEST_CASE("expect tables load with their keys") {
    const auto r = load_with("[[expect]]\n"                   // 9
                             "that = \"read\"\n"              // 10
                             "[[expect]]\n"                   // 11
                             "that = \"found_by_scan\"\n"     // 12
                             "meters = [\"heat-2\"]\n"        // 13
                             "name = \"scan finds heat-2\"\n" // 14
                             "[[expect]]\n"                   // 15
                             "that = \"nothing_sent_to\"\n"   // 16
                             "address = [\"FF\", 254]\n"      // 17
                             "[[expect]]\n"                   // 18
                             "that = \"requests\"\n"          // 19
                             "request = \"req_ud2\"\n"        // 20
                             "address = 1\n"                  // 21
                             "at_least = 1\n"                 // 22
                             "at_most = 4\n"                  // 23
                             "[[expect]]\n"                   // 24
                             "that = \"within\"\n"            // 25
                             "limit = \"1.5s\"\n"             // 26
                             "[[expect]]\n"                   // 27
                             "that = \"fcb_toggled\"\n"       // 28
                             "[[expect]]\n"                   // 29
                             "that = \"no_malformed\"\n");    // 30
    REQUIRE_MESSAGE(r, r);
    const auto& e = r.value->expectations;
    REQUIRE(e.size() == 7);
    CHECK(std::holds_alternative<expects::read>(e[0].that));
    CHECK(std::get<expects::read>(e[0].that).meters.empty());
    CHECK(e[0].where == "ci.toml:9:1");
    CHECK(std::holds_alternative<expects::found_by_scan>(e[1].that));
    CHECK(std::get<expects::found_by_scan>(e[1].that).meters == std::vector<std::string>{"heat-2"});
    CHECK(e[1].label == "scan finds heat-2");
    CHECK(std::get<expects::nothing_sent_to>(e[2].that).addresses == std::vector<byte>{0xFF, 0xFE});
    REQUIRE(std::holds_alternative<expects::request_count>(e[3].that));
    const auto& count = std::get<expects::request_count>(e[3].that);
    CHECK(count.request == link::request_kind::req_ud2);
    CHECK(count.addresses == std::vector<byte>{1});
    CHECK(count.at_least == 1u);
    CHECK(count.at_most == 4u);
    CHECK(std::get<expects::within>(e[4].that).seconds == doctest::Approx(1.5));
    CHECK(std::holds_alternative<expects::fcb_toggled>(e[5].that));
    CHECK(std::holds_alternative<expects::no_malformed>(e[6].that));
}

TEST_CASE("expect names an unknown meter with a suggestion") {
    CHECK(errors_of("[[expect]]\n"           // 9
                    "that = \"read\"\n"      // 10
                    "meters = \"heat-3\"\n") // 11
          == std::vector<std::string>{
                 "ci.toml:11:10: expect[0].meters: no meter is named \"heat-3\"; did you mean \"heat-1\"?"});
}

TEST_CASE("expect reports unknown keys and kinds with suggestions") {
    CHECK(errors_of("[[expect]]\n"            // 9
                    "that = \"read\"\n"       // 10
                    "meter = [\"heat-1\"]\n") // 11
          == std::vector<std::string>{
                 "ci.toml:11:1: expect[0].meter: unknown key \"meter\"; did you mean \"meters\"?"});
    CHECK(errors_of("[[expect]]\n"       // 9
                    "that = \"raed\"\n") // 10
          == std::vector<std::string>{
                 "ci.toml:10:8: expect[0].that: unknown expectation \"raed\"; did you mean \"read\"?"});
}

TEST_CASE("expect says when a key belongs to another kind") {
    CHECK(errors_of("[[expect]]\n"              // 9
                    "that = \"no_malformed\"\n" // 10
                    "limit = \"10s\"\n")        // 11
          == std::vector<std::string>{"ci.toml:11:1: expect[0].limit: \"limit\" does not apply to that = "
                                      "\"no_malformed\" (it takes no other keys)"});
}

TEST_CASE("expect takes the kinds that name a master's fault, with no other keys") {
    for (const auto* kind : {"fresh_fcb", "whole_field_wildcards", "select_without_fd_answer"}) {
        CAPTURE(kind);
        const auto r = load_with(fmt::format("[[expect]]\nthat = \"{}\"\n", kind));
        REQUIRE_MESSAGE(r, r);
        REQUIRE(r.value->expectations.size() == 1);
        CHECK(harness::name(r.value->expectations[0].that) == kind);
        CHECK(errors_of(fmt::format("[[expect]]\nthat = \"{}\"\nmeters = [\"heat-1\"]\n", kind)) ==
              std::vector<std::string>{
                  fmt::format("ci.toml:11:1: expect[0].meters: \"meters\" does not apply to "
                              "that = \"{}\" (it takes no other keys)",
                              kind)});
    }
}

TEST_CASE("expect reports missing and wrong values") {
    CHECK(errors_of("[[expect]]\n"   // 9
                    "meters = []\n") // 10
          == std::vector<std::string>{
                 "ci.toml:9:1: expect[0]: missing key \"that\" (what to expect: \"read\", \"fcb_toggled\", "
                 "\"nothing_sent_to\", \"found_by_scan\", \"no_malformed\", \"within\", \"requests\", "
                 "\"fresh_fcb\", "
                 "\"whole_field_wildcards\" or \"select_without_fd_answer\")"});
    CHECK(errors_of("[[expect]]\n"         // 9
                    "that = \"within\"\n") // 10
          == std::vector<std::string>{
                 "ci.toml:9:1: expect[0]: missing key \"limit\" (a duration such as \"30s\")"});
    CHECK(errors_of("[[expect]]\n"                 // 9
                    "that = \"nothing_sent_to\"\n" // 10
                    "address = \"GG\"\n")          // 11
          ==
          std::vector<std::string>{
              "ci.toml:11:11: expect[0].address: \"GG\" is not an address (0..255, or hex such as \"FF\")"});
    CHECK(errors_of("[[expect]]\n"            // 9
                    "that = \"requests\"\n"   // 10
                    "request = \"REQ_UD3\"\n" // 11
                    "at_most = 3\n")          // 12
          == std::vector<std::string>{"ci.toml:11:11: expect[0].request: unknown request kind \"REQ_UD3\"; "
                                      "expected SND_NKE, REQ_UD2, REQ_UD1, SELECT, SND_UD or OTHER"});
    CHECK(errors_of("[[expect]]\n"          // 9
                    "that = \"requests\"\n" // 10
                    "at_least = 5\n"        // 11
                    "at_most = 3\n")        // 12
          == std::vector<std::string>{"ci.toml:9:1: expect[0]: at_least 5 is above at_most 3"});
    CHECK(errors_of("[expect]\n"         // 9
                    "that = \"read\"\n") // 10
          == std::vector<std::string>{
                 "ci.toml:9:1: expect: write [[expect]] (one table per expectation), not [expect]"});
}
