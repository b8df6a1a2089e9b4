// Every transmission of a simulated wireless meter is decoded with the project's wireless decoder
// (wmbus/telegram.hpp, checked against the OMS Annex N example and public decoders' telegrams) and
// the meter's key, back to the generators' values at the instant it was sent.

#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/value.hpp>
#include <mbus/sim/wmbus_meter.hpp>
#include <mbus/wmbus/errc.hpp>
#include <mbus/wmbus/telegram.hpp>

#include "sim_support.hpp"

#include <set>

using namespace mbus;
using namespace mbus::sim;

namespace {

const bytes key = from_hex("000102030405060708090A0B0C0D0E0F").value();

// KAM 12345678, water: volume in litres (int32) from a counter of 1 m3 per second from 100 m3, and a
// flow temperature of 12 C.
wmbus_meter_config water(wmbus_mode mode, bool encrypted) {
    wmbus_meter_config c;
    c.name = "w1";
    c.manufacturer = app::manufacturer_code("KAM").value();
    c.id = 0x12345678;
    c.version = 0x1B;
    c.device_type = 0x07;
    c.mode = mode;
    c.interval_min_s = 8;
    c.interval_max_s = 16;
    c.seed = 42;
    c.rssi_dbm = -70;
    c.rssi_noise_db = 3;
    if (encrypted) c.key = key;
    spec_record volume{test::spec(app::quantity::volume, app::unit::m3, -3, app::data_coding::int32),
                       counter{100, 3600, std::chrono::hours{1}}, 0};
    c.records.emplace_back().content = volume;
    spec_record temp{test::spec(app::quantity::flow_temperature, app::unit::celsius, 0,
                                app::data_coding::int8, std::int64_t{12}),
                     std::nullopt, 0};
    c.records.emplace_back().content = temp;
    return c;
}

// The decoded records after the 2F 2F check bytes (encrypted) or from the first (clear).
std::vector<app::record> decoded_records(const wmbus_transmission& t, wmbus::frame_format fmt,
                                         std::optional<bytes_view> k) {
    const auto f = wmbus::decode(t.air, fmt);
    REQUIRE(f);
    CHECK(*f == t.frame);
    CHECK(wmbus::decode(t.plain, wmbus::layout::no_crc).value() == t.frame);
    const auto tg = wmbus::decode(*f, k);
    REQUIRE(tg);
    CHECK(tg->security.mode == (k ? 5 : 0));
    const auto& vd = std::get<app::variable_data>(*tg->user_data);
    CHECK(vd.header.access_number == t.access_number);
    std::vector<app::record> out;
    for (const auto& r : vd.records)
        if (r.dib.dif != 0x2F) out.push_back(r);
    return out;
}

std::int64_t int_of(const app::record& r) {
    return std::get<std::int64_t>(app::decode_value(app::coding_of(r.dib.dif), r.data).value());
}

} // namespace

TEST_CASE("wmbus meter: mode 5 telegrams decode with the key to the generators' values") {
    for (const auto mode : {wmbus_mode::t1, wmbus_mode::c1}) {
        CAPTURE(name_of(mode));
        wmbus_meter m(water(mode, true), test::at_seconds(0));
        for (int n = 0; n < 5; ++n) {
            const auto due = m.next_due();
            const auto elapsed = std::chrono::duration<double>(due - time_point{}).count();
            const auto t = m.transmit({due, wall_time{}});
            REQUIRE(t);
            CHECK(t->at == due);
            CHECK(t->frame.c == wmbus::c_field::snd_nr);
            CHECK(t->frame.manufacturer == app::manufacturer_code("KAM").value());
            CHECK(t->frame.id == 0x12345678);
            CHECK(t->frame.device_type == 0x07);
            CHECK(t->access_number == n);
            const auto records = decoded_records(*t, format_of(mode), bytes_view(key));
            REQUIRE(records.size() == 2);
            CHECK(records[0].vib->vif == 0x13); // volume, litres
            CHECK(int_of(records[0]) == static_cast<std::int64_t>(std::floor((100 + elapsed) * 1000)));
            CHECK(records[1].vib->vif == 0x5B); // flow temperature, C
            CHECK(int_of(records[1]) == 12);
            CHECK(t->rssi_dbm >= -73);
            CHECK(t->rssi_dbm <= -67);
            // Without the key the receiver cannot open it.
            CHECK(wmbus::decode(t->frame).error() == wmbus::errc::key_missing);
            CHECK(wmbus::decode(t->frame, bytes_view(bytes(16, 0x55))).error() ==
                  wmbus::errc::decryption_failed);
        }
    }
}

TEST_CASE("wmbus meter: format A for T1 and S1, format B for C1, clear when no key") {
    CHECK(format_of(wmbus_mode::t1) == wmbus::frame_format::a);
    CHECK(format_of(wmbus_mode::s1) == wmbus::frame_format::a);
    CHECK(format_of(wmbus_mode::c1) == wmbus::frame_format::b);
    wmbus_meter m(water(wmbus_mode::s1, false), test::at_seconds(0));
    const auto t = m.transmit({m.next_due(), wall_time{}}).value();
    CHECK(t.air.size() == t.plain.size() + 2 * 2); // 24 bytes: the first block and one of 14, two CRCs
    CHECK(decoded_records(t, wmbus::frame_format::a, std::nullopt).size() == 2);
}

TEST_CASE("wmbus meter: the access number counts up per transmission and wraps at 256") {
    auto c = water(wmbus_mode::t1, false);
    c.access_number = 254;
    wmbus_meter m(c, test::at_seconds(0));
    std::vector<int> seen;
    for (int i = 0; i < 4; ++i)
        seen.push_back(m.transmit({m.next_due(), wall_time{}}).value().access_number);
    CHECK(seen == std::vector<int>{254, 255, 0, 1});
}

TEST_CASE("wmbus meter: intervals lie within the bounds, the same for the same seed") {
    const auto start = test::at_seconds(100);
    wmbus_meter a(water(wmbus_mode::t1, false), start);
    wmbus_meter b(water(wmbus_mode::t1, false), start);
    auto other = water(wmbus_mode::t1, false);
    other.seed = 43;
    wmbus_meter c(other, start);
    std::set<long long> distinct;
    bool differs = false;
    auto prev = start.mono;
    for (int n = 0; n < 200; ++n) {
        const auto gap = std::chrono::duration<double>(a.next_due() - prev).count();
        CHECK(gap >= 8.0);
        CHECK(gap <= 16.0);
        distinct.insert(std::llround(gap * 10));
        CHECK(a.next_due() == b.next_due());
        differs = differs || a.next_due() != c.next_due();
        prev = a.next_due();
        const auto ta = a.transmit({a.next_due(), wall_time{}}).value();
        const auto tb = b.transmit({b.next_due(), wall_time{}}).value();
        CHECK(ta.rssi_dbm == tb.rssi_dbm);
        CHECK(ta.air == tb.air);
        (void)c.transmit({c.next_due(), wall_time{}});
    }
    CHECK(differs);
    CHECK(distinct.size() > 20); // jitter, not a fixed gap

    auto fixed = water(wmbus_mode::t1, false);
    fixed.interval_min_s = fixed.interval_max_s = 120;
    wmbus_meter f(fixed, start);
    CHECK(f.next_due() - start.mono == std::chrono::seconds{120});
    (void)f.transmit({f.next_due(), wall_time{}});
    CHECK(f.next_due() - start.mono == std::chrono::seconds{240});
}

TEST_CASE("wmbus meter: mode 7 telegrams verify their MAC, decode, and count the message counter up") {
    auto c = water(wmbus_mode::c1, true);
    c.mode7 = true;
    c.message_counter = 0xFFFFFFFE; // wraps like the access number
    wmbus_meter m(c, test::at_seconds(0));
    std::vector<std::uint32_t> counters;
    for (int n = 0; n < 3; ++n) {
        const auto t = m.transmit({m.next_due(), wall_time{}}).value();
        counters.push_back(t.message_counter);
        const auto tg = wmbus::decode(wmbus::decode(t.air, wmbus::frame_format::b).value(), bytes_view(key));
        REQUIRE(tg);
        CHECK(tg->security.mode == 7);
        CHECK(tg->security.mac_verified);
        REQUIRE(tg->afl);
        CHECK(tg->afl->counter == t.message_counter);
        REQUIRE(tg->ell);
        CHECK(tg->ell->access_number == t.access_number);
        const auto& vd = std::get<app::variable_data>(*tg->user_data);
        CHECK(int_of(vd.records.at(3)) == 12); // 2F 2F, volume, then the flow temperature
        CHECK(wmbus::decode(t.frame, bytes_view(bytes(16, 0x55))).error() == wmbus::errc::mac_mismatch);
    }
    CHECK(counters == std::vector<std::uint32_t>{0xFFFFFFFE, 0xFFFFFFFF, 0});
}

TEST_CASE("wmbus meter: SND_IR for the first install_telegrams, then SND_NR, ACC_NR every Nth") {
    auto c = water(wmbus_mode::t1, true);
    c.install_telegrams = 2;
    c.access_demand_every = 3;
    c.mode7 = true;
    c.message_counter = 10;
    wmbus_meter m(c, test::at_seconds(0));
    std::vector<std::string> kinds;
    std::vector<int> access;
    std::vector<std::uint32_t> counters;
    for (int n = 0; n < 7; ++n) {
        const auto due = m.next_due();
        const auto t = m.transmit({due, wall_time{}});
        REQUIRE(t);
        kinds.push_back(wmbus::c_field_name(t->frame.c));
        access.push_back(t->access_number);
        counters.push_back(t->message_counter);
        const auto tg = wmbus::decode(wmbus::decode(t->air, wmbus::frame_format::a).value(), bytes_view(key));
        REQUIRE(tg);
        const auto& vd = std::get<app::variable_data>(*tg->user_data);
        CHECK(vd.header.access_number == t->access_number);
        if (t->frame.c == wmbus::c_field::acc_nr) {
            CHECK(t->plain.size() == 15); // L C M A (10) and CI ACC ST CFG (5)
            CHECK(vd.records.empty());
            CHECK(!tg->afl);
        } else {
            CHECK(tg->security.mode == 7);
            CHECK(tg->security.mac_verified);
            std::vector<app::record> records;
            for (const auto& r : vd.records)
                if (r.dib.dif != 0x2F) records.push_back(r);
            REQUIRE(records.size() == 2);
            const auto elapsed = std::chrono::duration<double>(due - time_point{}).count();
            CHECK(int_of(records[0]) == static_cast<std::int64_t>(std::floor((100 + elapsed) * 1000)));
        }
    }
    // Installation first; ACC_NR on transmissions 3 and 6 (counted from 1), whose access numbers
    // count on; the message counter skips them (no AFL).
    CHECK(kinds ==
          std::vector<std::string>{"SND_IR", "SND_IR", "ACC_NR", "SND_NR", "SND_NR", "ACC_NR", "SND_NR"});
    CHECK(access == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
    CHECK(counters == std::vector<std::uint32_t>{10, 11, 0, 12, 13, 0, 14});
}
