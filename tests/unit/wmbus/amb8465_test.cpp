#include <doctest/doctest.h>

#include <mbus/wmbus/amb8465.hpp>
#include <mbus/wmbus/receiver_errc.hpp>

#include <string_view>

using namespace mbus;
using namespace mbus::wmbus;

namespace {
bytes hex(std::string_view s) { return from_hex(s).value(); }

bytes ask(amb8465::device& d, std::string_view request_hex) {
    amb8465::parser p;
    const auto events = p.put(hex(request_hex));
    REQUIRE(events.size() == 1);
    REQUIRE(std::holds_alternative<amb8465::command>(events[0]));
    const auto answer = d.on_request(std::get<amb8465::command>(events[0]));
    REQUIRE_MESSAGE(answer.has_value(), answer.error().message());
    return amb8465::encode(*answer).value();
}

const bytes telegram = hex("0D 44 2D 2C 78 56 34 12 1B 16 7A 01 00 00");
} // namespace

// wmbusmeters asserts these checksums of the requests it builds: FF 0A 02 00 80 -> 77, FF 11 00 -> EE.
TEST_CASE("AMB8465 checksum is the XOR of every byte before it") {
    CHECK(amb8465::encode({amb8465::cmd::get_req, {0x00, 0x80}}).value() == hex("FF 0A 02 00 80 77"));
    CHECK(amb8465::encode({amb8465::cmd::factoryreset_req, {}}).value() == hex("FF 11 00 EE"));
}

// The answer a real AMB8465 gave to wmbusmeters' detect request, quoted in wmbusmeters'
// src/wmbus_amb8465.cc (detectAMB8465AMB3665): 0x78 parameter bytes although 0x80 were asked.
TEST_CASE("AMB8465 answers CMD_GET_REQ for the whole memory as the real stick") {
    amb8465::device d;
    CHECK(
        ask(d, "FF 0A 02 00 80 77") ==
        hex("FF8A7A00780080710200000000FFFFFA00FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003200021400FFFFFFFFFF01000400"
            "0000FFFFFF01440000000000000000FFFF0B040100FFFFFFFFFF00030000FFFFFFFFFFFFFF0000FFFFFFFFFFFFFFFFFF"
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF17"));
    // A part of it: 2 bytes from position 49 (C field 44, first id byte 00).
    CHECK(ask(d, "FF 0A 02 31 02 C4") == hex("FF 8A 04 31 02 44 00 06"));
}

TEST_CASE("AMB8465 set mode, serial number, set parameters") {
    amb8465::device d(amb8465::factory_memory(), 0x01020304);
    // wmbusmeters' deviceSetLinkModes for t1: CMD_SET_MODE_REQ T2-Other (08).
    CHECK(ask(d, "FF 04 01 08 F2") == hex("FF 84 01 00 7A"));
    CHECK(d.receive_mode() == amb8465::mode::t2_other);
    // getDeviceUniqueId: CMD_SERIALNO_REQ, 4 bytes MSB first.
    CHECK(ask(d, "FF 0B 00 F4") == hex("FF 8B 04 01 02 03 04 74"));
    // CMD_SET_REQ: RSSI enable (69 = 0x45) := 1.
    CHECK(ask(d, "FF 09 03 45 01 01 B0") == hex("FF 89 01 00 77"));
    CHECK(d.parameters()[amb8465::param::rssi_enable] == 1);
    // Reset: back to the preselected mode (03 in the factory memory).
    CHECK(ask(d, "FF 05 00 FA") == hex("FF 85 01 00 7B"));
    CHECK(d.receive_mode() == 0x03);
}

TEST_CASE("AMB8465 telegrams: transparent or CMD_DATA_IND, RSSI byte as enabled") {
    amb8465::device d;
    // Factory: transparent, no RSSI: the telegram as it came off the air (CRCs removed).
    CHECK(d.indication(telegram, -60).value() == telegram);

    ask(d, "FF 09 03 45 01 01 B0"); // RSSI on
    auto with_rssi = telegram;
    with_rssi.push_back(0x1C); // -60 dBm: 0x1C / 2 - 74 = -60
    CHECK(d.indication(telegram, -60).value() == with_rssi);

    ask(d, "FF 09 03 05 01 01 F0"); // UART_CMD_Out_Enable on
    // FF, CMD_DATA_IND, length 14 (13 telegram bytes after L, RSSI), data, RSSI -100 dBm = -52 = CC, XOR.
    const auto ind = d.indication(telegram, -100).value();
    const bytes head = hex("FF 03 0E 44 2D 2C 78 56 34 12 1B 16 7A 01 00 00 CC");
    REQUIRE(ind.size() == head.size() + 1);
    CHECK(bytes(ind.begin(), ind.end() - 1) == head);
    CHECK(ind.back() == amb8465::xor_checksum(head));
}

TEST_CASE("AMB8465 parser: junk, checksum errors, split at every offset") {
    const bytes stream = hex("01 02 FF 0B 00 F5 FF 0B 00 F4");
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        amb8465::parser p;
        auto events = p.put(bytes_view(stream).first(cut));
        const auto more = p.put(bytes_view(stream).subspan(cut));
        events.insert(events.end(), more.begin(), more.end());
        CAPTURE(cut);
        std::size_t skipped = 0, bad = 0;
        std::vector<amb8465::command> commands;
        for (const auto& e : events) {
            if (const auto* c = std::get_if<amb8465::command>(&e))
                commands.push_back(*c);
            else {
                const auto& j = std::get<amb8465::junk>(e);
                if (j.error == receiver_errc::bad_checksum) ++bad;
                skipped += j.raw.size();
            }
        }
        CHECK(bad == 1);
        CHECK(skipped == 6); // 01 02, then the bad FF and its 0B 00 F5 as junk
        REQUIRE(commands.size() == 1);
        CHECK(commands[0] == amb8465::command{amb8465::cmd::serialno_req, {}});
    }
}

TEST_CASE("AMB8465 rejects what it cannot answer") {
    amb8465::device d;
    CHECK(d.on_request({0x42, {}}).error() == receiver_errc::unknown_request);
    CHECK(d.on_request({amb8465::cmd::get_req, {0x00}}).error() == receiver_errc::bad_parameters);
    CHECK(d.on_request({amb8465::cmd::set_req, {0x77, 0x02, 0x00, 0x00}}).error() ==
          receiver_errc::bad_parameters);
    CHECK(d.indication(hex("05 44"), -60).error() == receiver_errc::telegram_length);
}

TEST_CASE("AMB8465 hears a meter only in a collector mode that receives the meter's mode") {
    amb8465::device d(amb8465::factory_memory(), 0x01020304);
    // Factory: S2, which hears S1 meters only.
    CHECK(d.hears(air_mode::s1));
    CHECK_FALSE(d.hears(air_mode::t1));
    CHECK_FALSE(d.hears(air_mode::c1));
    // The requests wmbusmeters sends for t1, c1 and c1,t1 (CMD_SET_MODE_REQ 08, 0E, 09).
    ask(d, "FF 04 01 08 F2");
    CHECK(d.hears(air_mode::t1));
    CHECK_FALSE(d.hears(air_mode::c1));
    ask(d, "FF 04 01 0E F4");
    CHECK(d.hears(air_mode::c1));
    CHECK_FALSE(d.hears(air_mode::t1));
    ask(d, "FF 04 01 09 F3");
    CHECK(d.hears(air_mode::c1));
    CHECK(d.hears(air_mode::t1));
    CHECK_FALSE(d.hears(air_mode::s1));
    // A meter-side mode (T1-meter, 05) sends only.
    ask(d, "FF 04 01 05 FF");
    CHECK_FALSE(d.hears(air_mode::t1));

    CHECK(amb8465::mode_hearing({air_mode::t1}) == amb8465::mode::t2_other);
    CHECK(amb8465::mode_hearing({air_mode::c1, air_mode::c1}) == amb8465::mode::c2_other);
    CHECK(amb8465::mode_hearing({air_mode::c1, air_mode::t1}) == amb8465::mode::c2_t2_other);
    CHECK(amb8465::mode_hearing({air_mode::s1}) == amb8465::mode::s2);
    CHECK_FALSE(amb8465::mode_hearing({air_mode::s1, air_mode::t1}));
}
