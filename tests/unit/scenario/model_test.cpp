// Model files: a meter names one and overrides its keys; models may name models; cycles are errors.

#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/scenario/load.hpp>

#include "scenario_support.hpp"

using namespace mbus;
using namespace mbus::scenario;
using namespace mbus::scenario::test;

namespace {

const std::string model_text = "manufacturer = \"KAM\"\n"                         // 1
                               "version = 0x40\n"                                 // 2
                               "medium = \"heat\"\n"                              // 3
                               "quirks = { fcb = \"ignore\", skew_bits = 2.5 }\n" // 4
                               "[[record]]\n"                                     // 5
                               "quantity = \"energy\"\n"                          // 6
                               "unit = \"kWh\"\n"                                 // 7
                               "type = \"int32\"\n"                               // 8
                               "value = 154\n"                                    // 9
                               "[[record]]\n"                                     // 10
                               "quantity = \"volume\"\n"                          // 11
                               "unit = \"m3\"\n"                                  // 12
                               "resolution = 0.01\n"                              // 13
                               "type = \"int32\"\n"                               // 14
                               "value = 39.49\n";                                 // 15

std::vector<std::string> drhs(const sim::meter_config& m) {
    sim::meter meter{m};
    std::vector<std::string> out;
    for (const auto& r : records_of(meter.readout(0, test_now(), false).wire))
        out.push_back(drh(r));
    return out;
}

} // namespace

TEST_CASE("model keys are the meter's unless the meter overrides them") {
    scratch dir("override");
    dir.write("models/heat.toml", model_text);
    const auto plant = dir.write("plant.toml", "[[meter]]\n"
                                               "model = \"models/heat.toml\"\n"
                                               "address = 5\n"
                                               "id = \"00000005\"\n"
                                               "[[meter]]\n"
                                               "model = \"models/heat.toml\"\n"
                                               "address = 6\n"
                                               "id = \"00000006\"\n"
                                               "medium = \"cooling\"\n"
                                               "quirks = { skew_bits = 0.5 }\n");
    const auto r = load(plant);
    REQUIRE_MESSAGE(r, r);
    const auto& a = r.value->meters.at(0);
    const auto& b = r.value->meters.at(1);
    CHECK(a.identity == app::secondary_address{0x00000005, 0x2C2D, 0x40, 0x04});
    CHECK(b.identity == app::secondary_address{0x00000006, 0x2C2D, 0x40, 0x0A});
    // Tables merge key by key: b keeps the model's fcb and has its own skew.
    CHECK(a.options.fcb == sim::fcb_mode::ignore);
    CHECK(a.options.skew_bits == 2.5);
    CHECK(b.options.fcb == sim::fcb_mode::ignore);
    CHECK(b.options.skew_bits == 0.5);
    CHECK(drhs(a) == std::vector<std::string>{"0406", "0414"});
    CHECK(drhs(b) == drhs(a));
}

TEST_CASE("a meter's records replace the model's records whole") {
    scratch dir("replace");
    dir.write("models/heat.toml", model_text);
    const auto plant = dir.write("plant.toml", "[[meter]]\n"
                                               "model = \"models/heat.toml\"\n"
                                               "address = 5\n"
                                               "id = \"00000005\"\n"
                                               "[[meter.record]]\n"
                                               "quantity = \"flow_temperature\"\n"
                                               "unit = \"C\"\n"
                                               "resolution = 0.1\n"
                                               "type = \"int16\"\n"
                                               "value = 21.4\n");
    const auto r = load(plant);
    REQUIRE_MESSAGE(r, r);
    const auto& m = r.value->meters.at(0);
    CHECK(drhs(m) == std::vector<std::string>{"025a"});
    sim::meter meter{m};
    CHECK(records_of(meter.readout(0, test_now(), false).wire).at(0).data == bytes{0xD6, 0x00}); // 214
}

TEST_CASE("a model may name a model relative to itself") {
    scratch dir("chain");
    dir.write("models/base/heat.toml", model_text);
    dir.write("models/kam.toml", "model = \"base/heat.toml\"\nversion = 0x41\n");
    const auto plant = dir.write("site/plant.toml", "[[meter]]\nmodel = \"../models/kam.toml\"\naddress = 1\n"
                                                    "id = \"00000001\"\n");
    const auto r = load(plant);
    REQUIRE_MESSAGE(r, r);
    const auto& m = r.value->meters.at(0);
    CHECK(m.identity.version == 0x41);
    CHECK(app::manufacturer_letters(m.identity.manufacturer) == "KAM");
    CHECK(m.records.size() == 2);
}

TEST_CASE("an include cycle is an error at the model key that closes it") {
    scratch dir("cycle");
    dir.write("models/a.toml", "model = \"b.toml\"\nmanufacturer = \"KAM\"\n");
    dir.write("models/b.toml", "version = 1\nmodel = \"a.toml\"\n");
    const auto plant =
        dir.write("plant.toml", "[[meter]]\nmodel = \"models/a.toml\"\naddress = 1\nid = \"00000001\"\n");
    const auto r = load(plant);
    REQUIRE(r.errors.size() == 1);
    const auto& d = r.errors[0];
    const auto base = dir.dir().string();
    CHECK(d.file == base + "/models/b.toml");
    CHECK(d.line == 2);
    CHECK(d.column == 9);
    CHECK(d.key == "meter[0].model");
    CHECK(d.message == "include cycle: " + base + "/plant.toml -> " + base + "/models/a.toml -> " + base +
                           "/models/b.toml -> " + base + "/models/a.toml");

    // A model that names itself is the shortest cycle.
    dir.write("models/self.toml", "model = \"self.toml\"\n");
    const auto self =
        dir.write("self.toml", "[[meter]]\nmodel = \"models/self.toml\"\naddress = 1\nid = \"00000001\"\n");
    const auto s = load(self);
    REQUIRE(s.errors.size() == 1);
    CHECK(s.errors[0].message.starts_with("include cycle: "));
}

TEST_CASE("a mistake in a model is reported once at its place in the model") {
    scratch dir("model-error");
    dir.write("models/bad.toml",
              "manufacturer = \"KAM\"\nmedium = \"heat\"\n[[record]]\nquantity = \"energy\"\n"
              "unit = \"kwhr\"\ntype = \"int32\"\nvalue = 1\n");
    const auto plant =
        dir.write("plant.toml", "[[meter]]\nmodel = \"models/bad.toml\"\naddress = 1\nid = \"00000001\"\n"
                                "[[meter]]\nmodel = \"models/bad.toml\"\naddress = 2\nid = \"00000002\"\n");
    const auto r = load(plant);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].file == dir.dir().string() + "/models/bad.toml");
    CHECK(r.errors[0].line == 5);
    CHECK(r.errors[0].column == 8);
    CHECK(r.errors[0].key == "meter[0].record[0].unit");
}

TEST_CASE("a model that cannot be read is an error at the model key") {
    scratch dir("missing-model");
    const auto plant =
        dir.write("plant.toml", "[[meter]]\nmodel = \"models/none.toml\"\naddress = 1\nid = \"00000001\"\n");
    const auto r = load(plant);
    CHECK(messages(r) ==
          std::vector<std::string>{plant.string() + ":2:9: meter[0].model: model \"" + dir.dir().string() +
                                   "/models/none.toml\": cannot read: No such file or directory"});
}

TEST_CASE("model paths in load_string are relative to the source name") {
    const auto r =
        load_string("[[meter]]\nmodel = \"models/sharky-775.toml\"\naddress = 1\nid = \"00000001\"\n",
                    (scenarios_dir() / "inline.toml").string());
    REQUIRE_MESSAGE(r, r);
    CHECK(app::manufacturer_letters(r.value->meters.at(0).identity.manufacturer) == "HYD");
}
