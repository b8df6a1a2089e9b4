#include <doctest/doctest.h>

#include <mbus/crypto/aes.hpp>
#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>
#include <mbus/sim/han_meter.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

using namespace mbus;
using namespace std::chrono_literals;

namespace {

sim::han_meter_config kaifa(double watts) {
    sim::han_meter_config c;
    c.name = "kaifa";
    c.identity = {sim::han_make::kaifa, sim::han_variant::no, 3, "6970631401753985", "MA304H3E", "KFM_001"};
    c.power = sim::constant{watts};
    c.voltage = sim::constant{230};
    c.power_factor = 0.95;
    return c;
}

// 2026-12-06 13:59:00 UTC, a Sunday.
const wall_time start_wall = std::chrono::sys_days{std::chrono::year{2026} / 12 / 6} + 13h + 59min;
const time_point start_mono{1000s};

sim::sim_now at(std::chrono::seconds after) { return {start_mono + after, start_wall + after}; }

// What a reader makes of a push: frames split, checked and reassembled, the APDU decoded (opened with
// `k` when ciphered), the objects named.
han::object_list read(const bytes& wire, const han::keys& k = {}) {
    han::hdlc_splitter split;
    han::hdlc_reassembler join;
    std::optional<bytes> info;
    for (const auto& ev : split.feed(wire)) {
        const auto* good = std::get_if<han::hdlc_good_frame>(&ev);
        REQUIRE(good);
        info = join.push(good->frame);
    }
    REQUIRE(info);
    const auto apdu = han::strip_llc(*info);
    REQUIRE(apdu);
    const auto a = han::decode_apdu(*apdu, k);
    REQUIRE(a);
    const auto l = han::objects_of(a->notification.body);
    REQUIRE(l);
    return *l;
}

double value(const han::object_list& l, const char* code) {
    const auto* o = l.find(*han::obis::parse(code));
    REQUIRE(o);
    return *o->value.as_number();
}

} // namespace

TEST_CASE("han_meter pushes Kaifa's lists on the even seconds: list 2 at :x0, list 3 at hh:00:10") {
    sim::han_meter m(kaifa(1500), {start_mono + 300ms, start_wall + 300ms});
    CHECK(m.next_due() == start_mono + 2s);
    const auto first = m.poll(at(1s));
    REQUIRE(first);
    CHECK(first->empty());

    const auto pushes = m.poll(at(80s)); // 13:59:02 .. 14:00:20
    REQUIRE(pushes);
    REQUIRE(pushes->size() == 40);
    std::vector<int> lists;
    for (const auto& p : *pushes)
        lists.push_back(p.list);
    // 13:59:02 .. 13:59:08 list 1, 13:59:10 list 2, ...
    CHECK(lists[0] == 1);
    CHECK(lists[3] == 1);
    CHECK(lists[4] == 2);
    CHECK((*pushes)[4].at == start_mono + 10s);
    // 14:00:00 list 2, 14:00:10 list 3, 14:00:20 list 2.
    CHECK(lists[29] == 2);
    CHECK(lists[34] == 3);
    CHECK(lists[39] == 2);
    CHECK(std::count(lists.begin(), lists.end(), 3) == 1);
    CHECK(std::count(lists.begin(), lists.end(), 2) == 7);
    CHECK(m.next_due() == start_mono + 82s);

    // Each push decodes as a reader decodes it, with the meter clock in the APDU.
    const auto l1 = read((*pushes)[0].wire);
    CHECK(l1.objects.size() == 1);
    CHECK(value(l1, "1.0.1.7.0.255") == 1500);
    const auto l2 = read((*pushes)[4].wire);
    REQUIRE(l2.objects.size() == 13);
    CHECK(l2.list_identifier() == "KFM_001");
    // P = 3 U I cos phi: 1500 W over 3 phases at 230 V and 0.95 is 2.288 A a phase.
    CHECK(value(l2, "1.0.31.7.0.255") == 2288);
    CHECK(value(l2, "1.0.72.7.0.255") == 2300);
    CHECK(value(l2, "1.0.3.7.0.255") == std::round(1500 * std::tan(std::acos(0.95))));
    const auto wire = (*pushes)[34].wire;
    const auto frame = han::decode_hdlc(wire);
    REQUIRE(frame);
    const auto n = han::decode_notification(*han::strip_llc(frame->information));
    REQUIRE(n);
    CHECK(n->time()->iso() == "2026-12-06T14:00:10");
    CHECK(n->time()->day_of_week == 7);
}

TEST_CASE("han_meter's registers integrate the power; the hourly list carries them at the hour") {
    auto c = kaifa(3600); // 3600 W: 1 Wh a second, 2 Wh a slot
    c.import_wh = 1000;
    sim::han_meter m(c, {start_mono, start_wall});
    const auto pushes = m.poll(at(70s)); // to 14:00:10
    REQUIRE(pushes);
    const auto& last = pushes->back();
    REQUIRE(last.list == 3);
    const auto l3 = read(last.wire);
    REQUIRE(l3.objects.size() == 18);
    // 60 s from 13:59:00 to 14:00:00 at 1 Wh/s; the list, sent at 14:00:10, has the 14:00 value.
    CHECK(value(l3, "1.0.1.8.0.255") == 1060);
    CHECK(value(l3, "1.0.2.8.0.255") == 0);
    CHECK(value(l3, "1.0.3.8.0.255") == std::floor(60 * 3600 * std::tan(std::acos(0.95)) / 3600));
    CHECK(l3.find(*han::obis::parse("0.0.1.0.0.255"))->text() == "2026-12-06T14:00:10");
    CHECK(m.registers().import_wh == doctest::Approx(1070));

    // Export: negative power counts on the export registers.
    auto e = kaifa(-1800);
    sim::han_meter x(e, {start_mono, start_wall});
    REQUIRE(x.poll(at(3600s)));
    CHECK(x.registers().export_wh == doctest::Approx(1800));
    CHECK(x.registers().import_wh == 0);
}

TEST_CASE("han_meter pushes general-glo-ciphering that opens with the key, one frame counter a push") {
    auto c = kaifa(1500);
    const bytes key = *from_hex("000102030405060708090A0B0C0D0E0F");
    const bytes auth = *from_hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF");
    c.cipher = sim::han_cipher{key, auth, *from_hex("4B464D1020304050")};
    c.frame_counter = 7;
    sim::han_meter m(c, {start_mono, start_wall});
    const auto pushes = m.poll(at(10s));
    REQUIRE(pushes);
    REQUIRE(pushes->size() == 5);
    for (std::uint32_t i = 0; i < 5; ++i) {
        const auto frame = han::decode_hdlc((*pushes)[i].wire);
        REQUIRE(frame);
        const auto g = han::decode_glo_ciphered(*han::strip_llc(frame->information));
        REQUIRE(g);
        CHECK(g->frame_counter == 7 + i);
        CHECK(g->security_control == 0x30);
        // No key: the reader is told so.
        CHECK(han::decode_apdu(*han::strip_llc(frame->information)).error() == han::errc::ciphered);
    }
    const auto l2 = read((*pushes)[4].wire, {key, auth});
    CHECK(value(l2, "1.0.1.7.0.255") == 1500);
    // A wrong authentication key fails the tag.
    const auto frame = han::decode_hdlc((*pushes)[4].wire);
    CHECK_FALSE(han::decode_apdu(*han::strip_llc(frame->information), {key, key}));
    CHECK(m.frame_counter() == 12);
}

TEST_CASE("han_meter skips pushes more than an hour late but keeps counting energy") {
    sim::han_meter m(kaifa(3600), {start_mono, start_wall});
    const auto pushes = m.poll(at(7200s));
    REQUIRE(pushes);
    CHECK(pushes->size() <= 1801);
    CHECK(m.registers().import_wh == doctest::Approx(7200));
}

namespace {

sim::han_meter_config of_make(sim::han_make m, unsigned phases, double watts) {
    auto c = kaifa(watts);
    c.name = sim::name_of(m);
    c.identity.make = m;
    c.identity.phases = phases;
    c.identity.list_version = han::default_list_version(m);
    c.identity.id = m == sim::han_make::aidon ? "7359992890941742" : "5706567000000000";
    c.identity.type = m == sim::han_make::aidon ? "6525" : "6841131BN243101040";
    c.voltage = sim::constant{231};
    return c;
}

} // namespace

TEST_CASE("han_meter pushes Aidon's lists: list 1 every 2.5 s, list 2 every 10 s, list 3 at hh:00:00") {
    auto c = of_make(sim::han_make::aidon, 3, 2310);
    c.import_wh = 5000;
    sim::han_meter m(c, {start_mono, start_wall}); // 13:59:00
    CHECK(m.next_due() == start_mono + 2500ms);
    const auto pushes = m.poll(at(70s)); // to 14:00:10
    REQUIRE(pushes);
    REQUIRE(pushes->size() == 28);
    std::map<int, int> count;
    for (const auto& p : *pushes)
        ++count[p.list];
    CHECK(count[1] == 21); // 28 slots less the 7 at :x0
    CHECK(count[2] == 6);  // 13:59:10 .. 13:59:50, 14:00:10
    CHECK(count[3] == 1);
    const auto& hourly = (*pushes)[23]; // 13:59:00 + 24 x 2.5 s = 14:00:00
    REQUIRE(hourly.list == 3);
    CHECK(hourly.at == start_mono + 60s);

    // Aidon sends no APDU date-time; the body clock reads hh:00:00 with deviation 0.
    const auto frame = han::decode_hdlc(hourly.wire);
    REQUIRE(frame);
    CHECK(frame->source == bytes{0x08, 0x83});
    const auto n = han::decode_notification(*han::strip_llc(frame->information));
    REQUIRE(n);
    CHECK(n->encoding == han::datetime_encoding::absent);
    const auto l3 = read(hourly.wire);
    REQUIRE(l3.objects.size() == 18);
    CHECK(l3.make() == "Aidon");
    CHECK(l3.find(*han::obis::parse("0.0.1.0.0.255"))->text() == "2026-12-06T14:00:00+00:00");
    // Sunday is day 0 in Aidon's clock (amsreader_aidon_no_list3_gh1119_1).
    CHECK(l3.find(*han::obis::parse("0.0.1.0.0.255"))->value.octets_value()->at(4) == 0);
    // 2310 W for 60 s: 38.5 Wh over 5000 Wh; registers in 10 Wh: 5030 Wh.
    CHECK(l3.find(*han::obis::parse("1.0.1.8.0.255"))->number() == doctest::Approx(5030));
    CHECK(l3.find(*han::obis::parse("1.0.1.8.0.255"))->scaling == han::scaler_unit{1, 30});
    // P = 3 U I cos phi: 2310 W at 231 V and 0.95 is 3.509 A a phase, sent as 35 x 0.1 A.
    CHECK(l3.find(*han::obis::parse("1.0.51.7.0.255"))->number() == doctest::Approx(3.5));
    CHECK(l3.find(*han::obis::parse("1.0.72.7.0.255"))->number() == doctest::Approx(231));
    CHECK(l3.find(*han::obis::parse("1.0.1.7.0.255"))->number() == 2310);

    const auto l1 = read((*pushes)[0].wire);
    REQUIRE(l1.objects.size() == 1);
    CHECK(l1.objects[0].number() == 2310);
    CHECK(l1.objects[0].scaling == han::scaler_unit{0, 27});
}

TEST_CASE("han_meter pushes Kamstrup's lists: list 1 every 10 s, list 2 at hh:00:05, 10 Wh in Norway") {
    auto c = of_make(sim::han_make::kamstrup, 1, 3600);
    c.import_wh = 100000;
    sim::han_meter m(c, {start_mono + 1s, start_wall + 1s}); // 13:59:01
    CHECK(m.next_due() == start_mono + 5s);                  // a slot without a list first
    const auto pushes = m.poll(at(75s));                     // to 14:00:15
    REQUIRE(pushes);
    std::vector<int> lists;
    for (const auto& p : *pushes)
        lists.push_back(p.list);
    // 13:59:10 .. 14:00:10 list 1 (7), 14:00:05 list 2.
    CHECK(lists == std::vector<int>{1, 1, 1, 1, 1, 1, 2, 1});
    CHECK((*pushes)[6].at == start_mono + 65s);

    const auto l2 = read((*pushes)[6].wire);
    REQUIRE(l2.objects.size() == 18);
    CHECK(l2.make() == "Kamstrup");
    CHECK(l2.list_identifier() == "Kamstrup_V0001");
    // 1 phase: L2 and L3 are null pairs; I = P / (U cos phi) = 16.40 A in 0.01 A.
    CHECK(value(l2, "1.1.31.7.0.255") == std::round(3600 / (231 * 0.95) * 100));
    CHECK(l2.objects[8].source == han::code_source::absent);
    CHECK(value(l2, "1.1.32.7.0.255") == 231);
    // 3600 W for 59 s to 14:00:00: 59 Wh; in 10 Wh: 10005.
    CHECK(value(l2, "1.1.1.8.0.255") == 10005);
    const auto frame = han::decode_hdlc((*pushes)[6].wire);
    REQUIRE(frame);
    const auto n = han::decode_notification(*han::strip_llc(frame->information));
    REQUIRE(n);
    CHECK(n->encoding == han::datetime_encoding::octet_string);
    CHECK(n->time()->iso() == "2026-12-06T14:00:05");
    CHECK(l2.find(*han::obis::parse("0.1.1.0.0.255"))->text() == "2026-12-06T14:00:05");
    CHECK(n->invoke_id_and_priority == 0);

    // Sweden: Wh.
    c.identity.variant = sim::han_variant::se;
    sim::han_meter se(c, {start_mono + 1s, start_wall + 1s});
    const auto s = se.poll(at(75s));
    REQUIRE(s);
    CHECK(value(read((*s)[6].wire), "1.1.1.8.0.255") == 100059);
}

TEST_CASE("han_meter: Sweden's Aidon and Denmark's Kamstrup push one full list every 10 s, registers now") {
    auto a = of_make(sim::han_make::aidon, 3, 3000);
    a.identity.variant = sim::han_variant::se;
    a.import_wh = 100000;
    sim::han_meter se(a, {start_mono + 1s, start_wall + 1s}); // 13:59:01
    const auto s = se.poll(at(31s));                          // to 13:59:31
    REQUIRE(s);
    REQUIRE(s->size() == 3); // 13:59:10, :20, :30
    for (const auto& p : *s)
        CHECK(p.list == 1);
    const auto l = read(s->back().wire);
    REQUIRE(l.objects.size() == 27);
    // Each phase a third of the power; 3000 W for 29 s since the start: 24.17 Wh, whole Wh.
    CHECK(l.find(*han::obis::parse("1.0.41.7.0.255"))->number() == 1000);
    CHECK(l.find(*han::obis::parse("1.0.1.8.0.255"))->number() == 100024);
    CHECK(l.objects[0].text() == "2026-12-06T13:59:30");

    auto k = of_make(sim::han_make::kamstrup, 1, 2000);
    k.identity.variant = sim::han_variant::dk;
    k.identity.id = "34374909";
    k.import_wh = 50000;
    sim::han_meter dk(k, {start_mono + 1s, start_wall + 1s});
    const auto d = dk.poll(at(75s)); // 13:59:10 .. 14:00:10, no hourly list
    REQUIRE(d);
    REQUIRE(d->size() == 7);
    for (const auto& p : *d)
        CHECK(p.list == 3);
    const auto p1 = read(d->back().wire);
    REQUIRE(p1.objects.size() == 19); // 1 phase: L2 and L3 left out
    CHECK(value(p1, "1.1.0.0.1.255") == 34374909);
    CHECK(value(p1, "1.1.13.7.0.255") == 95);
    // 2000 W for 69 s: 38.3 Wh, on L1 alone as on the total.
    CHECK(value(p1, "1.1.1.8.0.255") == 50038);
    CHECK(value(p1, "1.1.21.8.0.255") == 50038);
    CHECK(value(p1, "1.1.21.7.0.255") == 2000);
}
