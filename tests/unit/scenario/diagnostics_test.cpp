// What the loader says about wrong scenario files: the message, the key path and the line:column.

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>

#include "scenario_support.hpp"

#include <string>

using namespace mbus;
using namespace mbus::scenario;
using namespace mbus::scenario::test;

namespace {

// A valid meter (lines 1-6) whose first record is `record` (from line 7).
std::string meter_with(const std::string& record) {
    return "[[meter]]\n"              // 1
           "address = 3\n"            // 2
           "id = \"12345678\"\n"      // 3
           "manufacturer = \"TST\"\n" // 4
           "medium = \"water\"\n"     // 5
           "[[meter.record]]\n" +     // 6
           record;
}

const std::string volume_record = "quantity = \"volume\"\n" // 7
                                  "unit = \"m3\"\n"         // 8
                                  "type = \"bcd8\"\n"       // 9
                                  "value = 1\n";            // 10

// The one diagnostic of loading `text` as plant.toml, as text.
std::string only_error(const std::string& text) {
    const auto r = load_string(text, "plant.toml");
    CHECK(!r);
    REQUIRE_MESSAGE(r.errors.size() == 1, r);
    return to_string(r.errors[0]);
}

// `text` with the line that starts with `key =` replaced by `line`.
std::string with_line(std::string text, const std::string& key, const std::string& line) {
    const auto at = text.find(key + " =");
    REQUIRE(at != std::string::npos);
    text.replace(at, text.find('\n', at) - at, line);
    return text;
}

} // namespace

TEST_CASE("the base meter of these tests loads") {
    const auto r = load_string(meter_with(volume_record), "plant.toml");
    REQUIRE_MESSAGE(r, r);
    CHECK(r.value->bus.name == "plant"); // from the file name when [bus] names none
    CHECK(r.value->meters.at(0).name == "meter1");
}

TEST_CASE("diagnostic for a primary address above 250") {
    CHECK(only_error(with_line(meter_with(volume_record), "address", "address = 251")) ==
          "plant.toml:2:11: meter[0].address: primary address 251 is above 250 (251-255 are reserved, "
          "selection "
          "and broadcast)");
}

TEST_CASE("diagnostic for an identification number that is not 8 digits") {
    CHECK(only_error(with_line(meter_with(volume_record), "id", "id = \"1234567\"")) ==
          "plant.toml:3:6: meter[0].id: identification number \"1234567\" is not 8 decimal digits");
    CHECK(only_error(with_line(meter_with(volume_record), "id", "id = \"1234567A\"")) ==
          "plant.toml:3:6: meter[0].id: identification number \"1234567A\" is not 8 decimal digits");
    CHECK(
        only_error(with_line(meter_with(volume_record), "id", "id = 100000000")) ==
        "plant.toml:3:6: meter[0].id: identification number 100000000 is not 8 decimal digits (0..99999999)");
}

TEST_CASE("diagnostic for a manufacturer that is not three letters") {
    CHECK(only_error(with_line(meter_with(volume_record), "manufacturer", "manufacturer = \"TS1\"")) ==
          "plant.toml:4:16: meter[0].manufacturer: manufacturer \"TS1\" is not three letters A-Z");
    CHECK(only_error(with_line(meter_with(volume_record), "manufacturer", "manufacturer = \"TSTX\"")) ==
          "plant.toml:4:16: meter[0].manufacturer: manufacturer \"TSTX\" is not three letters A-Z");
}

TEST_CASE("diagnostic for an unknown medium") {
    CHECK(only_error(with_line(meter_with(volume_record), "medium", "medium = \"watr\"")) ==
          "plant.toml:5:10: meter[0].medium: unknown medium \"watr\"; did you mean \"water\"?");
    CHECK(only_error(with_line(meter_with(volume_record), "medium", "medium = 256")) ==
          "plant.toml:5:10: meter[0].medium: 256 is out of range (0..255)");
    const auto r = load_string(with_line(meter_with(volume_record), "medium", "medium = 0x16"), "plant.toml");
    REQUIRE_MESSAGE(r, r);
    CHECK(r.value->meters[0].identity.medium == 0x16);
}

TEST_CASE("diagnostic for a value that does not fit its data type") {
    const auto int8 = with_line(with_line(volume_record, "type", "type = \"int8\""), "value", "value = 300");
    CHECK(only_error(meter_with(int8)) ==
          "plant.toml:10:9: meter[0].record[0].value: value 300 does not fit int8 (-128..127)");
    CHECK(only_error(meter_with(with_line(volume_record, "value", "value = 100000000"))) ==
          "plant.toml:10:9: meter[0].record[0].value: value 100000000 does not fit bcd8 (0..99999999)");
    CHECK(load_string(meter_with(with_line(volume_record, "value", "value = 99999999")), "plant.toml"));
}

TEST_CASE("diagnostic for a negative value in BCD unless signed") {
    const auto negative = with_line(volume_record, "value", "value = -5");
    CHECK(only_error(meter_with(negative)) == "plant.toml:10:9: meter[0].record[0].value: value -5 is "
                                              "negative: bcd8 cannot hold it (set signed_bcd = "
                                              "true to send it with F in the top digit)");
    const auto r = load_string(meter_with(negative + "signed_bcd = true\n"), "plant.toml");
    REQUIRE_MESSAGE(r, r);
    sim::meter m{r.value->meters[0]};
    const auto records = records_of(m.readout(0, test_now(), false).wire);
    REQUIRE(records.size() == 1);
    CHECK(records[0].data == bytes{0x05, 0x00, 0x00, 0xF0}); // -5: F in the top digit
}

TEST_CASE("a resolution no VIF of a unitless quantity carries is named at the resolution") {
    // Found by fuzzing: the error pointed at the absent unit (a null node).
    CHECK(
        only_error(meter_with("quantity = \"date_time\"\ntype = \"int32\"\nvalue = \"now\"\n"
                              "resolution = 0.1\n")) ==
        "plant.toml:10:14: meter[0].record[0].resolution: no VIF sends date_time in steps of 0.1; the codes "
        "cover: no unit (primary 6D)");
}

TEST_CASE("diagnostic for a value finer than the resolution") {
    const auto fine = with_line(volume_record, "value", "value = 1.2345") + "resolution = 0.001\n";
    CHECK(only_error(meter_with(fine)) == "plant.toml:10:9: meter[0].record[0].value: value 1.2345 is finer "
                                          "than the record's resolution (0.001 m3)");
}

TEST_CASE("diagnostic for a baud rate that M-Bus does not have") {
    CHECK(only_error("[bus]\nbaud = 2401\n" + meter_with(volume_record)) ==
          "plant.toml:2:8: bus.baud: 2401 is not an M-Bus baud rate (300, 600, 1200, 2400, 4800, 9600, "
          "19200, 38400)");
    CHECK(
        only_error(with_line(meter_with(volume_record), "address", "address = 3\nbaud = 115200")) ==
        "plant.toml:3:8: meter[0].baud: 115200 is not an M-Bus baud rate (300, 600, 1200, 2400, 4800, 9600, "
        "19200, 38400)");
}

TEST_CASE("[bus] clock: a TOML date-time, with or without an offset; anything else is named") {
    const auto r =
        load_string("[bus]\nclock = 2030-01-31T23:59:54\n" + meter_with(volume_record), "plant.toml");
    REQUIRE(r);
    using namespace std::chrono;
    CHECK(r.value->bus.clock == sys_days{year{2030} / 1 / 31} + hours{23} + minutes{59} + seconds{54});
    const auto z =
        load_string("[bus]\nclock = 2030-01-31T23:59:54+01:00\n" + meter_with(volume_record), "plant.toml");
    REQUIRE(z);
    CHECK(z.value->bus.clock == sys_days{year{2030} / 1 / 31} + hours{22} + minutes{59} + seconds{54});
    CHECK_FALSE(load_string(meter_with(volume_record), "plant.toml").value->bus.clock);
    CHECK(
        only_error("[bus]\nclock = \"tomorrow\"\n" + meter_with(volume_record)) ==
        "plant.toml:2:9: bus.clock: expected a TOML date-time such as 2000-01-01T00:00:00 (the meters' clock "
        "at the start)");
    // Found by fuzzing: a clock in year 8531 overflowed the nanosecond clock instead of being named.
    CHECK(only_error("[bus]\nclock = 8531-12-31T00:00:00\n" + meter_with(volume_record)) ==
          "plant.toml:2:9: bus.clock: year 8531 is outside 1970..2099, the years meters' clocks carry");
    CHECK(only_error("[bus]\nclock = 1969-12-31\n" + meter_with(volume_record)) ==
          "plant.toml:2:9: bus.clock: year 1969 is outside 1970..2099, the years meters' clocks carry");
}

TEST_CASE("diagnostic for a response delay outside the answer window") {
    CHECK(only_error("[bus]\nresponse_delay_ms = [500, 900]\n" + meter_with(volume_record)) ==
          "plant.toml:2:21: bus.response_delay_ms: 500 ms .. 900 ms lies outside the EN 13757-2 answer "
          "window at "
          "2400 baud (4.584 ms .. 187.5 ms)");
    CHECK(only_error("[bus]\nresponse_delay_ms = [20, 5]\n" + meter_with(volume_record)) ==
          "plant.toml:2:21: bus.response_delay_ms: 20 ms .. 5 ms is not a range of delays (0 <= min <= max)");
    // The window is wider at 300 baud: the same delays are fine there.
    const auto r = load_string(
        "[bus]\nbaud = 300\nresponse_delay_ms = [500, 900]\n" + meter_with(volume_record), "plant.toml");
    REQUIRE_MESSAGE(r, r);
    CHECK(r.value->bus.config.response_delay ==
          sim::delay_range{std::chrono::milliseconds{500}, std::chrono::milliseconds{900}});
}

TEST_CASE("diagnostic for an unknown unit suggests the nearest") {
    CHECK(
        only_error(meter_with(with_line(volume_record, "unit", "unit = \"m4\""))) ==
        "plant.toml:8:8: meter[0].record[0].unit: unknown unit \"m4\"; did you mean \"mJ\", \"m3\", \"ml\"?");
    const auto energy = "quantity = \"energy\"\nunit = \"kwhr\"\ntype = \"bcd8\"\nvalue = 1\n";
    CHECK(only_error(meter_with(energy))
              .starts_with(
                  "plant.toml:8:8: meter[0].record[0].unit: unknown unit \"kwhr\"; did you mean \"kWh\""));
}

TEST_CASE("diagnostic for a unit that does not measure the quantity") {
    const auto text = only_error(meter_with(with_line(volume_record, "unit", "unit = \"kWh\"")));
    CHECK(text.starts_with(
        "plant.toml:8:8: meter[0].record[0].unit: volume is not measured in \"kWh\"; it can be sent as: m3"));
}

TEST_CASE("diagnostic for an unknown key suggests the nearest key") {
    const auto r = load_string(with_line(meter_with(volume_record), "address", "adress = 3"), "plant.toml");
    CHECK(messages(r) ==
          std::vector<std::string>{
              "plant.toml:1:1: meter[0]: missing key \"address\"",
              "plant.toml:2:1: meter[0].adress: unknown key \"adress\"; did you mean \"address\"?"});
    CHECK(only_error(meter_with(volume_record + "unti = \"m3\"\n")) ==
          "plant.toml:11:1: meter[0].record[0].unti: unknown key \"unti\"; did you mean \"unit\"?");
    CHECK(only_error("[bsu]\n" + meter_with(volume_record)) ==
          "plant.toml:1:2: bsu: unknown key \"bsu\"; did you mean \"bus\"?");
    CHECK(only_error(meter_with(volume_record + "value_of_everything = 42\n")) ==
          "plant.toml:11:1: meter[0].record[0].value_of_everything: unknown key \"value_of_everything\"");
}

TEST_CASE("diagnostic for a scenario without meters") {
    CHECK(
        only_error("[bus]\nname = \"x\"\n") ==
        "plant.toml:1:1: no meters: add at least one [[meter]] (or [[han_meter]], or [[wmbus_meter]]) table");
    CHECK(only_error("[meter]\naddress = 3\n") ==
          "plant.toml:1:1: meter: write [[meter]] (one table per meter), not [meter]");
}

TEST_CASE("diagnostic for two meters with one name") {
    const auto text = meter_with(volume_record +
                                 "[[meter]]\nname = \"meter1\"\naddress = 4\nid = \"12345679\"\n"
                                 "manufacturer = \"TST\"\nmedium = 7\n[[meter.record]]\n" +
                                 volume_record);
    CHECK(only_error(text) ==
          "plant.toml:11:1: meter[1]: name \"meter1\" is already the name of a meter from meter[0]");
}

TEST_CASE("diagnostic for a wrong value type") {
    CHECK(only_error(with_line(meter_with(volume_record), "address", "address = \"3\"")) ==
          "plant.toml:2:11: meter[0].address: expected an integer, got a string");
    CHECK(only_error(meter_with(with_line(volume_record, "value", "value = true"))) ==
          "plant.toml:10:9: meter[0].record[0].value: expected a number, \"now\", a date or a generator "
          "table, got "
          "a boolean");
}

TEST_CASE("diagnostic for generators") {
    const auto gen = [](const std::string& value) {
        return meter_with(with_line(with_line(volume_record, "type", "type = \"int16\""), "value", value));
    };
    CHECK(only_error(gen("value = { counter = { start = 40000, rate = 1 } }")) ==
          "plant.toml:10:21: meter[0].record[0].value.counter: the counter starts at 40000, which does not "
          "fit int16 "
          "(-32768..32767)");
    CHECK(only_error(gen("value = { cuonter = { rate = 1 } }")) ==
          "plant.toml:10:11: meter[0].record[0].value.cuonter: unknown generator \"cuonter\"; did you mean "
          "\"counter\"?");
    CHECK(only_error(gen("value = { sine = { amplitude = 1, period = \"1 fortnight\" } }")) ==
          "plant.toml:10:44: meter[0].record[0].value.sine.period: \"1 fortnight\" is not a duration (write "
          "e.g. "
          "\"10s\", \"1.5h\", \"30min\", \"500ms\", \"2d\")");
    CHECK(only_error(gen("value = { sine = { amplitude = 1 } }")) ==
          "plant.toml:10:18: meter[0].record[0].value.sine: missing key \"period\"");
    CHECK(only_error(gen("value = { random_walk = { start = 5, step = 1, min = 10, max = 20 } }")) ==
          "plant.toml:10:25: meter[0].record[0].value.random_walk: start 5 is outside min..max (10..20)");
    CHECK(only_error(gen("value = \"now\"")) == "plant.toml:10:9: meter[0].record[0].value: \"now\" needs a "
                                                "date or time record (quantity \"date\" or "
                                                "\"date_time\"), not volume");
}

TEST_CASE("diagnostic for record telegram numbers with a gap") {
    const auto text =
        meter_with(volume_record + "telegram = 1\n[[meter.record]]\n" + volume_record + "telegram = 3\n");
    CHECK(only_error(text) == "plant.toml:6:1: meter[0].record: telegram 2 has no records (telegrams are "
                              "numbered from 1 without gaps)");
}

TEST_CASE("diagnostic for repeat running past address 250") {
    const auto text = with_line(meter_with(volume_record), "address", "address = 200\nrepeat = 60");
    CHECK(only_error(text) == "plant.toml:3:10: meter[0].repeat: 60 meters from address 200 in steps of 1 "
                              "reach address 259, above 250");
}

TEST_CASE("diagnostic for raw records") {
    CHECK(only_error(meter_with("raw = \"04 FF 07\"\ndata = \"72 05 00\"\n")) ==
          "plant.toml:8:8: meter[0].record[0].data: data has 3 bytes but DIF 04 (int32) carries 4");
    CHECK(only_error(meter_with("raw = \"84\"\ndata = \"00\"\n")) ==
          "plant.toml:7:7: meter[0].record[0].raw: the last DIF/DIFE announces a DIFE (bit 7) that is not "
          "there");
    CHECK(only_error(meter_with("raw = \"04 13\"\nunit = \"m3\"\ntype = \"int8\"\nvalue = 1\n")) ==
          "plant.toml:9:8: meter[0].record[0].type: \"type\" cannot go with raw: the raw bytes give it");
}

TEST_CASE("diagnostic for a value beyond int64") {
    const auto huge =
        with_line(with_line(volume_record, "type", "type = \"int64\""), "value", "value = 1e30");
    CHECK(only_error(meter_with(huge)) ==
          "plant.toml:10:9: meter[0].record[0].value: value 1e+30 does not fit int64 "
          "(-9223372036854775808..9223372036854775807)");
}

TEST_CASE("diagnostic for a model file given as a scenario") {
    CHECK(only_error("manufacturer = \"KAM\"\n[[record]]\nraw = \"2F\"\n") ==
          "plant.toml:1:1: this is a meter model (meter keys at the top level, no [[meter]]): a scenario "
          "uses it "
          "with model = \"...\" in a [[meter]] table");
}
