// scenario/load: scenarios from text and files, errors at file:line:col, and model paths relative to
// the file that names them.

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>

#include "scenario_support.hpp"
#include "support/printed.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <string>

#include <sys/stat.h>

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

TEST_CASE("load refuses a FIFO at once instead of waiting for a writer") {
    const scratch dir("load-fifo");
    const auto fifo = dir.dir() / "plant.toml";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const auto r = load(fifo); // with no writer, opening it to read would block for ever
    CHECK(messages(r) == std::vector<std::string>{fifo.string() + ": not a regular file (a FIFO)"});
}

TEST_CASE("load refuses a folder") {
    const scratch dir("load-folder");
    CHECK(messages(load(dir.dir())) ==
          std::vector<std::string>{dir.dir().string() + ": not a regular file (a folder)"});
}

TEST_CASE("load refuses a file over 16 MiB without reading it") {
    const scratch dir("load-oversize");
    const auto big = dir.write("plant.toml", one_meter);
    std::filesystem::resize_file(big, (std::uintmax_t{17} << 20)); // sparse: nothing written
    CHECK(messages(load(big)) ==
          std::vector<std::string>{big.string() + ": is 17.0 MiB, more than the 16 MiB a scenario may have"});
}

TEST_CASE("load refuses a device as a model at the place that names it") {
    const auto r = load_string("[[meter]]\nmodel = \"/dev/zero\"\naddress = 1\nid = 1\n", "plant.toml");
    CHECK(messages(r) ==
          std::vector<std::string>{"plant.toml:2:9: meter[0].model: model \"/dev/zero\": not a "
                                   "regular file (a character device)"});
}

TEST_CASE("load refuses an oversize model") {
    const scratch dir("load-oversize-model");
    const auto m = dir.write("models/big.toml", model);
    std::filesystem::resize_file(m, (std::uintmax_t{3} << 30)); // 3 GiB, sparse
    const auto plant =
        dir.write("plant.toml", "[[meter]]\nmodel = \"models/big.toml\"\naddress = 1\nid = 1\n");
    CHECK(messages(load(plant)) ==
          std::vector<std::string>{plant.string() + ":2:9: meter[0].model: model \"" + m.string() +
                                   "\": is 3.0 GiB, more than the 16 MiB a model may have"});
}

TEST_CASE("load reports TOML nested too deep as a syntax error") {
    const std::string deep = "a = " + std::string(100'000, '[') + std::string(100'000, ']') + "\n";
    const auto r = load_string(deep, "deep.toml");
    REQUIRE_FALSE(r);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].file == "deep.toml");
    CHECK(r.errors[0].line == 1);
    CHECK(r.errors[0].message.find("nest") != std::string::npos);
}

TEST_CASE("diagnostics escape control characters in names") {
    // The name holds a newline: printed raw, it would make a line of its own that looks like a finding.
    const std::string forged = "name = \"a\\nerror: forged\\u001B[31m\"\n";
    const std::string m = "[[meter]]\n" + forged +
                          "address = 1\nid = 1\nmanufacturer = \"TST\"\nmedium = \"water\"\n" + volume_record;
    const auto r = load_string(m + m, "plant.toml");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].message.find("a\nerror: forged") != std::string::npos); // the text as it is
    CHECK(messages(r) == std::vector<std::string>{"plant.toml:10:1: meter[1]: name \"a\\nerror: "
                                                  "forged\\x1B[31m\" is already the name of a meter from "
                                                  "meter[0]"});
}

TEST_CASE("load expands 20000 templated meters with their names and addresses") {
    // Two tables of 10000: names from {n} and {address}, addresses stepping through 0..249.
    std::string toml;
    for (int t = 0; t < 2; ++t)
        toml += fmt::format("[[meter]]\nname = \"t{0}-{{n}}-a{{address}}\"\naddress = 0\naddress_step = 0\n"
                            "id = {1}\nmanufacturer = \"TST\"\nmedium = \"water\"\nrepeat = 10000\n{2}",
                            t, t * 10000, volume_record);
    toml += "[[fault]]\nmeter = \"t1-10000-a0\"\nkind = \"no_answer\"\n"
            "[[event]]\nat = \"1s\"\nmeter = \"t0-1-a0\"\naction = \"leave\"\n";
    const auto r = load_string(toml, "many.toml");
    REQUIRE_MESSAGE(r, r);
    const auto& meters = r.value->meters;
    REQUIRE(meters.size() == 20000);
    for (std::size_t i = 0; i < meters.size(); ++i) {
        const auto t = i / 10000;
        const auto k = i % 10000;
        REQUIRE(meters[i].name == fmt::format("t{}-{}-a0", t, k + 1));
        REQUIRE(meters[i].primary_address == 0);
        REQUIRE(meters[i].identity.id == std::stoul(std::to_string(i), nullptr, 16)); // BCD of i
    }
    CHECK(r.value->faults.size() == 1);
    CHECK(r.value->events.size() == 1);
}

TEST_CASE("load reports a second meter of one name once for each copy") {
    std::string toml;
    for (int t = 0; t < 2; ++t)
        toml += fmt::format("[[meter]]\nname = \"m{{n}}\"\naddress = 1\naddress_step = 0\nid = {}\n"
                            "manufacturer = \"TST\"\nmedium = \"water\"\nrepeat = 3\n{}",
                            t * 10, volume_record);
    const auto r = load_string(toml, "dup.toml");
    CHECK(messages(r) ==
          std::vector<std::string>{
              "dup.toml:12:1: meter[1]: name \"m1\" is already the name of a meter from meter[0]",
              "dup.toml:12:1: meter[1]: name \"m2\" is already the name of a meter from meter[0]",
              "dup.toml:12:1: meter[1]: name \"m3\" is already the name of a meter from meter[0]"});
}

TEST_CASE("load fills every placeholder of a repeat name once") {
    const auto r = load_string("[[meter]]\nname = \"{n}{{n}}{address}{id}{x}\"\naddress = 7\nid = 42\n"
                               "manufacturer = \"TST\"\nmedium = \"water\"\nrepeat = 2\n" +
                                   volume_record,
                               "names.toml");
    REQUIRE_MESSAGE(r, r);
    REQUIRE(r.value->meters.size() == 2);
    CHECK(r.value->meters[0].name == "1{1}700000042{x}");
    CHECK(r.value->meters[1].name == "2{2}800000043{x}");
}

TEST_CASE("load reads the bus's collision model, its fill and the converter's echo") {
    const auto plain = load_string(one_meter, "plant.toml");
    REQUIRE_MESSAGE(plain, plain);
    CHECK(plain.value->bus.config.collision == sim::collision_model::wired_and);
    CHECK_FALSE(plain.value->bus.config.echo);
    CHECK_FALSE(plain.value->meters[0].options.skew_bits); // each meter its own offset

    const auto lc = load_string(
        "[bus]\ncollision = \"level_converter\"\ncollision_fill = \"break\"\necho = true\n" + one_meter,
        "plant.toml");
    REQUIRE_MESSAGE(lc, lc);
    CHECK(lc.value->bus.config.collision == sim::collision_model::level_converter);
    CHECK(lc.value->bus.config.fill == sim::collision_fill::line_break);
    CHECK(lc.value->bus.config.echo);

    const auto typo = load_string("[bus]\ncollision = \"level_convertor\"\n" + one_meter, "plant.toml");
    REQUIRE_FALSE(typo);
    CHECK(printed(typo.errors.at(0)) == "plant.toml:2:13: bus.collision: unknown value \"level_convertor\"; "
                                        "did you mean \"level_converter\"?");
    const auto no_fill = load_string("[bus]\ncollision_fill = \"zeros\"\n" + one_meter, "plant.toml");
    REQUIRE_FALSE(no_fill);
    CHECK(printed(no_fill.errors.at(0)) ==
          "plant.toml:2:18: bus.collision_fill: applies only to collision = \"level_converter\"");
}
