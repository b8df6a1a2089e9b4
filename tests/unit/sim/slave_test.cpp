#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/secondary_address.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/slave.hpp>

#include "sim_support.hpp"

using namespace mbus;
using namespace mbus::sim;
using namespace mbus::sim::test;

namespace {

const bytes e5{0xE5};

// The water meter's RSP_UD with access number 00.
const bytes water_rsp{
    0x68, 0x15, 0x15, 0x68, // start, L = 21, L, start
    0x08, 0x05, 0x72,       // C = RSP_UD, A = 5, CI = variable data, long header
    0x78, 0x56, 0x34, 0x12, // ID 12345678, LSB first
    0x2D, 0x2C,             // manufacturer KAM
    0x01, 0x07,             // version, medium water
    0x00, 0x00, 0x00, 0x00, // access number, status, signature
    0x0C, 0x13,             // DIF 8-digit BCD, VIF volume in litres
    0x78, 0x56, 0x34, 0x12, // 12345678
    0x27, 0x16,             // CS, stop
};

bytes select_frame_data(std::uint32_t id, std::uint16_t man = 0xFFFF, byte version = 0xFF,
                        byte medium = 0xFF) {
    return app::encode_select(app::ci::select, {{id, man, version, medium}, std::nullopt});
}

} // namespace

TEST_CASE("slave answers SND_NKE with E5 at its address only") {
    slave s{water_meter()};
    const auto r = s.on_frame(snd_nke(5), {});
    CHECK(r.wire == e5);
    CHECK(s.on_frame(snd_nke(6), {}).wire.empty());
    CHECK(s.on_frame(snd_nke(6), {}).note.empty()); // not for it at all
}

TEST_CASE("slave answers REQ_UD2 with its RSP_UD at the right address") {
    slave s{water_meter()};
    CHECK(s.on_frame(req_ud2(5, true), {}).wire == water_rsp);
    CHECK(s.on_frame(req_ud2(4, true), {}).silent());
    CHECK(s.on_frame(req_ud2(251, true), {}).silent());
}

TEST_CASE("slave treats primary address 0 as an ordinary address") {
    auto m = water_meter();
    m.primary_address = 0;
    slave s{m};
    const auto r = s.on_frame(req_ud2(0, true), {});
    REQUIRE(r.wire.size() == water_rsp.size());
    CHECK(r.wire[a_at] == 0x00);
    CHECK(s.on_frame(req_ud2(5, true), {}).silent());
}

TEST_CASE("slave ignores frames that are not requests") {
    slave s{water_meter()};
    CHECK(s.on_frame(link::frame::ack(), {}).silent());
    CHECK(s.on_frame(link::frame::short_frame(0x08, 5), {}).silent()); // a slave's C field (PRM clear)
    CHECK(s.on_frame(link::frame::short_frame(0x49, 5), {}).silent()); // unknown function
    CHECK(s.on_frame(link::frame::long_frame(0x5B, 5, 0x72, {0x00}), {}).silent()); // REQ_UD2 as a long frame
}

TEST_CASE("slave repeats the same reply byte for byte once the master toggles the FCB") {
    slave s{water_meter()};
    const auto first = s.on_frame(req_ud2(5, true), at_seconds(0));
    const auto second = s.on_frame(req_ud2(5, false), at_seconds(1)); // toggled: new
    const auto again = s.on_frame(req_ud2(5, false), at_seconds(60)); // same FCB: repetition
    CHECK(first.wire == water_rsp);
    REQUIRE(second.wire.size() == water_rsp.size());
    CHECK(second.wire[access_at] == 0x01);
    CHECK(again.wire == second.wire); // same access number too
    const auto next = s.on_frame(req_ud2(5, true), at_seconds(61));
    REQUIRE(next.wire.size() == water_rsp.size());
    CHECK(next.wire[access_at] == 0x02); // a new reply counts the access number on
}

TEST_CASE("slave gives a master that never toggles fresh data on every poll") {
    // libmbus request-data sends 10 5B A on every run and never SND_NKE: each poll is new.
    slave s{water_meter()};
    for (std::uint8_t i = 0; i < 3; ++i) {
        const auto r = s.on_frame(req_ud2(5, false), at_seconds(i));
        REQUIRE(r.wire.size() == water_rsp.size());
        CHECK(r.wire[access_at] == i);
    }
}

TEST_CASE("slave ends a repetition at a write so a new address answers with new bytes") {
    slave s{water_meter()};
    CHECK(s.on_frame(req_ud2(5, true), {}).wire.size() == water_rsp.size());
    const auto two = s.on_frame(req_ud2(5, false), {}); // toggled: repetition now possible
    // SND_UD to 5: CI 51, DIF 01 VIF 7A, new address 9
    CHECK(s.on_frame(link::frame::long_frame(0x53, 5, 0x51, {0x01, 0x7A, 0x09}), {}).wire == e5);
    const auto at9 = s.on_frame(req_ud2(9, false), {}); // same FCB as the last REQ_UD2
    REQUIRE(at9.wire.size() == two.wire.size());
    CHECK(at9.wire[5] == 0x09); // A field: the new address, not a stale reply
    CHECK(at9.wire[access_at] == 0x02);
}

TEST_CASE("slave moves to the next telegram on a toggled FCB and wraps after the last") {
    slave s{two_page_meter()};
    CHECK(s.on_frame(snd_nke(5), {}).wire == e5);
    const auto t1 = s.on_frame(req_ud2(5, true), {});
    const auto t2 = s.on_frame(req_ud2(5, false), {});
    const auto t3 = s.on_frame(req_ud2(5, true), {});
    // Page 1: the volume record, then DIF 1F (more follow).
    REQUIRE(t1.wire.size() == 28);
    CHECK(bytes(t1.wire.begin() + 19, t1.wire.end() - 2) == bytes{0x0C, 0x13, 0x78, 0x56, 0x34, 0x12, 0x1F});
    CHECK(t1.wire[access_at] == 0x00);
    // Page 2: the energy record and nothing after it.
    REQUIRE(t2.wire.size() == 27);
    CHECK(bytes(t2.wire.begin() + 19, t2.wire.end() - 2) == bytes{0x04, 0x06, 0x01, 0x00, 0x00, 0x00});
    CHECK(t2.wire[access_at] == 0x01);
    // Page 2 did not end in 1F: back to page 1.
    REQUIRE(t3.wire.size() == 28);
    CHECK(last_data_byte(t3.wire) == 0x1F);
    CHECK(t3.wire[access_at] == 0x02);
}

TEST_CASE("slave repeats a page of a multi telegram readout on the same FCB") {
    slave s{two_page_meter()};
    const auto t1 = s.on_frame(req_ud2(5, true), {});
    const auto t2 = s.on_frame(req_ud2(5, false), {});
    CHECK(s.on_frame(req_ud2(5, false), {}).wire == t2.wire);
    CHECK(t1.wire != t2.wire);
}

TEST_CASE("slave gives a master that never toggles the first telegram every time") {
    slave s{two_page_meter()};
    for (std::uint8_t i = 0; i < 3; ++i) {
        const auto r = s.on_frame(req_ud2(5, false), at_seconds(i)); // 5B every time: page 1, new
        CHECK(last_data_byte(r.wire) == 0x1F);
        CHECK(r.wire[access_at] == i);
    }
}

TEST_CASE("slave answers FCV 0 with the current first telegram") {
    slave s{two_page_meter()};
    const link::frame fcv0 = link::frame::short_frame(0x4B, 5); // REQ_UD2 with FCV=0
    const auto a = s.on_frame(fcv0, {});
    const auto b = s.on_frame(fcv0, {});
    REQUIRE(a.wire.size() == 28);
    REQUIRE(b.wire.size() == 28);
    CHECK(a.wire[access_at] == 0x00);
    CHECK(b.wire[access_at] == 0x01); // encoded anew, not repeated
    CHECK(last_data_byte(b.wire) == 0x1F);
}

TEST_CASE("slave counts the access number per new reply and wraps at 255") {
    auto m = water_meter();
    m.access_number.initial = 254;
    slave s{m};
    CHECK(s.on_frame(req_ud2(5, true), {}).wire[access_at] == 254);
    CHECK(s.on_frame(req_ud2(5, false), {}).wire[access_at] == 255);
    CHECK(s.on_frame(req_ud2(5, true), {}).wire[access_at] == 0);
}

TEST_CASE("slave keeps a fixed access number when configured so") {
    auto m = water_meter();
    m.access_number = {0x42, true};
    slave s{m};
    CHECK(s.on_frame(req_ud2(5, true), {}).wire[access_at] == 0x42);
    CHECK(s.on_frame(req_ud2(5, false), {}).wire[access_at] == 0x42);
}

TEST_CASE("slave link state is reset by SND_NKE") {
    slave s{two_page_meter()};
    const auto t1 = s.on_frame(req_ud2(5, true), {});
    CHECK(s.on_frame(snd_nke(5), {}).wire == e5);
    // Without the reset this 7B would be a repetition; after it, page 1 again, newly encoded.
    const auto again = s.on_frame(req_ud2(5, true), {});
    REQUIRE(again.wire.size() == t1.wire.size());
    CHECK(last_data_byte(again.wire) == 0x1F);
    CHECK(again.wire[access_at] == t1.wire[access_at] + 1);
    // And from page 2 a reset goes back to page 1.
    CHECK(last_data_byte(s.on_frame(req_ud2(5, false), {}).wire) != 0x1F);
    CHECK(s.on_frame(snd_nke(5), {}).wire == e5);
    CHECK(last_data_byte(s.on_frame(req_ud2(5, false), {}).wire) == 0x1F);
}

TEST_CASE("slave with FCB ignored encodes every reply anew") {
    auto m = two_page_meter();
    m.options.fcb = fcb_mode::ignore;
    slave s{m};
    const auto a = s.on_frame(req_ud2(5, true), {});
    const auto b = s.on_frame(req_ud2(5, true), {});
    const auto c = s.on_frame(req_ud2(5, false), {});
    CHECK(a.wire[access_at] == 0);
    CHECK(b.wire[access_at] == 1);
    CHECK(last_data_byte(c.wire) == 0x1F); // never past the first telegram
}

TEST_CASE("slave is selected by CI 52 with a full address") {
    slave s{water_meter()};
    CHECK(s.on_frame(req_ud2(0xFD, true), {}).silent());
    const auto sel = s.on_frame(snd_ud(0xFD, 0x52, {0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x07}), {});
    CHECK(sel.wire == e5);
    CHECK(s.selected());
    CHECK(s.on_frame(req_ud2(0xFD, true), {}).wire == water_rsp); // A in the reply is its primary address
}

TEST_CASE("slave is selected by CI 56 with every field MSB first") {
    slave s{water_meter()};
    const auto sel = s.on_frame(snd_ud(0xFD, 0x56, {0x12, 0x34, 0x56, 0x78, 0x2C, 0x2D, 0x01, 0x07}), {});
    CHECK(sel.wire == e5);
    CHECK(s.selected());
}

TEST_CASE("slave matches wildcard masks") {
    slave s{water_meter()};
    CHECK(s.on_frame(snd_ud(0xFD, 0x52, select_frame_data(0x1FFFFFFF)), {}).wire == e5);
    CHECK(s.on_frame(snd_ud(0xFD, 0x52, select_frame_data(0xFFFFFFFF, 0x2C2D, 0x01, 0x07)), {}).wire == e5);
    CHECK(s.on_frame(snd_ud(0xFD, 0x52, select_frame_data(0x12345678, 0x2C2D)), {}).wire == e5);
    CHECK(s.on_frame(snd_ud(0xFD, 0x52, select_frame_data(0x2FFFFFFF)), {}).silent());
    CHECK_FALSE(s.selected());
}

TEST_CASE("slave nibble wildcards outside the ID follow the wildcard option") {
    const auto mask = select_frame_data(0xFFFFFFFF, 0x2CFF, 0xFF, 0x0F);
    slave standard{water_meter()};
    CHECK(standard.on_frame(snd_ud(0xFD, 0x52, mask), {}).silent());
    auto m = water_meter();
    m.options.wildcards = app::wildcard_style::nibbles_everywhere;
    slave lenient{m};
    CHECK(lenient.on_frame(snd_ud(0xFD, 0x52, mask), {}).wire == e5);
}

TEST_CASE("slave is deselected by a select that does not match") {
    slave s{water_meter()};
    CHECK(s.on_frame(snd_ud(0xFD, 0x52, select_frame_data(0x12345678)), {}).wire == e5);
    const auto other = s.on_frame(snd_ud(0xFD, 0x52, select_frame_data(0x87654321)), {});
    CHECK(other.silent());
    CHECK_FALSE(other.note.empty());
    CHECK_FALSE(s.selected());
    CHECK(s.on_frame(req_ud2(0xFD, true), {}).silent());
}

TEST_CASE("slave is deselected by SND_NKE to FD") {
    slave s{water_meter()};
    CHECK(s.on_frame(snd_nke(0xFD), {}).silent()); // not selected: FD is not its address
    CHECK(s.on_frame(snd_ud(0xFD, 0x52, select_frame_data(0x12345678)), {}).wire == e5);
    CHECK(s.on_frame(snd_nke(0xFD), {}).wire == e5);
    CHECK_FALSE(s.selected());
    CHECK(s.on_frame(req_ud2(0xFD, true), {}).silent());
    CHECK(s.on_frame(req_ud2(5, true), {}).wire == water_rsp); // still there at its primary address
}

TEST_CASE("slave takes enhanced selection with a fabrication number") {
    auto m = water_meter();
    m.fabrication_number = 0x00001234;
    slave s{m};
    auto good = select_frame_data(0x12345678);
    good.insert(good.end(), {0x0C, 0x78, 0x34, 0x12, 0x00, 0x00}); // DIF BCD8, VIF fabrication no., 00001234
    auto bad = select_frame_data(0x12345678);
    bad.insert(bad.end(), {0x0C, 0x78, 0x35, 0x12, 0x00, 0x00}); // 00001235
    CHECK(s.on_frame(snd_ud(0xFD, 0x52, bad), {}).silent());
    CHECK(s.on_frame(snd_ud(0xFD, 0x52, good), {}).wire == e5);
}

TEST_CASE("slave sets its primary address and then answers only there") {
    slave s{water_meter()};
    const auto r = s.on_frame(snd_ud(5, 0x51, {0x01, 0x7A, 0x09}), {}); // DIF int8, VIF bus address, 9
    CHECK(r.wire == e5);
    CHECK(r.address_after == byte{9});
    CHECK(s.on_frame(req_ud2(5, true), {}).silent());
    const auto rsp = s.on_frame(req_ud2(9, true), {});
    REQUIRE(rsp.wire.size() == water_rsp.size());
    CHECK(rsp.wire[a_at] == 0x09);
}

TEST_CASE("slave refuses a primary address above 250") {
    auto m = water_meter();
    m.options.refuse = refusal::silent;
    slave s{m};
    CHECK(s.on_frame(snd_ud(5, 0x51, {0x01, 0x7A, 0xFD}), {}).silent());
    CHECK(s.address() == 5);
}

TEST_CASE("slave sets its identification and is then selected by the new one") {
    auto m = water_meter();
    m.records.push_back({raw_record{raw(0x0C, 0x06, {0x00, 0x00, 0x00, 0x00})}, true}); // writable kWh
    slave s{m};
    // libmbus's manual_frame6: at FE, new ID 12345678 (0C 79) and energy 00000107 kWh (0C 06).
    const auto wire = from_hex("68 0F 0F 68 53 FE 51 0C 79 78 56 34 12 0C 06 07 01 00 00 55 16").value();
    const auto f = link::decode(wire);
    REQUIRE(f);
    CHECK(s.on_frame(f->value, {}).wire == e5);

    auto m2 = water_meter();
    m2.identity.id = 0x11111111;
    m2.records = m.records;
    slave t{m2};
    CHECK(t.on_frame(f->value, {}).wire == e5);
    CHECK(t.on_frame(snd_ud(0xFD, 0x52, select_frame_data(0x11111111)), {}).silent());
    CHECK(t.on_frame(snd_ud(0xFD, 0x52, select_frame_data(0x12345678)), {}).wire == e5);
    const auto rsp = t.on_frame(req_ud2(0xFD, true), {});
    REQUIRE(rsp.wire.size() == 33);
    CHECK(bytes(rsp.wire.begin() + 7, rsp.wire.begin() + 11) == bytes{0x78, 0x56, 0x34, 0x12}); // new ID
    CHECK(bytes(rsp.wire.begin() + 25, rsp.wire.end() - 2) == bytes{0x0C, 0x06, 0x07, 0x01, 0x00, 0x00});
}

TEST_CASE("slave sets its whole secondary address with DIF 07 VIF 79") {
    slave s{water_meter()};
    // libmbus's manual_frame5: ID 01020304, manufacturer 4024, version 01, medium 04.
    const auto f = link::decode(from_hex("68 0D 0D 68 53 FE 51 07 79 04 03 02 01 24 40 01 04 95 16").value());
    REQUIRE(f);
    CHECK(s.on_frame(f->value, {}).wire == e5);
    const auto rsp = s.on_frame(req_ud2(5, true), {});
    CHECK(bytes(rsp.wire.begin() + 7, rsp.wire.begin() + 15) ==
          bytes{0x04, 0x03, 0x02, 0x01, 0x24, 0x40, 0x01, 0x04});
}

TEST_CASE("slave applies none of a SND_UD with one record it cannot write") {
    slave s{water_meter()};
    // New address 9, then a write to the volume record, which is not writable.
    CHECK(s.on_frame(snd_ud(5, 0x51, {0x01, 0x7A, 0x09, 0x0C, 0x13, 0, 0, 0, 0}), {}).wire == e5);
    CHECK(s.address() == 5);
    CHECK(s.on_frame(req_ud2(5, true), {}).wire == water_rsp);
}

TEST_CASE("slave refuses a malformed SND_UD as its option says") {
    const bytes truncated{0x0C, 0x13, 0x01}; // BCD8 record with one byte of four

    SUBCASE("silent") {
        auto m = water_meter();
        m.options.refuse = refusal::silent;
        slave s{m};
        CHECK(s.on_frame(snd_ud(5, 0x51, truncated), {}).silent());
        CHECK(s.on_frame(req_ud2(5, true), {}).wire == water_rsp);
    }
    SUBCASE("E5") {
        slave s{water_meter()};
        CHECK(s.on_frame(snd_ud(5, 0x51, truncated), {}).wire == e5);
        CHECK(s.on_frame(req_ud2(5, true), {}).wire == water_rsp);
    }
    SUBCASE("E5 then an application error") {
        auto m = water_meter();
        m.options.refuse = refusal::ack_then_app_error;
        slave s{m};
        CHECK(s.on_frame(snd_ud(5, 0x51, truncated), {}).wire == e5);
        const bytes app_error{
            0x68, 0x04, 0x04, 0x68, // control frame with one data byte
            0x08, 0x05, 0x70,       // RSP_UD, A = 5, CI application error
            0x04,                   // premature end of record
            0x81, 0x16,             // CS, stop
        };
        CHECK(s.on_frame(req_ud2(5, true), {}).wire == app_error);
        CHECK(s.on_frame(req_ud2(5, false), {}).wire.size() == water_rsp.size()); // then the data again
    }
    SUBCASE("unknown CI") {
        auto m = water_meter();
        m.options.refuse = refusal::ack_then_app_error;
        slave s{m};
        CHECK(s.on_frame(snd_ud(5, 0xB1), {}).wire == e5);
        const auto err = s.on_frame(req_ud2(5, true), {});
        REQUIRE(err.wire.size() == 10);
        CHECK(err.wire[6] == 0x70);
        CHECK(err.wire[7] == 0x01); // unimplemented CI
    }
}

TEST_CASE("slave acknowledges an application reset") {
    slave s{water_meter()};
    CHECK(s.on_frame(snd_ud(5, 0x50), {}).wire == e5);
    CHECK(s.on_frame(snd_ud(5, 0x50, {0x10}), {}).wire == e5); // with a subcode
}

TEST_CASE("slave switches baud rate after its E5") {
    slave s{water_meter()};
    const auto r = s.on_frame(snd_ud(5, 0xBD), {}); // CI BD: 9600
    CHECK(r.wire == e5);
    CHECK(r.baud_after == 9600u);
    CHECK(s.baud() == 9600);
}

TEST_CASE("slave answers REQ_UD1 with E5 without an alarm") {
    slave s{water_meter()};
    CHECK(s.on_frame(req_ud1(5, true), {}).wire == e5);
    CHECK(s.on_frame(req_ud2(5, true), {}).wire[c_at] == 0x08);
}

TEST_CASE("slave delivers its alarm on REQ_UD1 and flags it with ACD") {
    auto m = water_meter();
    m.alarm_pending = true;
    m.alarm =
        recorded_user_data{0x72, {0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x07, 0x00, 0x10, 0x00, 0x00}};
    slave s{m};
    CHECK(s.on_frame(req_ud2(5, true), {}).wire[c_at] == 0x28); // ACD: class 1 data waiting
    const auto alarm = s.on_frame(req_ud1(5, false), {});
    const bytes expected{
        0x68, 0x0F, 0x0F, 0x68,                         // L = 15
        0x08, 0x05, 0x72,                               // RSP_UD (no more alarm waiting), A = 5, CI 72
        0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x07, // the recorded header
        0x00, 0x10, 0x00, 0x00,                         // access number, status 10, signature
        0x04, 0x16,                                     // CS, stop
    };
    CHECK(alarm.wire == expected);
    CHECK_FALSE(s.alarm_pending());
    CHECK(s.on_frame(req_ud2(5, true), {}).wire[c_at] == 0x08);
    CHECK(s.on_frame(req_ud1(5, false), {}).wire == e5);
}

TEST_CASE("slave broadcast FE answers and FF acts in silence") {
    slave s{water_meter()};
    CHECK(s.on_frame(req_ud2(0xFE, true), {}).wire == water_rsp);
    const auto ff = s.on_frame(snd_ud(0xFF, 0x51, {0x01, 0x7A, 0x07}), {});
    CHECK(ff.silent());
    CHECK(ff.address_after == byte{7});
    CHECK(s.address() == 7);
    CHECK(s.on_frame(snd_nke(0xFF), {}).silent());
}

TEST_CASE("slave write rule answers the next REQ_UD2 with the given telegram") {
    auto m = two_page_meter();
    write_rule readout_page2;
    readout_page2.ci = 0x51;
    readout_page2.data = {0x08, 0x06}; // selection for readout: energy
    readout_page2.reply = std::size_t{1};
    write_rule manufacturer;
    manufacturer.ci = 0xB1;
    manufacturer.reply = recorded_frame{{0x68, 0x03, 0x03, 0x68, 0x08, 0x05, 0xB2, 0xBF, 0x16}};
    m.write_rules = {readout_page2, manufacturer};
    slave s{m};

    CHECK(s.on_frame(snd_ud(5, 0x51, {0x08, 0x06}), {}).wire == e5);
    const auto page2 = s.on_frame(req_ud2(5, true), {});
    CHECK(bytes(page2.wire.begin() + 19, page2.wire.end() - 2) == bytes{0x04, 0x06, 0x01, 0x00, 0x00, 0x00});

    CHECK(s.on_frame(snd_ud(5, 0xB1), {}).wire == e5);
    CHECK(s.on_frame(req_ud2(5, false), {}).wire ==
          bytes{0x68, 0x03, 0x03, 0x68, 0x08, 0x05, 0xB2, 0xBF, 0x16});
    CHECK(last_data_byte(s.on_frame(req_ud2(5, true), {}).wire) == 0x1F); // back to the readout
}

TEST_CASE("slave replays recorded frames as they are") {
    auto m = water_meter();
    const bytes broken{0x68, 0x03, 0x03, 0x68, 0x08, 0x05, 0x72, 0x00, 0x16}; // wrong checksum on purpose
    m.recorded = {recorded_frame{broken}};
    slave s{m};
    CHECK(s.on_frame(req_ud2(5, true), {}).wire == broken);
    CHECK(s.on_frame(req_ud2(5, false), {}).wire == broken);
}

TEST_CASE("slave splits a long readout so that no frame exceeds L 255") {
    auto m = water_meter();
    m.records.clear();
    for (int i = 0; i < 45; ++i) // 6 bytes each: 270 bytes of records
        m.records.push_back({raw_record{raw(0x04, 0x06, {static_cast<byte>(i), 0, 0, 0})}, false});
    slave s{m};
    const auto t1 = s.on_frame(req_ud2(5, true), {});
    const auto t2 = s.on_frame(req_ud2(5, false), {});
    REQUIRE(t1.wire.size() > 9);
    CHECK(t1.wire[1] == 3 + 12 + 39 * 6 + 1); // as many records as fit with the 1F
    CHECK(last_data_byte(t1.wire) == 0x1F);
    CHECK(t2.wire[1] == 3 + 12 + 6 * 6);
    CHECK(t2.wire[t2.wire.size() - 6] == 44); // the last record's first data byte
    const auto f = link::decode(t1.wire);
    REQUIRE(f);
    CHECK(app::decode(f->value.ci, f->value.data));
}

TEST_CASE("slave survives random requests and keeps serving") {
    auto m = two_page_meter();
    m.options.refuse = refusal::ack_then_app_error;
    m.records.push_back({raw_record{raw(0x0C, 0x06, {0, 0, 0, 0})}, true});
    slave s{m};
    std::uint64_t x = 0x243F6A8885A308D3ULL; // xorshift: the same requests on every run
    const auto next = [&] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return static_cast<byte>(x);
    };
    const byte cs[] = {0x40, 0x53, 0x73, 0x5B, 0x7B, 0x5A, 0x7A, 0x4B, 0x08, 0xFF};
    const byte cis[] = {0x50, 0x51, 0x52, 0x56, 0x72, 0xB1, 0xBB, 0x00};
    for (int i = 0; i < 5000; ++i) {
        const byte c = cs[next() % sizeof cs];
        const byte a = static_cast<byte>(next() % 4 == 0 ? 0xFD + next() % 3 : 5);
        bytes data(next() % 24);
        for (auto& b : data)
            b = next();
        const auto f = next() % 2 == 0 ? link::frame::short_frame(c, a)
                                       : link::frame::long_frame(c, a, cis[next() % sizeof cis], data);
        CHECK_NOTHROW((void)s.on_frame(f, at_seconds(i)));
        CHECK(s.address() <= 250);
    }
    // Whatever happened, a reset and a request at its (possibly new) address gets its data.
    CHECK(s.on_frame(snd_ud(0xFE, 0x50), {}).wire == e5);
    CHECK(s.on_frame(snd_nke(s.address()), {}).wire == e5);
    const auto r = s.on_frame(req_ud2(s.address(), true), {});
    const auto f = link::decode(r.wire);
    REQUIRE(f);
    CHECK(f->value.ci == 0x72);
}
