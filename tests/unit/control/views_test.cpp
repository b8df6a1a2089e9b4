// control/views.hpp: the JSON the API answers with, for the built-in demo meter (scenarios/demo.toml:
// address 3, id 12345678, TST, water, volume counter from 12.345 m3, voltage sine around 230 V).

#include <mbus/control/views.hpp>
#include <mbus/scenario/demo.hpp>
#include <mbus/scenario/load.hpp>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

using namespace mbus;
using nlohmann::json;

TEST_CASE("views: a meter with its identity, link state and records now") {
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    const auto m = control::meter_view(r, 0);
    CHECK(m["name"] == "demo");
    CHECK(m["primary"] == 3);
    CHECK(m["id"] == "12345678");
    CHECK(m["manufacturer"] == "TST");
    CHECK(m["version"] == 1);
    CHECK(m["medium"] == "water");
    CHECK(m["present"] == true);
    CHECK(m["selected"] == false);
    CHECK(m["fcb"].is_null()); // no REQ_UD2 yet
    REQUIRE(m["records"].size() == 3);
    const auto& volume = m["records"][0];
    CHECK(volume["name"] == "volume");
    CHECK(volume["unit"] == "m3");
    REQUIRE(volume["value"].is_number()); // a number, not text
    CHECK(volume["value"].get<double>() == doctest::Approx(12.345).epsilon(0.001));
    CHECK(volume["generator"] == json{{"counter", {{"start", 12.345}, {"rate", 0.01}, {"per", "3600s"}}}});
    const auto& voltage = m["records"][1];
    CHECK(voltage["name"] == "voltage");
    CHECK(voltage["unit"] == "V");
    CHECK(voltage["value"].get<double>() >= 227.0);
    CHECK(voltage["value"].get<double>() <= 233.0);
    CHECK(voltage["generator"]["sine"]["period"] == "3600s");
}

TEST_CASE("views: record names by quantity and rank, found by name or index") {
    const auto sc = scenario::builtin_demo();
    const auto& cfg = sc.meters.at(0);
    CHECK(control::record_name(cfg, 0) == "volume");
    CHECK(control::find_record(cfg, "voltage") == 1);
    CHECK(control::find_record(cfg, "2") == 2);
    CHECK_FALSE(control::find_record(cfg, "3"));
    CHECK_FALSE(control::find_record(cfg, "energy"));
}

TEST_CASE("views: fault kinds with typed defaults") {
    const auto kinds = control::fault_kinds_view();
    const auto kind = [&](const std::string& k) {
        for (const auto& x : kinds)
            if (x["kind"] == k) return x;
        FAIL("no kind ", k);
        return json();
    };
    CHECK(kind("no_answer")["parameters"] == json::array());
    const auto stop = kind("bad_stop")["parameters"][0];
    CHECK(stop["name"] == "stop");
    CHECK(stop["default"] == 0); // "0x00" in the table, a number here
    CHECK(kind("duplicate")["parameters"][0]["default"] == 2);
    CHECK(kind("bad_length")["parameters"][1]["default"] == "both");
    CHECK(kind("late")["parameters"][0]["default"].is_null()); // required
    CHECK(kind("late")["meters"] == "mbus");
    // HAN kinds, for [[han_meter]]s.
    const auto cut = kind("han_truncate");
    CHECK(cut["meters"] == "han");
    CHECK(cut["parameters"][1]["name"] == "fraction");
    CHECK(cut["parameters"][1]["default"] == 0.5);
    CHECK(kind("han_clock_jump")["parameters"][0]["name"] == "seconds");
    CHECK(kind("han_reboot")["parameters"][0]["default"] == "2000-01-01T00:00:00");
}

TEST_CASE("views: values as their coding gives them, without binary noise") {
    // 1128 litres sent in litres (VIF 13) and shown in l: 1128, where 1.128 m3 / 10^-3 was
    // 1127.9999999999998. 230.7 V in 0.1 V steps, 0.3 MWh sent in kWh and 1.5 m3/h in l/h likewise.
    const auto loaded = scenario::load_string(R"(
[bus]
name = "b"
[[meter]]
name = "m"
address = 1
id = "00000001"
manufacturer = "TST"
medium = "water"
[[meter.record]]
quantity = "volume"
unit = "l"
type = "int32"
value = 1128
[[meter.record]]
quantity = "voltage"
unit = "V"
resolution = 0.1
type = "int16"
value = 230.7
[[meter.record]]
quantity = "energy"
unit = "MWh"
resolution = 0.001
type = "bcd8"
value = 0.3
[[meter.record]]
quantity = "volume_flow"
unit = "m3/h"
resolution = 0.001
type = "int32"
value = 1.5
)",
                                              "values.toml");
    REQUIRE_MESSAGE(loaded, loaded);
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), *loaded.value);
    const auto m = control::meter_view(r, 0);
    REQUIRE(m["records"].size() == 4);
    CHECK(m["records"][0]["unit"] == "l");
    CHECK(m["records"][0]["value"].dump() == "1128.0");
    CHECK(m["records"][1]["value"].dump() == "230.7");
    CHECK(m["records"][2]["unit"] == "MWh");
    CHECK(m["records"][2]["value"].dump() == "0.3");
    CHECK(m["records"][3]["value"].dump() == "1.5");
}
