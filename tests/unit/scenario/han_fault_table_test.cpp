// [[fault]] tables with han_* kinds (scenario/detail/fault_table.cpp): read into scenario::han_faults
// for [[han_meter]]s, and refused with file:line:col when the kind and the meter's sort disagree.

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>

#include <filesystem>
#include <sstream>
#include <string>

using namespace mbus;
namespace hf = sim::han_faults;

namespace {

const std::string han_meter = R"([[han_meter]]
name = "han-1"
make = "Kaifa"
id = "6970631401753985"
type = "MA304H3E"
power = 1500
)";

const std::string mbus_meter = R"([[meter]]
name = "water"
address = 5
id = "12345678"
manufacturer = "TST"
medium = "water"
[[meter.record]]
quantity = "volume"
unit = "m3"
type = "bcd8"
value = 1
)";

std::string errors_of(const std::string& toml) {
    const auto r = scenario::load_string(toml, "f.toml");
    std::ostringstream os;
    for (const auto& d : r.errors)
        os << to_string(d) << '\n';
    return os.str();
}

} // namespace

TEST_CASE("han faults load with their settings and the common triggers") {
    const auto r = scenario::load_string(han_meter + R"(
[[fault]]
name = "cut"
meter = "han-1"
kind = "han_truncate"
keep = 12
every = 3
after = 1
[[fault]]
kind = "han_late"
delay_ms = [100, 400]
probability = 0.25
seed = 9
[[fault]]
kind = "han_junk"
junk = "00 FF"
from = "5s"
until = "1min"
[[fault]]
kind = "han_clock_jump"
seconds = -3600
active = false
[[fault]]
kind = "han_reboot"
clock = 2020-02-29T12:34:56
[[fault]]
kind = "han_unknown_obis"
obis = "1.1.96.99.99.255"
value = 7
position = 2
[[fault]]
kind = "HAN_Bad_FCS"
)",
                                         "f.toml");
    REQUIRE_MESSAGE(r, r);
    const auto& f = r.value->han_faults;
    CHECK(r.value->faults.empty());
    REQUIRE(f.size() == 7);
    CHECK(f[0].name == "cut");
    CHECK(f[0].meter == "han-1");
    CHECK(std::get<hf::truncate>(f[0].action).keep == 12);
    CHECK(f[0].trigger.every == 3);
    CHECK(f[0].trigger.after == 1);
    CHECK(f[1].name == "fault2");
    CHECK(f[1].meter.empty());
    CHECK(std::get<hf::late>(f[1].action).delay.min == sim::microseconds(100'000));
    CHECK(std::get<hf::late>(f[1].action).delay.max == sim::microseconds(400'000));
    CHECK(f[1].trigger.probability == 0.25);
    CHECK(f[1].trigger.seed == 9u);
    CHECK(std::get<hf::junk>(f[2].action).data == bytes{0x00, 0xFF});
    CHECK(f[2].trigger.from == sim::microseconds(5'000'000));
    CHECK(f[2].trigger.until == sim::microseconds(60'000'000));
    CHECK(std::get<hf::clock_jump>(f[3].action).by == std::chrono::seconds{-3600});
    CHECK_FALSE(f[3].active);
    using namespace std::chrono;
    CHECK(std::get<hf::reboot>(f[4].action).clock == sys_days{year{2020} / 2 / 29} + 12h + 34min + 56s);
    const auto& u = std::get<hf::unknown_obis>(f[5].action);
    CHECK(u.code.str() == "1.1.96.99.99.255");
    CHECK(u.value == 7);
    CHECK(u.position == 2u);
    CHECK(std::holds_alternative<hf::bad_fcs>(f[6].action));
}

TEST_CASE("han faults: a HAN kind on an M-Bus meter, and an M-Bus kind on a HAN meter, are refused") {
    CHECK(errors_of(mbus_meter + "[[fault]]\nmeter = \"water\"\nkind = \"han_bad_fcs\"\n") ==
          "f.toml:13:9: fault[0].meter: \"water\" is an M-Bus [[meter]] and kind \"han_bad_fcs\" is for "
          "[[han_meter]]s; on an M-Bus meter use one of \"no_answer\", \"late\", \"gap\", \"bad_checksum\", "
          "\"bad_stop\", \"bad_length\", \"truncate\", \"bit_errors\", \"garbage\", \"ack_junk\", \"echo\", "
          "\"duplicate\", \"wrong_address\", \"ignore_fcb\", \"access_number\", \"status_flags\", "
          "\"app_error\", \"any_address\", \"wrong_baud\", \"wake_up\" or \"preamble\"\n");
    CHECK(errors_of(mbus_meter + "[[fault]]\nkind = \"han_missing\"\n") ==
          "f.toml:13:8: fault[0].kind: kind \"han_missing\" is for [[han_meter]]s and this scenario has "
          "none\n");
    CHECK(errors_of(han_meter + "[[fault]]\nmeter = \"han-1\"\nkind = \"late\"\ndelay_ms = 5\n") ==
          "f.toml:8:9: fault[0].meter: \"han-1\" is a [[han_meter]] and kind \"late\" is for M-Bus meters; "
          "on a "
          "HAN meter use one of \"han_bad_hcs\", \"han_bad_fcs\", \"han_truncate\", \"han_missing\", "
          "\"han_late\", \"han_junk\", \"han_clock_jump\", \"han_reboot\" or \"han_unknown_obis\"\n");
    CHECK(errors_of(han_meter + "[[fault]]\nkind = \"no_answer\"\n") ==
          "f.toml:8:8: fault[0].kind: kind \"no_answer\" is for M-Bus meters and this scenario has "
          "[[han_meter]]s; use one of \"han_bad_hcs\", \"han_bad_fcs\", \"han_truncate\", \"han_missing\", "
          "\"han_late\", \"han_junk\", \"han_clock_jump\", \"han_reboot\" or \"han_unknown_obis\"\n");
}

TEST_CASE("han faults: bad settings name the key and where it is") {
    const auto e = errors_of(han_meter + R"([[fault]]
kind = "han_truncate"
keep = 3
fraction = 0.5
[[fault]]
kind = "han_truncate"
fraction = 1.5
[[fault]]
kind = "han_clock_jump"
seconds = 0
[[fault]]
kind = "han_unknown_obis"
obis = "1.2.3"
[[fault]]
kind = "han_junk"
requests = ["REQ_UD2"]
junk = "00"
[[fault]]
kind = "han_missing"
meter = "han-2"
[[fault]]
kind = "han_bad_fc"
)");
    CHECK(e.find("f.toml:10:12: fault[0].fraction: give either keep or fraction, not both") !=
          std::string::npos);
    CHECK(e.find("f.toml:13:12: fault[1].fraction: 1.5 is not a fraction of the push to keep (above 0, below "
                 "1)") != std::string::npos);
    CHECK(e.find("f.toml:16:11: fault[2].seconds: a jump of 0 s leaves the clock where it was") !=
          std::string::npos);
    CHECK(e.find("f.toml:19:8: fault[3].obis: \"1.2.3\" is not an OBIS code") != std::string::npos);
    CHECK(e.find("f.toml:22:12: fault[4].requests: a HAN meter pushes unasked") != std::string::npos);
    CHECK(e.find("f.toml:26:9: fault[5].meter: no [[han_meter]] named \"han-2\"; did you mean \"han-1\"?") !=
          std::string::npos);
    CHECK(
        e.find(
            "f.toml:28:8: fault[6].kind: unknown fault kind \"han_bad_fc\"; did you mean \"han_bad_fcs\"?") !=
        std::string::npos);
}

TEST_CASE("scenarios/han-faults.toml loads: one HAN meter and its nine faults") {
    const auto r = scenario::load(std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "han-faults.toml");
    REQUIRE_MESSAGE(r, r);
    CHECK(r.value->han_meters.size() == 1);
    CHECK(r.value->han_faults.size() == 9);
    CHECK(r.value->faults.empty());
}

TEST_CASE("a HAN meter's faults start and stop on the timeline") {
    const auto r = scenario::load_string(han_meter + R"(
[[fault]]
name = "cut"
kind = "han_bad_fcs"
active = false
[[event]]
at = "3s"
action = "start_fault"
fault = "cut"
[[event]]
at = "9s"
action = "stop_fault"
fault = "cut"
)",
                                         "f.toml");
    REQUIRE_MESSAGE(r, r);
    REQUIRE(r.value->events.size() == 2);
    const auto* on = std::get_if<sim::events::fault>(&r.value->events[0].what);
    REQUIRE(on);
    CHECK(on->name == "cut");
    CHECK(on->active);
    CHECK(errors_of(han_meter + "[[event]]\nat = \"3s\"\naction = \"start_fault\"\nfault = \"cutt\"\n")
              .find("f.toml:10:9: event[0].fault:") != std::string::npos);
}
