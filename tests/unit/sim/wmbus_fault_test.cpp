// Radio faults (sim/wmbus_fault.hpp): what each does to a simulated meter's bytes, checked with the
// project's frame and telegram decoders (CRC blocks as EN 13757-4 numbers them, the OMS Annex N.2.1
// frame as the known layout), the trigger rules shared with the wired and HAN faults, and the air's
// physics (time on air, capture).

#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/sim/wmbus_fault.hpp>
#include <mbus/wmbus/errc.hpp>
#include <mbus/wmbus/telegram.hpp>

#include "sim_support.hpp"

#include <fmt/format.h>

#include <algorithm>

using namespace mbus;
using namespace mbus::sim;

namespace {

const bytes key = from_hex("000102030405060708090A0B0C0D0E0F").value();

// OMS Annex N.2.1 (see tests/unit/wmbus/frame_test.cpp): L 2E, format A, four blocks (10, 16, 16, 5).
const bytes oms_n21 = from_hex("2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D352"
                               "9B520EDFF0EA6DEFC955B29D6D69EBF3EC8A")
                          .value();

wmbus_meter_config radio_meter(std::string name, bool mode7) {
    wmbus_meter_config c;
    c.name = std::move(name);
    c.manufacturer = app::manufacturer_code("KAM").value();
    c.id = 0x12345678;
    c.device_type = 0x07;
    c.mode = wmbus_mode::t1;
    c.interval_min_s = c.interval_max_s = 10;
    c.key = key;
    c.mode7 = mode7;
    spec_record volume{
        test::spec(app::quantity::volume, app::unit::m3, -3, app::data_coding::int32, std::int64_t{123456}),
        std::nullopt, 0};
    c.records.emplace_back().content = volume;
    return c;
}

wmbus_fault_spec spec(std::string name, wmbus_fault_action a, std::uint64_t every = 0) {
    wmbus_fault_spec f;
    f.name = std::move(name);
    f.action = std::move(a);
    f.trigger.every = every;
    return f;
}

} // namespace

TEST_CASE("wm_crc: the flipped bit makes the chosen block's CRC fail and no other") {
    CHECK(crc_offsets(oms_n21, wmbus::frame_format::a) == std::vector<std::size_t>{10, 28, 46, 53});
    for (std::size_t block = 1; block <= 5; ++block) {
        const auto [air, k] = with_crc_error(oms_n21, wmbus::frame_format::a, block);
        CHECK(k == std::min<std::size_t>(block, 4));
        const auto fault = wmbus::first_crc_fault(air, wmbus::frame_format::a);
        REQUIRE(fault);
        CHECK(fault->block == k);
        CHECK(wmbus::decode(air, wmbus::frame_format::a).error() == wmbus::errc::crc_mismatch);
        // One bit, nothing else.
        std::size_t differ = 0;
        for (std::size_t i = 0; i < air.size(); ++i)
            differ += air[i] != oms_n21[i] ? 1U : 0U;
        CHECK(differ == 1);
    }
    // Format B: blocks 1 and 2 under one CRC at the end of a short frame.
    const auto b =
        wmbus::add_crcs(wmbus::strip_crcs(oms_n21, wmbus::frame_format::a).value(), wmbus::frame_format::b)
            .value();
    CHECK(crc_offsets(b, wmbus::frame_format::b) == std::vector<std::size_t>{b.size() - 2});
    const auto [bad_b, kb] = with_crc_error(b, wmbus::frame_format::b, 2);
    CHECK(kb == 1);
    CHECK(wmbus::first_crc_fault(bad_b, wmbus::frame_format::b).has_value());
}

TEST_CASE("wm_* faults: bytes of a transmission as each kind leaves them") {
    const auto c = radio_meter("w1", false);
    wmbus_fault_engine e({spec("c", wmbus_faults::crc{3}), spec("k", wmbus_faults::wrong_key{}),
                          spec("t", wmbus_faults::truncate{12, 0.5}), spec("m", wmbus_faults::missing{}),
                          spec("d", wmbus_faults::drift{-50'000}),
                          spec("x", wmbus_faults::collision{"w2", {}})},
                         {"w1", "w2"}, 1, time_point{});
    wmbus_meter m(c, test::at_seconds(0));
    const auto at = m.next_due();
    const auto fired = e.decide(0, at);
    CHECK(fired == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});

    // wrong key: the meter's with every bit inverted; the receiver's key fails the 2F 2F check.
    const auto wrong = wrong_key_of(e, {1}, c);
    REQUIRE(wrong);
    CHECK(to_hex(*wrong, "") == "FFFEFDFCFBFAF9F8F7F6F5F4F3F2F1F0");
    const auto t = m.transmit({at, wall_time{}}, wrong).value();
    CHECK(wmbus::decode(t.frame, bytes_view(key)).error() == wmbus::errc::decryption_failed);
    CHECK(wmbus::decode(t.frame, bytes_view(*wrong)).has_value());

    const auto out = apply_wmbus_faults(e, fired, c, t);
    CHECK(out.injected.size() == 6);
    CHECK(out.injected[0] == "access number 0 encrypted (mode 5) with the wrong key "
                             "FFFEFDFCFBFAF9F8F7F6F5F4F3F2F1F0 (fault 'k')");
    REQUIRE(out.crc_block);
    CHECK(*out.crc_block == 3);
    const auto crc_only = apply_wmbus_faults(e, {0}, c, t);
    CHECK(wmbus::first_crc_fault(crc_only.air, wmbus::frame_format::a).value().block == 3);
    CHECK(crc_only.injected == std::vector<std::string>{"access number 0: CRC error in block 3 (fault 'c')"});
    CHECK(out.plain.size() == 12); // cut after the CRC fault; L still says the whole frame
    CHECK(out.plain[0] == t.plain[0]);
    CHECK(!out.sent);
    CHECK(out.drift_ppm == -50'000);
    CHECK(out.collide_with == std::vector<std::pair<std::size_t, microseconds>>{{1, microseconds{0}}});

    // drift: a clock 5 % slow waits 10 s / 0.95 of real time.
    const auto before = m.next_due();
    m.drift_next(-50'000, at);
    CHECK(std::chrono::duration<double>(m.next_due() - at).count() ==
          doctest::Approx(std::chrono::duration<double>(before - at).count() / 0.95));
}

TEST_CASE("wm_wrong_key on a mode 7 meter fails the MAC; the CRC fault's bit is in the telegram too") {
    const auto c = radio_meter("w1", true);
    wmbus_fault_engine e(
        {spec("k", wmbus_faults::wrong_key{bytes(16, 0x11)}), spec("c", wmbus_faults::crc{})}, {"w1"}, 1,
        time_point{});
    wmbus_meter m(c, test::at_seconds(0));
    const auto fired = e.decide(0, m.next_due());
    const auto t = m.transmit({m.next_due(), wall_time{}}, wrong_key_of(e, fired, c)).value();
    CHECK(wmbus::decode(t.frame, bytes_view(key)).error() == wmbus::errc::mac_mismatch);
    const auto out = apply_wmbus_faults(e, fired, c, t);
    // A receiver that ignored CRCs would hand over the flipped bit: the plain telegram differs in one bit.
    std::size_t differ = 0;
    for (std::size_t i = 0; i < t.plain.size(); ++i)
        differ += out.plain[i] != t.plain[i] ? 1U : 0U;
    CHECK(differ == 1);
    CHECK(wmbus::strip_crcs(t.air, wmbus::frame_format::a).value() == t.plain);
}

TEST_CASE("wm_* faults fire by the shared trigger rules, per meter") {
    auto every3 = spec("e", wmbus_faults::missing{}, 3);
    every3.meter = "w2";
    auto chance = spec("p", wmbus_faults::missing{});
    chance.trigger.probability = 0.5;
    chance.trigger.seed = 7;
    wmbus_fault_engine a({every3, chance}, {"w1", "w2"}, 1, time_point{});
    wmbus_fault_engine b({every3, chance}, {"w1", "w2"}, 1, time_point{});
    std::vector<int> fired_every;
    int fired_p = 0;
    for (int n = 1; n <= 200; ++n) {
        const auto fa = a.decide(1, time_point{} + std::chrono::seconds{n});
        CHECK(fa == b.decide(1, time_point{} + std::chrono::seconds{n})); // same seed, same draws
        for (const auto i : fa) {
            if (i == 0) fired_every.push_back(n);
            if (i == 1) ++fired_p;
        }
        const auto w1 = a.decide(0, time_point{}); // w1 is not in the scope of "e"
        CHECK(std::find(w1.begin(), w1.end(), 0U) == w1.end());
        (void)b.decide(0, time_point{});
    }
    CHECK(fired_every.size() == 66);
    CHECK(fired_every.front() == 3);
    CHECK(fired_p > 70); // 200 draws at 0.5 on w2
    CHECK(fired_p < 130);
    CHECK(a.set_active("e", false));
    CHECK(!a.set_active("nope", false));
    for (int n = 0; n < 6; ++n) {
        const auto f = a.decide(1, time_point{});
        CHECK(std::find(f.begin(), f.end(), 0U) == f.end());
    }
}

TEST_CASE("wmbus air: time on air from the mode's chip rate, coding and header") {
    using us = std::chrono::microseconds;
    const auto in_us = [](duration d) { return std::chrono::duration_cast<us>(d).count(); };
    // 55 bytes (OMS N.2.1 on the air). T1: (38 + 10 + 55 * 12 + 2) chips / 100 kcps = 7.1 ms.
    CHECK(in_us(time_on_air(wmbus_mode::t1, 55)) == 7100);
    // C1: (32 + 32 + 55 * 8 + 2) bits / 100 kbps = 5.06 ms.
    CHECK(in_us(time_on_air(wmbus_mode::c1, 55)) == 5060);
    // S1: (558 + 18 + 55 * 16 + 2) chips / 32.768 kcps = 44.49 ms.
    CHECK(in_us(time_on_air(wmbus_mode::s1, 55)) == 44494);
    // The MULTICAL 303's C1 telegram (L 5E: 95 bytes, format B: one CRC, 97 on the air):
    // (16 x 2 preamble + 32 sync + 97 * 8 + 2) = 842 chips / 100 kcps = 8.42 ms.
    CHECK(in_us(time_on_air(wmbus_mode::c1, 97)) == 8420);
    // The constants' sources (EN 13757-4 as Microchip, rtl_433 and IMST give it): wmbus_fault.hpp.
}

TEST_CASE("wmbus air: overlapping telegrams are lost unless one is stronger by the capture margin") {
    const time_point t0{};
    const auto ms = [](int n) { return std::chrono::duration_cast<duration>(std::chrono::milliseconds{n}); };
    // Apart (one ends where the next begins): both heard.
    CHECK(resolve_collisions({{t0, ms(7), -60}, {t0 + ms(7), ms(7), -60}}, 6) ==
          std::vector<bool>{true, true});
    // Overlapping, equal levels: neither.
    CHECK(resolve_collisions({{t0, ms(7), -60}, {t0 + ms(3), ms(7), -60}}, 6) ==
          std::vector<bool>{false, false});
    // 10 dB apart: the stronger is captured with a 6 dB margin, not with 12.
    CHECK(resolve_collisions({{t0, ms(7), -70}, {t0 + ms(3), ms(7), -60}}, 6) ==
          std::vector<bool>{false, true});
    CHECK(resolve_collisions({{t0, ms(7), -70}, {t0 + ms(3), ms(7), -60}}, 12) ==
          std::vector<bool>{false, false});
    // A third telegram overlapping only the first.
    CHECK(resolve_collisions({{t0, ms(7), -60}, {t0 + ms(6), ms(7), -75}, {t0 + ms(20), ms(1), -90}},
                             default_capture_db) == std::vector<bool>{true, false, true});
}

TEST_CASE("wm_truncate: a cut-off reception keeps L, the bytes that arrived and the CRCs between them") {
    // Format A: L..A (10 bytes) + CRC, then 16-byte blocks each with its CRC. 12 telegram bytes are
    // 10 + CRC + 2: 14 on the air; 26 are 10 + CRC + 16 (whole block 2, its CRC not yet arrived): 28;
    // 27 are 10 + CRC + 16 + CRC + 1: 31. Format B: one CRC after byte 126 only.
    CHECK(air_bytes_for(5, wmbus::frame_format::a) == 5);
    CHECK(air_bytes_for(10, wmbus::frame_format::a) == 10);
    CHECK(air_bytes_for(12, wmbus::frame_format::a) == 14);
    CHECK(air_bytes_for(26, wmbus::frame_format::a) == 28);
    CHECK(air_bytes_for(27, wmbus::frame_format::a) == 31);
    CHECK(air_bytes_for(100, wmbus::frame_format::b) == 100);
    CHECK(air_bytes_for(127, wmbus::frame_format::b) == 129);

    const auto c = radio_meter("w1", false); // T1: format A
    wmbus_fault_engine e({spec("t", wmbus_faults::truncate{27, 0.5})}, {"w1"}, 1, time_point{});
    wmbus_meter m(c, test::at_seconds(0));
    const auto t = m.transmit(test::at_seconds(10)).value();
    const auto out = apply_wmbus_faults(e, e.decide(0, test::at_seconds(10).mono), c, t);
    REQUIRE(out.cut == 27u);
    CHECK(out.sent_bytes == t.air.size()); // on the air in full
    CHECK(out.plain == bytes(t.plain.begin(), t.plain.begin() + 27));
    CHECK(out.plain[0] == t.plain[0]); // L still says the whole telegram
    CHECK(std::size_t{out.plain[0]} + 1 == t.plain.size());
    REQUIRE(out.air.size() == 31);
    CHECK(out.air == bytes(t.air.begin(), t.air.begin() + 31));
    // What arrived fails as a frame: shorter than L says.
    CHECK_FALSE(wmbus::decode(out.air, wmbus::frame_format::a).has_value());
    CHECK(out.injected ==
          std::vector<std::string>{fmt::format(
              "access number 0: reception cut off after 27 of {} bytes (fault 't')", t.plain.size())});
}
