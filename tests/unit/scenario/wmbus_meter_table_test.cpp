// [[wmbus_meter]] and [receiver] tables (scenario/detail/wmbus_tables.hpp), read through the loader
// as users write them; the shipped stairwell and its models.

#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/sim/wmbus_meter.hpp>
#include <mbus/wmbus/telegram.hpp>

#include "scenario_support.hpp"

#include <sstream>
#include <string>

using namespace mbus;

namespace {

std::string errors_of(const std::string& toml) {
    const auto r = scenario::load_string(toml, "w.toml");
    std::ostringstream os;
    for (const auto& d : r.errors)
        os << to_string(d) << '\n';
    return os.str();
}

const std::string one_record =
    "[[wmbus_meter.record]]\nquantity = \"volume\"\nunit = \"m3\"\ntype = \"int32\"\nvalue = 1\n";

} // namespace

TEST_CASE("a [[wmbus_meter]] table loads with its identity, schedule, security and records") {
    const auto r = scenario::load_string(R"([receiver]
kind = "amb8465"
id = 0x01020304

[[wmbus_meter]]
manufacturer = "KAM"
id = "76348799"
version = 0x1B
medium = 0x16
mode = "C1"
interval = 16
jitter = 4
key = "000102030405060708090A0B0C0D0E0F"
rssi = -70.5
rssi_noise = 2
access_number = 200
[[wmbus_meter.record]]
quantity = "volume"
unit = "m3"
resolution = 0.001
type = "int32"
value = { counter = { start = 41.2, rate = 0.02, per = "h" } }

[[wmbus_meter]]
name = "plain"
manufacturer = "TST"
id = 12
interval = [8, "16s"]
)" + one_record,
                                         "w.toml");
    REQUIRE_MESSAGE(r, r);
    const auto& sc = *r.value;
    CHECK(sc.meters.empty());
    CHECK(sc.receiver.kind == scenario::receiver_kind::amb8465);
    CHECK(sc.receiver.id == 0x01020304);
    REQUIRE(sc.wmbus_meters.size() == 2);
    const auto& m = sc.wmbus_meters[0];
    CHECK(m.name == "wmbus1");
    CHECK(m.manufacturer == app::manufacturer_code("KAM").value());
    CHECK(m.id == 0x76348799);
    CHECK(m.version == 0x1B);
    CHECK(m.device_type == 0x16);
    CHECK(m.mode == sim::wmbus_mode::c1);
    CHECK(m.interval_min_s == 12);
    CHECK(m.interval_max_s == 20);
    CHECK(m.key == from_hex("000102030405060708090A0B0C0D0E0F").value());
    CHECK(m.rssi_dbm == -70.5);
    CHECK(m.rssi_noise_db == 2);
    CHECK(m.access_number == 200);
    CHECK(m.records.size() == 1);
    const auto& p = sc.wmbus_meters[1];
    CHECK(p.name == "plain");
    CHECK(p.id == 0x00000012);
    CHECK(p.mode == sim::wmbus_mode::t1);
    CHECK(p.device_type == 0x07);
    CHECK(p.interval_min_s == 8);
    CHECK(p.interval_max_s == 16);
    CHECK(!p.key);
    CHECK(p.seed != m.seed); // meters of one scenario draw apart
    std::ostringstream os;
    os << r;
    CHECK(os.str() == "w.toml: ok, 2 wireless meters, receiver amb8465");
}

TEST_CASE("[[wmbus_meter]] and [receiver] mistakes are reported with file, line and column") {
    const std::string head = "[[wmbus_meter]]\nmanufacturer = \"KAM\"\nid = 1\ninterval = 16\n";
    CHECK(errors_of(head + "key = \"0011\"\n" + one_record) ==
          "w.toml:5:7: wmbus_meter[0].key: an AES-128 key is 16 bytes (32 hex digits), not 2\n");
    CHECK(errors_of(head + "intervall = 3\n" + one_record) ==
          "w.toml:5:1: wmbus_meter[0].intervall: unknown key \"intervall\"; did you mean \"interval\"?\n");
    CHECK(errors_of(head + "mode = \"T2\"\n" + one_record).starts_with("w.toml:5:8: wmbus_meter[0].mode: "));
    CHECK(errors_of(head + "security = \"mode7\"\nkey = \"000102030405060708090A0B0C0D0E0F\"\n" + one_record)
              .empty());
    CHECK(errors_of(head + "security = \"mode7\"\n" + one_record) ==
          "w.toml:5:12: wmbus_meter[0].security: mode 7 needs a key (16 bytes, hex)\n");
    CHECK(
        errors_of(head + "message_counter = 5\n" + one_record) ==
        "w.toml:5:19: wmbus_meter[0].message_counter: the message counter is mode 7's (AFL): set security = "
        "\"mode7\" or drop it\n");
    CHECK(errors_of(head + "security = \"mode5\"\n" + one_record) ==
          "w.toml:5:12: wmbus_meter[0].security: mode 5 needs a key (16 bytes, hex)\n");
    CHECK(errors_of(head + "jitter = 16\n" + one_record) ==
          "w.toml:5:10: wmbus_meter[0].jitter: 16 s of jitter on an interval of 16 s: must be 0 <= jitter < "
          "interval\n");
    CHECK(errors_of("[[wmbus_meter]]\nmanufacturer = \"KAM\"\nid = 1\n" + one_record) ==
          "w.toml:1:1: wmbus_meter[0]: a wireless meter needs an interval: seconds between transmissions, "
          "e.g. interval = 16, interval = \"2min\" or interval = [8, 16]\n");
    CHECK(errors_of(head + "rssi = 5\n" + one_record) ==
          "w.toml:5:8: wmbus_meter[0].rssi: 5 dBm is not a received level (-130..0 dBm)\n");
    CHECK(errors_of(head) ==
          "w.toml:1:1: wmbus_meter[0]: a wireless meter needs records ([[wmbus_meter.record]])\n");
    CHECK(errors_of(head + one_record + "telegram = 2\n") ==
          "w.toml:10:12: wmbus_meter[0].record[0].telegram: a wireless meter sends all its records in each "
          "transmission: no telegram number\n");
    CHECK(errors_of("[receiver]\nkind = \"cul\"\n" + head + one_record)
              .starts_with("w.toml:2:8: receiver.kind: "));
    CHECK(errors_of("[receiver]\nkind = \"im871a\"\n[[meter]]\naddress = 1\nid = 1\nmanufacturer = \"KAM\"\n"
                    "medium = \"water\"\n[[meter.record]]\nquantity = \"volume\"\nunit = \"m3\"\ntype = "
                    "\"int32\"\nvalue = 1\n") ==
          "w.toml:1:1: receiver: a [receiver] hears [[wmbus_meter]]s: this scenario has none\n");
    CHECK(errors_of(head + one_record +
                    "[[meter]]\naddress = 1\nid = 1\nmanufacturer = \"KAM\"\n"
                    "medium = \"water\"\n[[meter.record]]\nquantity = \"volume\"\nunit = "
                    "\"m3\"\nvalue = 1\n")
              .find("wmbus_meter: a scenario has [[wmbus_meter]]s") != std::string::npos);
}

TEST_CASE("[[wmbus_meter]] install_telegrams and access_demand_every load, bad values placed") {
    const std::string head = "[[wmbus_meter]]\nmanufacturer = \"KAM\"\nid = 1\ninterval = 16\n";
    const auto r = scenario::load_string(
        head + "install_telegrams = 3\naccess_demand_every = 4\n" + one_record, "w.toml");
    REQUIRE(r.errors.empty());
    REQUIRE(r.value);
    REQUIRE(r.value->wmbus_meters.size() == 1);
    CHECK(r.value->wmbus_meters[0].install_telegrams == 3);
    CHECK(r.value->wmbus_meters[0].access_demand_every == 4);
    const auto d = scenario::load_string(head + one_record, "w.toml");
    REQUIRE(d.value);
    REQUIRE(d.value->wmbus_meters.size() == 1);
    CHECK(d.value->wmbus_meters[0].install_telegrams == 0);
    CHECK(d.value->wmbus_meters[0].access_demand_every == 0);

    CHECK(errors_of(head + "access_demand_every = 1\n" + one_record) ==
          "w.toml:5:23: wmbus_meter[0].access_demand_every: 1 would make every transmission an ACC_NR, which "
          "carries no data: give 0 (never) or 2 and more\n");
    CHECK(errors_of(head + "install_telegrams = -1\n" + one_record)
              .starts_with("w.toml:5:21: wmbus_meter[0].install_telegrams: "));
    CHECK(errors_of(head + "access_demand_every = \"often\"\n" + one_record)
              .starts_with("w.toml:5:23: wmbus_meter[0].access_demand_every: "));
    CHECK(errors_of(head + "install_telegram = 2\n" + one_record) ==
          "w.toml:5:1: wmbus_meter[0].install_telegram: unknown key \"install_telegram\"; did you mean "
          "\"install_telegrams\"?\n");
}

TEST_CASE("the shipped stairwell: its meters send telegrams that decode with their keys") {
    const auto r = scenario::load(scenario::test::scenarios_dir() / "wmbus-stairwell.toml");
    REQUIRE_MESSAGE(r, r);
    const auto& sc = *r.value;
    CHECK(sc.receiver.kind == scenario::receiver_kind::im871a);
    REQUIRE(sc.wmbus_meters.size() == 5);
    for (const auto& c : sc.wmbus_meters) {
        CAPTURE(c.name);
        REQUIRE(c.key);
        sim::wmbus_meter m(c, scenario::test::test_now());
        const auto t = m.transmit(scenario::test::test_now());
        REQUIRE(t);
        const auto decoded =
            wmbus::decode(wmbus::decode(t->air, sim::format_of(c.mode)).value(), bytes_view(*c.key));
        REQUIRE(decoded);
        CHECK(decoded->security.decrypted);
        std::size_t records = 0;
        for (const auto& rec : std::get<app::variable_data>(*decoded->user_data).records)
            records += rec.dib.dif != 0x2F ? 1 : 0;
        CHECK(records == c.records.size());
    }
    const auto& mc21 = sc.wmbus_meters[1];
    CHECK(mc21.model == "wmbus-models/kamstrup-multical-21.toml");
    CHECK(mc21.manufacturer == app::manufacturer_code("KAM").value());
    CHECK(mc21.version == 0x1B);
    CHECK(mc21.device_type == 0x16);
    CHECK(mc21.mode == sim::wmbus_mode::c1);
    // The MULTICAL 21 layout: 02 FF 20 | 04 13 | 44 13 | 61 5B | 61 67.
    sim::wmbus_meter m(mc21, scenario::test::test_now());
    const auto t = m.transmit(scenario::test::test_now()).value();
    const auto d = wmbus::decode(t.frame, bytes_view(*mc21.key)).value();
    const auto& recs = std::get<app::variable_data>(*d.user_data).records;
    // Without the 2F 2F check bytes and the 2F padding of the last AES block.
    std::vector<std::string> drh;
    for (const auto& rec : recs)
        if (rec.dib.dif != 0x2F) drh.push_back(scenario::test::drh(rec));
    CHECK(drh == std::vector<std::string>{"02ff20", "0413", "4413", "615b", "6167"});
    CHECK(sc.wmbus_meters[2].interval_min_s == 20);
    CHECK(sc.wmbus_meters[2].interval_max_s == 40);
    // The MULTICAL 303 (wireless, version 40, device type 0C): the layout of wmbusmeters' kamheat test
    // telegram 'Kamstrup_303' (models file), records in its order.
    const auto& mc303 = sc.wmbus_meters[4];
    CHECK(mc303.model == "wmbus-models/kamstrup-multical-303.toml");
    CHECK(mc303.manufacturer == app::manufacturer_code("KAM").value());
    CHECK(mc303.version == 0x40);
    CHECK(mc303.device_type == 0x0C);
    CHECK(mc303.mode == sim::wmbus_mode::c1);
    sim::wmbus_meter m303(mc303, scenario::test::test_now());
    const auto t303 = m303.transmit(scenario::test::test_now()).value();
    const auto d303 = wmbus::decode(t303.frame, bytes_view(*mc303.key)).value();
    CHECK(d303.security.mode == 5);
    CHECK(d303.security.decrypted);
    std::vector<std::string> drh303;
    for (const auto& rec : std::get<app::variable_data>(*d303.user_data).records)
        if (rec.dib.dif != 0x2F) drh303.push_back(scenario::test::drh(rec));
    CHECK(drh303 == std::vector<std::string>{"0405", "0413", "04ff07", "04ff08", "0259", "025d", "023b",
                                             "02ff22", "026c", "4405", "4413", "426c"});
}

TEST_CASE("[[fault]] wm_* kinds load for wireless meters, with their mistakes placed") {
    const std::string meters =
        "[[wmbus_meter]]\nname = \"a\"\nmanufacturer = \"KAM\"\nid = 1\ninterval = 16\n" + one_record +
        "[[wmbus_meter]]\nname = \"b\"\nmanufacturer = \"KAM\"\nid = 2\ninterval = 16\n" + one_record;
    const auto r = scenario::load_string(meters + "[[fault]]\nmeter = \"a\"\nkind = \"wm_collision\"\nwith = "
                                                  "\"b\"\noffset_ms = 2.5\nevery = 3\n",
                                         "w.toml");
    REQUIRE(r.errors.empty());
    REQUIRE(r.value->wmbus_faults.size() == 1);
    const auto& f = r.value->wmbus_faults[0];
    CHECK(f.meter == "a");
    CHECK(f.trigger.every == 3);
    CHECK(std::get<sim::wmbus_faults::collision>(f.action) ==
          sim::wmbus_faults::collision{"b", std::chrono::microseconds{2500}});
    CHECK(errors_of(meters + "[[fault]]\nkind = \"wm_collision\"\nwith = \"c\"\n") ==
          "w.toml:23:8: fault[0].with: no [[wmbus_meter]] named \"c\"; did you mean \"a\"?\n");
    CHECK(
        errors_of(meters + "[[fault]]\nkind = \"no_answer\"\n") ==
        "w.toml:22:8: fault[0].kind: kind \"no_answer\" is not for [[wmbus_meter]]s; on wireless meters use "
        "one of \"wm_crc\", \"wm_wrong_key\", \"wm_truncate\", \"wm_missing\", \"wm_drift\" or "
        "\"wm_collision\"\n");
    CHECK(errors_of(meters + "[[fault]]\nkind = \"wm_drift\"\nppm = 0\n") ==
          "w.toml:23:7: fault[0].ppm: 0 ppm is not a drift (non-zero, -500000..500000)\n");
    CHECK(errors_of("[[meter]]\naddress = 1\n[[fault]]\nkind = \"wm_crc\"\n")
              .find("kind \"wm_crc\" is for [[wmbus_meter]]s and this scenario has none") !=
          std::string::npos);
}
