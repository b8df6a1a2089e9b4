// scenario/change.hpp: request bodies read by the scenario loader's own readers, with its words.

#include <mbus/scenario/change.hpp>
#include <mbus/scenario/load.hpp>

#include <doctest/doctest.h>

using namespace mbus;
using nlohmann::json;

namespace {

sim::meter_config heat_meter() {
    auto r = scenario::load_string(R"(
[[meter]]
name = "heat-1"
address = 5
id = "12345678"
manufacturer = "KAM"
medium = "heat"
[[meter.record]]
quantity = "energy"
unit = "kWh"
type = "int16"
value = 100
)",
                                   "change.toml");
    REQUIRE(r);
    return r.value->meters.front();
}

} // namespace

TEST_CASE("change parse_body takes a JSON object and refuses anything else") {
    CHECK(scenario::parse_body(R"({"a":1})"));
    CHECK(scenario::parse_body("{bad").error == scenario::body_error{"", "malformed JSON"});
    CHECK(scenario::parse_body("[1]").error.reason == "expected a JSON object, got an array");
    CHECK(scenario::parse_body("").error.reason == "malformed JSON");
}

TEST_CASE("change read_meter_patch reads each key and names a wrong one") {
    const auto p =
        scenario::read_meter_patch(json{{"status", 4}, {"alarm", true}, {"primary", 42}, {"id", "11223344"}});
    REQUIRE(p);
    CHECK(p.value->status == 4);
    CHECK(p.value->alarm == true);
    CHECK(p.value->primary == 42);
    CHECK(p.value->id == 0x11223344U); // BCD
    CHECK(scenario::read_meter_patch(json{{"primary", 251}}).error.field == "primary");
    CHECK(scenario::read_meter_patch(json{{"id", "1234"}}).error.field == "id");
    const auto wrong = scenario::read_meter_patch(json{{"statu", 1}});
    CHECK(wrong.error == scenario::body_error{"statu", "unknown key \"statu\"; did you mean \"status\"?"});
    CHECK(scenario::read_meter_patch(json::object()).error.reason.starts_with("nothing to change"));
}

TEST_CASE("change read_record_change checks the value against the record's coding") {
    const auto m = heat_meter();
    const auto ok = scenario::read_record_change(json{{"value", 1500}}, m, 0);
    REQUIRE(ok);
    const auto* v = std::get_if<sim::events::value>(&ok.value->what);
    REQUIRE(v != nullptr);
    CHECK(v->record == 0);
    CHECK(v->source == sim::value_source{sim::constant{1500}});
    // int16 holds no 10^6 kWh: the loader's own message.
    const auto big = scenario::read_record_change(json{{"value", 1e6}}, m, 0);
    CHECK_FALSE(big);
    CHECK(big.error.field == "value");
    CHECK_FALSE(big.error.reason.empty());
    const auto gen =
        scenario::read_record_change(json{{"generator", {{"counter", {{"start", 1}, {"rat", 1}}}}}}, m, 0);
    CHECK(gen.error.field == "generator.counter.rat");
    CHECK(scenario::read_record_change(json{{"value", 1}, {"generator", json::object()}}, m, 0)
              .error.field.empty());
}

TEST_CASE("change read_fault reads a fault table as the scenario does") {
    const std::vector<std::string> meters{"heat-1", "heat-2"};
    const auto f = scenario::read_fault(json{{"kind", "late"}, {"meter", "heat-2"}, {"delay_ms", 500}},
                                        meters, "fault3");
    REQUIRE(f);
    CHECK(f.value->name == "fault3");
    CHECK(f.value->meter == "heat-2");
    CHECK(std::holds_alternative<sim::faults::late>(f.value->action));
    const auto typo = scenario::read_fault(json{{"kind", "no_answr"}}, meters, "f");
    CHECK(typo.error ==
          scenario::body_error{"kind", "unknown fault kind \"no_answr\"; did you mean \"no_answer\"?"});
    CHECK(scenario::read_fault(json{{"kind", "echo"}, {"meter", "heat-9"}}, meters, "f").error.field ==
          "meter");
    CHECK(scenario::read_fault(json{{"kind", "echo"}, {"delay_ms", 1}}, meters, "f").error.field ==
          "delay_ms");
    CHECK(scenario::read_fault(json{{"kind", nullptr}}, meters, "f").error.field == "kind");
}

TEST_CASE("change read_meter reads one meter table and refuses repeat") {
    scenario::bus_settings bus;
    const auto m = scenario::read_meter(
        json{{"address", 7},
             {"id", "12345680"},
             {"manufacturer", "KAM"},
             {"medium", "heat"},
             {"present", false},
             {"record", {{{"quantity", "energy"}, {"unit", "kWh"}, {"type", "int32"}, {"value", 7}}}}},
        bus, "x.toml", 1, "meter2");
    REQUIRE(m);
    CHECK(m.value->config.name == "meter2");
    CHECK(m.value->config.primary_address == 7);
    CHECK_FALSE(m.value->present);
    CHECK(scenario::read_meter(json{{"repeat", 2}}, bus, "x.toml", 1, "m").error.field == "repeat");
    const auto bad =
        scenario::read_meter(json{{"address", 7},
                                  {"id", "12345680"},
                                  {"manufacturer", "KAM"},
                                  {"medium", "heat"},
                                  {"record", {{{"quantity", "enrgy"}, {"type", "int32"}, {"value", 7}}}}},
                             bus, "x.toml", 1, "m");
    CHECK_FALSE(bad);
    CHECK(bad.error.field.starts_with("record[0]"));
}
