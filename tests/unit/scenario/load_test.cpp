// scenario/load: scenarios from text and files, errors at file:line:col, and model paths relative to
// the file that names them.

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>

#include "scenario_support.hpp"
#include "support/printed.hpp"

#include <string>

using namespace mbus;
using mbus::test::printed;
using namespace mbus::scenario;
using namespace mbus::scenario::test;

namespace {

const std::string meter_keys = "[[meter]]\n"              // 1
                               "name = \"w\"\n"           // 2
                               "address = 3\n"            // 3
                               "id = \"12345678\"\n"      // 4
                               "manufacturer = \"TST\"\n" // 5
                               "medium = \"water\"\n";    // 6

const std::string volume_record = "[[meter.record]]\n"
                                  "raw = \"0C 13\"\n" // BCD8 volume in litres
                                  "data = \"78 56 34 12\"\n";

const std::string one_meter = meter_keys + volume_record;

const std::string model = "manufacturer = \"KAM\"\n"
                          "version = 0x41\n"
                          "medium = \"heat\"\n"
                          "[[record]]\n"
                          "raw = \"0C 13\"\n"
                          "data = \"78 56 34 12\"\n";

} // namespace

TEST_CASE("diagnostic for a TOML syntax error has the toml++ position") {
    const auto r = load_string("[[meter]]\naddress = = 3\n", "plant.toml");
    REQUIRE(r.errors.size() == 1);
    const auto& d = r.errors[0];
    CHECK(d.file == "plant.toml");
    CHECK(d.line == 2);
    CHECK(d.column == 11);
    CHECK(d.key.empty());
    CHECK(!d.message.empty());
}

TEST_CASE("diagnostics are all collected in reading order") {
    const auto text = "[bus]\n"
                      "baud = 1\n"              // 2
                      "[[meter]]\n"             // 3
                      "address = 300\n"         // 4
                      "id = \"1\"\n"            // 5
                      "manufacturer = \"T\"\n"  // 6
                      "medium = \"wat\"\n"      // 7
                      "[[meter.record]]\n"      // 8
                      "quantity = \"volume\"\n" // 9
                      "unit = \"m3\"\n"         // 10
                      "type = \"int8\"\n"       // 11
                      "value = 1000\n";         // 12
    const auto r = load_string(text, "plant.toml");
    CHECK(messages(r) ==
          std::vector<std::string>{
              "plant.toml:2:8: bus.baud: 1 is not an M-Bus baud rate (300, 600, 1200, 2400, 4800, 9600, "
              "19200, 38400)",
              "plant.toml:4:11: meter[0].address: primary address 300 is above 250 (251-255 are reserved, "
              "selection and "
              "broadcast)",
              "plant.toml:5:6: meter[0].id: identification number \"1\" is not 8 decimal digits",
              "plant.toml:6:16: meter[0].manufacturer: manufacturer \"T\" is not three letters A-Z",
              "plant.toml:7:10: meter[0].medium: unknown medium \"wat\"; did you mean \"water\", "
              "\"hot_water\", "
              "\"warm_water\"?",
              "plant.toml:12:9: meter[0].record[0].value: value 1000 does not fit int8 (-128..127)"});
}

TEST_CASE("diagnostic for a missing file") {
    const auto r = load("/nonexistent/plant.toml");
    CHECK(messages(r) ==
          std::vector<std::string>{"/nonexistent/plant.toml: cannot read: No such file or directory"});
}

TEST_CASE("load_string reads a scenario and names it after the source") {
    const auto r = load_string(one_meter, "site/plant.toml");
    REQUIRE_MESSAGE(r, r);
    CHECK(r.errors.empty());
    CHECK(r.value->source == "site/plant.toml");
    REQUIRE(r.value->meters.size() == 1);
    CHECK(r.value->meters[0].name == "w");
    CHECK(r.value->meters[0].primary_address == 3);
    CHECK(r.value->meters[0].identity.id == 0x12345678);
    CHECK(printed(r) == "site/plant.toml: ok, 1 meters");
}

TEST_CASE("load_string errors name the source at line and column") {
    const auto r =
        load_string(meter_keys + "baud = 1000\n" + volume_record, "site/plant.toml"); // line 7, value at 8
    CHECK_FALSE(r);
    CHECK_FALSE(r.value);
    CHECK(messages(r) ==
          std::vector<std::string>{"site/plant.toml:7:8: meter[0].baud: 1000 is not an M-Bus baud rate (300, "
                                   "600, 1200, 2400, 4800, 9600, 19200, 38400)"});
    CHECK(printed(r) == messages(r)[0] + "\n");
}

TEST_CASE("load reads a file and takes model paths relative to it") {
    const scratch dir("load-relative");
    dir.write("site/models/kam.toml", model);
    const auto plant = dir.write("site/plant.toml", "[[meter]]\nmodel = \"models/kam.toml\"\naddress = 1\n"
                                                    "id = \"00000001\"\n");
    const auto r = load(plant);
    REQUIRE_MESSAGE(r, r);
    CHECK(r.value->source == plant);
    REQUIRE(r.value->meters.size() == 1);
    CHECK(r.value->meters[0].identity.manufacturer == 0x2C2D); // KAM from the model
    CHECK(r.value->meters[0].identity.version == 0x41);
}

TEST_CASE("load_string takes model paths relative to the source name") {
    const scratch dir("load-string-relative");
    dir.write("models/kam.toml", model);
    const auto text = "[[meter]]\nmodel = \"models/kam.toml\"\naddress = 1\nid = \"00000001\"\n";
    const auto here = load_string(text, (dir.dir() / "plant.toml").string());
    REQUIRE_MESSAGE(here, here);
    CHECK(here.value->meters[0].identity.version == 0x41);
    // Named from another folder the same text finds no model: the error names the joined path.
    const auto elsewhere = load_string(text, (dir.dir() / "other" / "plant.toml").string());
    CHECK_FALSE(elsewhere);
    REQUIRE(elsewhere.errors.size() >= 1);
    CHECK(elsewhere.errors[0].file.find("other") != std::string::npos);
    CHECK(elsewhere.errors[0].key == "meter[0].model");
    CHECK(elsewhere.errors[0].line == 2);
}
