// What each key of the format becomes: bus settings, identity, records (bytes on the wire), value
// generators, raw and recorded telegrams, write rules, alarms, quirks.

#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/scenario/load.hpp>

#include "scenario_support.hpp"

using namespace mbus;
using namespace mbus::scenario;
using namespace mbus::scenario::test;
using namespace std::chrono_literals;

namespace {

const std::string identity = "[[meter]]\n"
                             "address = 3\n"
                             "id = \"12345678\"\n"
                             "manufacturer = \"TST\"\n"
                             "medium = \"water\"\n";

sim::meter_config one_meter(const std::string& text) {
    const auto r = load_string(text, "plant.toml");
    REQUIRE_MESSAGE(r, r);
    REQUIRE(r.value->meters.size() == 1);
    return r.value->meters[0];
}

// The first record's bytes (DIF to the end of its data) as the meter sends them at test_now().
bytes first_record(const std::string& record) {
    sim::meter m{one_meter(identity + "[[meter.record]]\n" + record)};
    const auto records = records_of(m.readout(0, test_now(), false).wire);
    REQUIRE(!records.empty());
    const auto& r = records[0];
    bytes b{r.dib.dif};
    b.insert(b.end(), r.dib.dife.begin(), r.dib.dife.end());
    if (r.vib) {
        b.push_back(r.vib->vif);
        if (!r.vib->plain_text.empty()) {
            b.push_back(static_cast<byte>(r.vib->plain_text.size()));
            b.insert(b.end(), r.vib->plain_text.begin(), r.vib->plain_text.end());
        }
        b.insert(b.end(), r.vib->vife.begin(), r.vib->vife.end());
    }
    b.insert(b.end(), r.data.begin(), r.data.end());
    return b;
}

const sim::spec_record& spec_of(const sim::meter_config& m, std::size_t i = 0) {
    return std::get<sim::spec_record>(m.records.at(i).content);
}

} // namespace

TEST_CASE("bus settings and their defaults") {
    const auto dflt = load_string(identity + "[[meter.record]]\nraw = \"2F\"\n", "site/plant.toml");
    REQUIRE_MESSAGE(dflt, dflt);
    CHECK(dflt.value->bus == bus_settings{"plant", 2400, timing_mode::fast, sim::bus_config{}, std::nullopt});

    const auto r =
        load_string("[bus]\nname = \"b\"\nbaud = 9600\ntiming = \"realistic\"\nresponse_delay_ms = 3\n"
                    "seed = 99\nstrict_baud = true\n" +
                        identity + "[[meter.record]]\nraw = \"2F\"\n",
                    "plant.toml");
    REQUIRE_MESSAGE(r, r);
    CHECK(r.value->bus == bus_settings{"b", 9600, timing_mode::realistic,
                                       sim::bus_config{true, sim::delay_range{3ms, 3ms}, 99}, std::nullopt});
    // A meter runs at the bus rate unless it names its own.
    CHECK(r.value->meters[0].baud == 9600);
}

TEST_CASE("meter identity keys") {
    const auto m =
        one_meter("[[meter]]\nname = \"m\"\naddress = 0\nid = 1234\nmanufacturer = \"kam\"\nversion = 0x40\n"
                  "medium = \"heat_cooling\"\nstatus = 0x10\nsignature = 0xBEEF\n"
                  "access_number = { start = 200, fixed = true }\nfabrication_number = \"00770031\"\n"
                  "baud = 300\n[[meter.record]]\nraw = \"2F\"\n");
    CHECK(m.name == "m");
    CHECK(m.primary_address == 0);
    CHECK(m.identity == app::secondary_address{0x00001234, 0x2C2D, 0x40, 0x0D});
    CHECK(m.status == 0x10);
    CHECK(m.signature == 0xBEEF);
    CHECK(m.access_number == sim::access_number_config{200, true});
    CHECK(m.fabrication_number == 0x00770031u);
    CHECK(m.baud == 300);
    CHECK(one_meter(identity + "access_number = 7\n[[meter.record]]\nraw = \"2F\"\n").access_number ==
          sim::access_number_config{7, false});
}

TEST_CASE("record bytes from quantity unit resolution and type") {
    // 12.345 m3 in litres, BCD: 0C 13 45 23 01 00.
    CHECK(
        first_record(
            "quantity = \"volume\"\nunit = \"m3\"\nresolution = 0.001\ntype = \"bcd8\"\nvalue = 12.345\n") ==
        bytes{0x0C, 0x13, 0x45, 0x23, 0x01, 0x00});
    // The unit may carry the step itself: litres are 10^-3 m3.
    CHECK(first_record("quantity = \"volume\"\nunit = \"l\"\ntype = \"bcd8\"\nvalue = 12345\n") ==
          bytes{0x0C, 0x13, 0x45, 0x23, 0x01, 0x00});
    // 1.4 kW in steps of 100 W: 02 2D 0E 00.
    CHECK(first_record(
              "quantity = \"power\"\nunit = \"kW\"\nresolution = 0.1\ntype = \"int16\"\nvalue = 1.4\n") ==
          bytes{0x02, 0x2D, 0x0E, 0x00});
    // Maximum, storage 1, tariff 2, subunit 1: DIF 92 (max, storage bit 0), DIFE 60 (tariff 2, subunit 1).
    CHECK(first_record(
              "quantity = \"energy\"\nunit = \"kWh\"\nfunction = \"maximum\"\nstorage = 1\ntariff = 2\n"
              "subunit = 1\ntype = \"int8\"\nvalue = -3\n") == bytes{0xD1, 0x60, 0x06, 0xFD});
    // Combinable VIFE 3C (backward flow) after VIF 06: 04 86 3C.
    CHECK(
        first_record("quantity = \"energy\"\nunit = \"kWh\"\nvife = [0x3C]\ntype = \"int32\"\nvalue = 5\n") ==
        bytes{0x04, 0x86, 0x3C, 0x05, 0x00, 0x00, 0x00});
    // A real32 holds the field value: 21.5 C in 10^-3 C steps (VIF 58) is 21500.0f = 0x46A7F800.
    CHECK(
        first_record("quantity = \"flow_temperature\"\nunit = \"C\"\nresolution = 0.001\ntype = \"real32\"\n"
                     "value = 21.5\n") == bytes{0x05, 0x58, 0x00, 0xF8, 0xA7, 0x46});
    // A plain-text unit (VIF FC with its length and text reversed, then VIFE... none).
    CHECK(first_record(
              "quantity = \"plain_text_unit\"\nplain_unit = \"pulse\"\ntype = \"int8\"\nvalue = 9\n") ==
          bytes{0x01, 0x7C, 0x05, 'e', 's', 'l', 'u', 'p', 0x09});
}

TEST_CASE("record bytes from a vif given as bytes") {
    CHECK(first_record("vif = \"FF 07\"\ntype = \"int32\"\nvalue = 1394\n") ==
          bytes{0x04, 0xFF, 0x07, 0x72, 0x05, 0x00, 0x00});
    // A unit beside the VIF bytes says what the numbers are in: 0.5 m3 in litres (VIF 13) is 500.
    CHECK(first_record("vif = \"13\"\nunit = \"m3\"\ntype = \"int16\"\nvalue = 0.5\n") ==
          bytes{0x02, 0x13, 0xF4, 0x01});
}

TEST_CASE("record dates and times") {
    CHECK(first_record("quantity = \"date\"\nvalue = 2018-05-31\n") == bytes{0x02, 0x6C, 0x5F, 0x25});
    // Type F: 2019-02-20 16:52 as in the SHARKY 775 telegram.
    CHECK(first_record("quantity = \"date_time\"\nvalue = 2019-02-20T16:52:00\n") ==
          bytes{0x04, 0x6D, 0x34, 0x10, 0x74, 0x22});
    // "now" at the test's wall time, 2024-03-15 10:30, and a meter clock one hour ahead.
    const auto now = first_record("quantity = \"date_time\"\nvalue = \"now\"\n");
    const auto later =
        first_record("quantity = \"date_time\"\nvalue = { now = { utc_offset = \"+01:00\" } }\n");
    REQUIRE(now.size() == 6);
    REQUIRE(later.size() == 6);
    CHECK(now[2] == 30);       // minute
    CHECK(now[3] == 10);       // hour
    CHECK(later[3] == 11);     // hour, one later
    CHECK(now[4] == later[4]); // same day
}

TEST_CASE("record value generators become value sources") {
    const auto m =
        one_meter(identity + "[[meter.record]]\nquantity = \"energy\"\nunit = \"kWh\"\ntype = \"bcd8\"\n"
                             "value = { counter = { start = 100, rate = 1.5, per = \"h\" } }\n"
                             "[[meter.record]]\nquantity = \"flow_temperature\"\nunit = \"C\"\n"
                             "resolution = 0.01\ntype = \"int16\"\n"
                             "value = { sine = { offset = 20, amplitude = 5, period = \"1h30min\", "
                             "phase = 90 } }\n"
                             "[[meter.record]]\nquantity = \"power\"\nunit = \"W\"\ntype = \"int32\"\n"
                             "value = { random_walk = { start = 50, step = 0.5, min = 0, max = 100, "
                             "interval = \"10s\", seed = 7 } }\n"
                             "[[meter.record]]\nquantity = \"power\"\nunit = \"W\"\ntype = \"int32\"\n"
                             "value = { ramp = { from = 0, to = 10, duration = \"2d\", repeat = true } }\n");
    CHECK(spec_of(m, 0).source == sim::value_source{sim::counter{100, 1.5, 1h}});
    CHECK(spec_of(m, 0).value_exponent == 3); // numbers in kWh
    CHECK(spec_of(m, 1).source == sim::value_source{sim::sine{20, 5, 90min, 90}});
    CHECK(spec_of(m, 1).value_exponent == 0); // numbers in C, sent in 0.01 C
    CHECK(spec_of(m, 2).source == sim::value_source{sim::random_walk{50, 0.5, 0, 100, 10s, 7}});
    CHECK(spec_of(m, 3).source == sim::value_source{sim::ramp{0, 10, 48h, true}});

    // On the wire after one hour: 101.5 kWh shows 101 (a counter floors); 20 + 5 sin(2 pi / 1.5 + 90 deg).
    sim::meter meter{m};
    const auto records = records_of(meter.readout(0, test_now(), false).wire);
    REQUIRE(records.size() == 4);
    CHECK(records[0].data == bytes{0x01, 0x01, 0x00, 0x00});
    CHECK(records[1].data == bytes{0xD6, 0x06}); // 17.50 C = 20 + 5 cos(240 deg), 1750 in 0.01 C
}

TEST_CASE("random walks without a seed differ by meter and record") {
    const auto walk = "[[meter.record]]\nquantity = \"power\"\nunit = \"W\"\ntype = \"int32\"\n"
                      "value = { random_walk = { step = 1, min = 0, max = 100 } }\n";
    const auto r = load_string(
        "[bus]\nseed = 5\n" + identity + walk + walk +
            "[[meter]]\naddress = 4\nid = \"12345679\"\nmanufacturer = \"TST\"\nmedium = 7\n" + walk,
        "plant.toml");
    REQUIRE_MESSAGE(r, r);
    const auto seed = [&r](std::size_t meter, std::size_t record) {
        return std::get<sim::random_walk>(*spec_of(r.value->meters.at(meter), record).source).seed;
    };
    CHECK(seed(0, 0) != seed(0, 1));
    CHECK(seed(0, 0) != seed(1, 0));
    // The same file gives the same seeds: runs repeat.
    const auto again = load_string("[bus]\nseed = 5\n" + identity + walk, "plant.toml");
    REQUIRE(again);
    CHECK(std::get<sim::random_walk>(*spec_of(again.value->meters[0]).source).seed == seed(0, 0));
}

TEST_CASE("raw records") {
    const auto m =
        one_meter(identity + "[[meter.record]]\nraw = \"04 FF 07\"\ndata = \"72 05 00 00\"\nwritable = true\n"
                             "[[meter.record]]\nraw = \"0C 13\"\nvalue = 42\n"
                             "[[meter.record]]\nraw = \"0F\"\ndata = \"01 02 03\"\n");
    REQUIRE(m.records.size() == 3);
    CHECK(m.records[0] == sim::record_config{sim::raw_record{{app::dib{0x04, {}}, app::vib{0xFF, {}, {0x07}},
                                                              bytes{0x72, 0x05, 0x00, 0x00}}},
                                             true});
    sim::meter meter{m};
    const auto records = records_of(meter.readout(0, test_now(), false).wire);
    REQUIRE(records.size() == 3);
    CHECK(records[1].data == bytes{0x42, 0x00, 0x00, 0x00});
    CHECK(records[2].dib.dif == 0x0F);
    CHECK(records[2].data == bytes{0x01, 0x02, 0x03});
}

TEST_CASE("recorded telegrams alarms and write rules") {
    const auto m = one_meter(
        identity + "[[meter.recorded]]\nhex = \"68 03 03 68 08 03 72 7D 16\"\n"
                   "[[meter.recorded]]\nuser_data = \"78 56 34 12\"\nci = 0x7A\n"
                   "[meter.alarm]\npending = true\nuser_data = \"01\"\nci = 0x70\n"
                   "[[meter.write_rule]]\ndata = \"08 06\"\nprefix = true\nreply = { telegram = 2 }\n"
                   "[[meter.write_rule]]\nci = 0x5A\ndata = \"\"\nreply = { hex = \"E5\" }\n");
    CHECK(m.recorded == std::vector<sim::recorded_telegram>{
                            sim::recorded_frame{{0x68, 0x03, 0x03, 0x68, 0x08, 0x03, 0x72, 0x7D, 0x16}},
                            sim::recorded_user_data{0x7A, {0x78, 0x56, 0x34, 0x12}}});
    CHECK(m.alarm_pending);
    CHECK(m.alarm == sim::recorded_telegram{sim::recorded_user_data{0x70, {0x01}}});
    REQUIRE(m.write_rules.size() == 2);
    CHECK(m.write_rules[0] == sim::write_rule{0x51, {0x08, 0x06}, true, std::size_t{1}});
    CHECK(m.write_rules[1] ==
          sim::write_rule{0x5A, {}, false, sim::recorded_telegram{sim::recorded_frame{{0xE5}}}});
}

TEST_CASE("quirks") {
    const auto m = one_meter(identity + "quirks = { refuse = \"silent\", wildcards = \"nibbles_everywhere\", "
                                        "fcb = \"ignore\", skew_bits = 0.5, response_delay_ms = [10, 30], "
                                        "fd_unselected = \"ack\" }\n"
                                        "[[meter.record]]\nraw = \"2F\"\n");
    CHECK(m.options == sim::quirks{sim::refusal::silent, app::wildcard_style::nibbles_everywhere,
                                   sim::fcb_mode::ignore, 0.5, sim::delay_range{10ms, 30ms},
                                   sim::fd_mode::ack});
}

TEST_CASE("repeat steps address id fabrication number and name") {
    const auto r = load_string("[[meter]]\nname = \"w{n}-{address}-{id}\"\naddress = 10\naddress_step = 2\n"
                               "id = \"00000100\"\nid_step = 10\nfabrication_number = 5\nrepeat = 3\n"
                               "manufacturer = \"TST\"\nmedium = 7\n[[meter.record]]\nraw = \"2F\"\n"
                               "[[meter]]\nname = \"x\"\naddress = 1\nid = 1\nrepeat = 2\naddress_step = 0\n"
                               "manufacturer = \"TST\"\nmedium = 7\n[[meter.record]]\nraw = \"2F\"\n",
                               "plant.toml");
    REQUIRE_MESSAGE(r, r);
    const auto& ms = r.value->meters;
    REQUIRE(ms.size() == 5);
    CHECK(ms[0].name == "w1-10-00000100");
    CHECK(ms[2].name == "w3-14-00000120");
    CHECK(ms[2].primary_address == 14);
    CHECK(ms[2].identity.id == 0x00000120);
    CHECK(ms[2].fabrication_number == 0x00000025u);
    // Without a pattern the copies are numbered; address_step 0 puts them on one address (collisions).
    CHECK(ms[3].name == "x-1");
    CHECK(ms[4].name == "x-2");
    CHECK(ms[4].primary_address == 1);
}

TEST_CASE("repeat copies share their records unless a random walk sets them apart") {
    const auto r = load_string("[[meter]]\nname = \"w\"\naddress = 10\nid = 100\nrepeat = 3\n"
                               "manufacturer = \"TST\"\nmedium = 7\n[[meter.record]]\nraw = \"2F\"\n"
                               "[[meter]]\nname = \"r\"\naddress = 20\nid = 200\nrepeat = 2\n"
                               "manufacturer = \"TST\"\nmedium = 7\n[[meter.record]]\nquantity = \"volume\"\n"
                               "unit = \"l\"\ntype = \"int32\"\nvalue = { random_walk = { start = 5, step = "
                               "1, min = 0, max = 9 } }\n",
                               "plant.toml");
    REQUIRE_MESSAGE(r, r);
    const auto& ms = r.value->meters;
    REQUIRE(ms.size() == 5);
    // One list for the three copies: 100,000 meters from one table cost one list of records.
    CHECK(ms[1].records.shares_with(ms[0].records));
    CHECK(ms[2].records.shares_with(ms[0].records));
    auto copy = ms[0]; // as the runner copies it onto the bus
    CHECK(copy.records.shares_with(ms[0].records));
    // Each walk has its own seed, so each copy its own records.
    CHECK_FALSE(ms[4].records.shares_with(ms[3].records));
    CHECK_FALSE(ms[3].records == ms[4].records);
}

TEST_CASE("record data given as bytes") {
    // BCD digits E mark an error on many displays; they go out as written.
    CHECK(first_record("quantity = \"volume\"\nunit = \"l\"\ntype = \"bcd4\"\ndata = \"EE EE\"\n") ==
          bytes{0x0A, 0x13, 0xEE, 0xEE});
    const auto r =
        load_string(identity + "[[meter.record]]\nquantity = \"volume\"\nunit = \"l\"\ntype = \"bcd4\"\n"
                               "data = \"EE\"\n",
                    "plant.toml");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].line == 6);
    CHECK(r.errors[0].key == "meter[0].record[0]");
    CHECK(r.errors[0].message.starts_with("the record cannot be encoded: "));
}

TEST_CASE("record of type none has no data") {
    CHECK(first_record("quantity = \"volume\"\nunit = \"l\"\ntype = \"none\"\n") == bytes{0x00, 0x13});
}
