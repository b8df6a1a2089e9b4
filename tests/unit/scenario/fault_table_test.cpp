// [[fault]] in a scenario: every key read into sim::fault_spec, and the diagnostics for wrong ones
// with file:line:col.

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>

#include "scenario_support.hpp"

#include <string>

using namespace mbus;
using namespace mbus::scenario;
using namespace mbus::scenario::test;
using namespace std::chrono_literals;

namespace {

// Two meters, "water" and "heat" (lines 1-22); faults start on line 23.
const std::string meters = "[[meter]]\n"              // 1
                           "name = \"water\"\n"       // 2
                           "address = 5\n"            // 3
                           "id = \"12345678\"\n"      // 4
                           "manufacturer = \"TST\"\n" // 5
                           "medium = \"water\"\n"     // 6
                           "[[meter.record]]\n"       // 7
                           "quantity = \"volume\"\n"  // 8
                           "unit = \"m3\"\n"          // 9
                           "type = \"bcd8\"\n"        // 10
                           "value = 1\n"              // 11
                           "[[meter]]\n"              // 12
                           "name = \"heat\"\n"        // 13
                           "address = 6\n"            // 14
                           "id = \"12345679\"\n"      // 15
                           "manufacturer = \"TST\"\n" // 16
                           "medium = \"heat\"\n"      // 17
                           "[[meter.record]]\n"       // 18
                           "quantity = \"energy\"\n"  // 19
                           "unit = \"kWh\"\n"         // 20
                           "type = \"int32\"\n"       // 21
                           "value = 1\n";             // 22

std::vector<sim::fault_spec> faults_of(const std::string& faults) {
    const auto r = load_string(meters + faults, "plant.toml");
    REQUIRE_MESSAGE(r, r);
    return r.value->faults;
}

std::vector<std::string> errors_of(const std::string& faults) {
    const auto r = load_string(meters + faults, "plant.toml");
    CHECK_FALSE(r);
    return messages(r);
}

} // namespace

TEST_CASE("fault table reads the common keys") {
    const auto f = faults_of("[[fault]]\n"
                             "name = \"flaky\"\n"
                             "meter = \"heat\"\n"
                             "kind = \"no_answer\"\n"
                             "requests = [\"REQ_UD2\", \"snd_nke\"]\n"
                             "probability = 0.3\n"
                             "every = 3\n"
                             "after = 5\n"
                             "from = \"2s\"\n"
                             "until = \"1.5min\"\n"
                             "active = false\n"
                             "seed = 99\n");
    REQUIRE(f.size() == 1);
    sim::fault_spec want;
    want.name = "flaky";
    want.meter = "heat";
    want.action = sim::faults::no_answer{};
    want.trigger.requests = {link::request_kind::req_ud2, link::request_kind::snd_nke};
    want.trigger.probability = 0.3;
    want.trigger.every = 3;
    want.trigger.after = 5;
    want.trigger.from = 2s;
    want.trigger.until = 90s;
    want.trigger.seed = 99;
    want.active = false;
    CHECK(f[0] == want);
}

TEST_CASE("fault table defaults: named by position, whole bus, always, active") {
    const auto f = faults_of("[[fault]]\nkind = \"echo\"\n[[fault]]\nkind = \"duplicate\"\n");
    REQUIRE(f.size() == 2);
    CHECK(f[0].name == "fault1");
    CHECK(f[1].name == "fault2");
    CHECK(f[0].meter.empty());
    CHECK(f[0].trigger == sim::fault_trigger{});
    CHECK(f[0].active);
    CHECK(std::get<sim::faults::duplicate>(f[1].action).copies == 2);
}

TEST_CASE("fault table reads each kind's keys") {
    const auto f = faults_of("[[fault]]\nkind = \"late\"\ndelay_ms = [1000, 2000]\n"
                             "[[fault]]\nkind = \"late\"\ndelay_ms = 1500\n"
                             "[[fault]]\nkind = \"gap\"\nat_byte = 10\npause_ms = 300\n"
                             "[[fault]]\nkind = \"bad_checksum\"\ndelta = 3\n"
                             "[[fault]]\nkind = \"bad_stop\"\nstop = 0x17\n"
                             "[[fault]]\nkind = \"bad_length\"\ndelta = -1\nwhich = \"first\"\n"
                             "[[fault]]\nkind = \"truncate\"\nkeep = 12\n"
                             "[[fault]]\nkind = \"bit_errors\"\nrate = 0.001\n"
                             "[[fault]]\nkind = \"garbage\"\nprefix = \"AA 55\"\nsuffix_random = 4\n"
                             "[[fault]]\nkind = \"ack_junk\"\njunk = \"FE\"\n"
                             "[[fault]]\nkind = \"wrong_address\"\naddress = 9\n"
                             "[[fault]]\nkind = \"access_number\"\nvalue = 0x42\n"
                             "[[fault]]\nkind = \"status_flags\"\nflags = 0x08\n"
                             "[[fault]]\nkind = \"app_error\"\nstatus = 2\n"
                             "[[fault]]\nkind = \"wrong_baud\"\nbaud = 9600\nline_baud = 300\n"
                             "[[fault]]\nkind = \"wake_up\"\ncount = 2\n"
                             "[[fault]]\nkind = \"preamble\"\nzeros = 3\n"
                             "[[fault]]\nkind = \"ack_junk\"\n");
    REQUIRE(f.size() == 18);
    CHECK(std::get<sim::faults::late>(f[0].action).delay == sim::delay_range{1s, 2s});
    CHECK(std::get<sim::faults::late>(f[1].action).delay == sim::delay_range{1500ms, 1500ms});
    CHECK(std::get<sim::faults::gap>(f[2].action).pause == sim::answer::gap{10, 300ms});
    CHECK(std::get<sim::faults::bad_checksum>(f[3].action).delta == 3);
    CHECK(std::get<sim::faults::bad_stop>(f[4].action).stop == 0x17);
    CHECK(std::get<sim::faults::bad_length>(f[5].action).delta == -1);
    CHECK(std::get<sim::faults::bad_length>(f[5].action).which == sim::length_field::first);
    CHECK(std::get<sim::faults::truncate>(f[6].action).keep == 12);
    CHECK(std::get<sim::faults::bit_errors>(f[7].action).rate == 0.001);
    CHECK(std::get<sim::faults::garbage>(f[8].action).prefix == bytes{0xAA, 0x55});
    CHECK(std::get<sim::faults::garbage>(f[8].action).suffix_random == 4);
    CHECK(std::get<sim::faults::ack_junk>(f[9].action).junk == bytes{0xFE});
    CHECK(std::get<sim::faults::wrong_address>(f[10].action).address == byte{9});
    CHECK(std::get<sim::faults::access_number>(f[11].action).value == 0x42);
    CHECK(std::get<sim::faults::status_flags>(f[12].action).flags == 0x08);
    CHECK(std::get<sim::faults::app_error>(f[13].action).status == 0x02);
    CHECK(std::get<sim::faults::wrong_baud>(f[14].action).baud == 9600);
    CHECK(std::get<sim::faults::wrong_baud>(f[14].action).line_baud == 300);
    CHECK(std::get<sim::faults::wake_up>(f[15].action).count == 2);
    CHECK(std::get<sim::faults::preamble>(f[16].action).zeros == 3);
    CHECK(std::get<sim::faults::ack_junk>(f[17].action).junk_random == 1); // one random byte unless told
}

TEST_CASE("fault table reports an unknown key with a suggestion") {
    CHECK(
        errors_of("[[fault]]\nkind = \"no_answer\"\nprobabilty = 0.5\n") ==
        std::vector<std::string>{"plant.toml:25:1: fault[0].probabilty: unknown key \"probabilty\"; did you "
                                 "mean \"probability\"?"});
}

TEST_CASE("fault table reports a key of another kind") {
    CHECK(errors_of("[[fault]]\nkind = \"late\"\ndelay_ms = 100\nkeep = 3\n") ==
          std::vector<std::string>{"plant.toml:26:1: fault[0].keep: key \"keep\" does not belong to kind "
                                   "\"late\" (it is for \"truncate\", \"han_truncate\" or \"wm_truncate\")"});
}

TEST_CASE("fault table reports an unknown meter and kind") {
    CHECK(errors_of("[[fault]]\nmeter = \"haet\"\nkind = \"no_answer\"\n") ==
          std::vector<std::string>{
              "plant.toml:24:9: fault[0].meter: no meter named \"haet\"; did you mean \"heat\"?"});
    CHECK(
        errors_of("[[fault]]\nkind = \"no_anwser\"\n") ==
        std::vector<std::string>{
            "plant.toml:24:8: fault[0].kind: unknown fault kind \"no_anwser\"; did you mean \"no_answer\"?"});
    const auto missing = errors_of("[[fault]]\nname = \"x\"\n");
    REQUIRE(missing.size() == 1);
    CHECK(missing[0].starts_with("plant.toml:23:1: fault[0]: missing key \"kind\" (one of \"no_answer\""));
}

TEST_CASE("fault table reports out-of-range values") {
    CHECK(errors_of("[[fault]]\nkind = \"no_answer\"\nprobability = 1.5\n") ==
          std::vector<std::string>{
              "plant.toml:25:15: fault[0].probability: 1.5 is not a probability (0 .. 1)"});
    CHECK(errors_of("[[fault]]\nkind = \"bit_errors\"\nrate = 0\n") ==
          std::vector<std::string>{
              "plant.toml:25:8: fault[0].rate: 0 is not a bit error rate (above 0, at most 1)"});
    CHECK(
        errors_of("[[fault]]\nkind = \"wrong_baud\"\nbaud = 2000\n") ==
        std::vector<std::string>{"plant.toml:25:8: fault[0].baud: 2000 is not an M-Bus baud rate (300, 600, "
                                 "1200, 2400, 4800, 9600, 19200, 38400)"});
    CHECK(errors_of("[[fault]]\nkind = \"late\"\ndelay_ms = [300, 100]\n") ==
          std::vector<std::string>{
              "plant.toml:25:12: fault[0].delay_ms: 300 .. 100 ms is not a range within 0 .. 60000 ms"});
    CHECK(errors_of("[[fault]]\nkind = \"no_answer\"\nfrom = \"5s\"\nuntil = \"2s\"\n") ==
          std::vector<std::string>{"plant.toml:26:9: fault[0].until: until must come after from"});
    const auto every = errors_of("[[fault]]\nkind = \"no_answer\"\nevery = 0\n");
    REQUIRE(every.size() == 1);
    CHECK(every[0].starts_with("plant.toml:25:9: fault[0].every: "));
}

TEST_CASE("fault table reports missing kind keys and request kinds") {
    CHECK(
        errors_of("[[fault]]\nkind = \"truncate\"\n") ==
        std::vector<std::string>{"plant.toml:23:1: fault[0]: kind \"truncate\" needs key \"keep\" (how many "
                                 "bytes of the answer are sent)"});
    CHECK(errors_of("[[fault]]\nkind = \"no_answer\"\nrequests = [\"REQ_UD3\"]\n") ==
          std::vector<std::string>{"plant.toml:25:13: fault[0].requests[0]: unknown request kind "
                                   "\"REQ_UD3\"; did you mean \"REQ_UD2\"?"});
    CHECK(errors_of("[[fault]]\nkind = \"wake_up\"\nevery = 2\n") ==
          std::vector<std::string>{"plant.toml:25:9: fault[0].every: kind \"wake_up\" takes no \"every\" (it "
                                   "counts with \"count\")"});
}

TEST_CASE("fault table reports a name used twice and [fault] as a table") {
    CHECK(errors_of("[[fault]]\nname = \"a\"\nkind = \"echo\"\n[[fault]]\nname = \"a\"\nkind = \"echo\"\n") ==
          std::vector<std::string>{"plant.toml:26:1: fault[1]: name \"a\" is already the name of fault[0]"});
    const auto table = errors_of("[fault]\nkind = \"echo\"\n");
    REQUIRE(table.size() == 1);
    CHECK(table[0].find("write [[fault]]") != std::string::npos);
}
