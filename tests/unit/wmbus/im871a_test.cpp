#include <doctest/doctest.h>

#include <mbus/wmbus/im871a.hpp>
#include <mbus/wmbus/receiver_errc.hpp>

#include <string_view>

using namespace mbus;
using namespace mbus::wmbus;

namespace {
bytes hex(std::string_view s) { return from_hex(s).value(); }

const im871a::hci_frame& frame_of(const im871a::hci_event& e) {
    REQUIRE(std::holds_alternative<im871a::hci_frame>(e));
    return std::get<im871a::hci_frame>(e);
}

// One request through the parser and the device, the answer as it goes on the wire.
bytes ask(im871a::device& d, std::string_view request_hex, std::uint32_t tick = 0) {
    im871a::hci_parser p;
    const auto events = p.put(hex(request_hex));
    REQUIRE(events.size() == 1);
    const auto answer = d.on_request(frame_of(events[0]), tick);
    REQUIRE_MESSAGE(answer.has_value(), answer.error().message());
    return im871a::encode(*answer).value();
}
} // namespace

// Catalogue check value of CRC-16/X-25 (reveng: check = 0x906E over "123456789").
TEST_CASE("iM871A HCI CRC is CRC-16/X-25") {
    constexpr std::string_view check = "123456789";
    CHECK(im871a::crc16_hci(bytes(check.begin(), check.end())) == 0x906E);
}

// Real stick answers captured in wmbusmeters issue #72 (--debug log of an iM871A-USB).
TEST_CASE("iM871A answers ping and set config byte for byte as a real stick") {
    im871a::device d;
    CHECK(ask(d, "A5 01 01 00") == hex("A5 81 02 00 4C A3")); // SOF, CRC flag|devmgmt, PING_RSP, len 0, CRC
    // wmbusmeters 1.3's set config (link mode C1a, RSSI and timestamp on), as in the same log.
    CHECK(ask(d, "A5 01 03 06 00 02 06 30 01 01") == hex("A5 81 04 00 9C F7"));
    CHECK(d.active().link_mode == im871a::link_mode::c1a);
    CHECK(d.active().auto_rssi == 1);
    CHECK(d.active().auto_rx_timestamp == 1);
}

TEST_CASE("iM871A device info: module type, mode, firmware, HCI version, id LSB first") {
    im871a::device d(im871a::device_info{0x33, 0x00, 0x15, 0x17, 0x00102863}, im871a::config{});
    const auto rsp = ask(d, "A5 01 0F 00"); // wmbusmeters' detect: DEVMGMT_MSG_GET_DEVICEINFO_REQ
    REQUIRE(rsp.size() == 4 + 8 + 2);
    CHECK(bytes(rsp.begin(), rsp.begin() + 12) == hex("A5 81 10 08 33 00 15 17 63 28 10 00"));
    const auto crc = im871a::crc16_hci(bytes_view(rsp).subspan(1, 11));
    CHECK(rsp[12] == (crc & 0xFF));
    CHECK(rsp[13] == (crc >> 8));
}

TEST_CASE("iM871A set config is remembered, get config reports it, reset restores what NVM holds") {
    im871a::config factory;
    factory.id = 0x11223344;
    im871a::device d(im871a::device_info{}, factory);
    // wmbusmeters' deviceSetLinkModes for t1: temporary, IIFlag1 = link mode, T1 (3), IIFlag2 = RSSI and
    // timestamp attachment, RSSI on, timestamp off.
    CHECK(ask(d, "A5 01 03 06 00 02 03 30 01 00") == hex("A5 81 04 00 9C F7"));
    const auto got = ask(d, "A5 01 05 00");
    // IIFlag1 FF: device mode, link mode T1, C 44, manufacturer IMS (B3 25), id 44 33 22 11, version,
    // device type, channel; IIFlag2 FF: power, rate, rx window, power saving, RSSI on, timestamp off,
    // LED, RTC.
    const bytes want_payload = hex("FF 00 03 44 B3 25 44 33 22 11 01 00 01 FF 07 00 32 00 01 00 01 00");
    REQUIRE(got.size() == 4 + want_payload.size() + 2);
    CHECK(bytes(got.begin(), got.begin() + 4) == hex("A5 81 06 16"));
    CHECK(bytes(got.begin() + 4, got.end() - 2) == want_payload);

    CHECK(ask(d, "A5 01 07 00").at(2) == im871a::devmgmt::reset_rsp);
    CHECK(d.active() == factory); // the change was temporary

    // Saved to NVM (first byte 1): survives a reset.
    ask(d, "A5 01 03 03 01 02 07");
    ask(d, "A5 01 07 00");
    CHECK(d.active().link_mode == im871a::link_mode::c1b);
}

TEST_CASE("iM871A telegram indication carries RSSI and timestamp as enabled") {
    im871a::device d;
    // A telegram L first, without CRCs: L=0x0D, C=44, M=2D2C (KAM), A, CI=7A ...
    const bytes telegram = hex("0D 44 2D 2C 78 56 34 12 1B 16 7A 01 00 00");
    auto plain = d.indication(telegram, -60, 0x1234);
    REQUIRE(plain.has_value());
    // Factory defaults attach neither.
    CHECK(im871a::encode(*plain).value().size() == 4 + 13 + 2);

    ask(d, "A5 01 03 06 00 02 03 30 01 01");
    const auto ind = d.indication(telegram, -60, 0x01020304);
    REQUIRE(ind.has_value());
    const auto wire = im871a::encode(*ind).value();
    // SOF, control E2 = CRC|RSSI|timestamp|radiolink, WMBUSMSG_IND, len 13 (the reader puts L back),
    // telegram after L, timestamp LSB first, RSSI -60 dBm -> 45 + 40*2 = 125 (0x7D), CRC.
    const bytes head = hex("A5 E2 03 0D 44 2D 2C 78 56 34 12 1B 16 7A 01 00 00 04 03 02 01 7D");
    REQUIRE(wire.size() == head.size() + 2);
    CHECK(bytes(wire.begin(), wire.end() - 2) == head);
    CHECK(d.received() == 2);

    CHECK(d.indication(hex("0E 44 2D"), -60, 0).error() == receiver_errc::telegram_length);
}

TEST_CASE("iM871A RSSI scale is the inverse of wmbusmeters' toDBM") {
    CHECK(im871a::rssi_byte(-100) == 45);
    CHECK(im871a::rssi_byte(-20) == 205);
    CHECK(im871a::rssi_byte(0) == 245);
    CHECK(im871a::rssi_byte(-130) == 0);
}

TEST_CASE("HCI parser: junk, bad CRC and frames split at every offset") {
    const bytes stream = hex("00 11 A5 01 01 00 A5 81 02 00 4C A4 A5 81 02 00 4C A3");
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        im871a::hci_parser p;
        auto events = p.put(bytes_view(stream).first(cut));
        const auto more = p.put(bytes_view(stream).subspan(cut));
        events.insert(events.end(), more.begin(), more.end());
        CAPTURE(cut);
        REQUIRE(events.size() >= 4);
        // The junk may come in pieces when the cut falls inside it; count bytes and frames instead.
        std::size_t junk = 0, bad_crc = 0;
        std::vector<im871a::hci_frame> frames;
        for (const auto& e : events) {
            if (const auto* f = std::get_if<im871a::hci_frame>(&e))
                frames.push_back(*f);
            else {
                const auto& j = std::get<im871a::hci_junk>(e);
                if (j.error == receiver_errc::bad_crc)
                    bad_crc += j.raw.size();
                else {
                    CHECK(j.error == receiver_errc::junk);
                    junk += j.raw.size();
                }
            }
        }
        CHECK(junk == 2);
        CHECK(bad_crc == 6);
        REQUIRE(frames.size() == 2);
        CHECK(frames[0] == im871a::hci_frame{0x01, 0x01, {}, std::nullopt, std::nullopt, false});
        CHECK(frames[1] == im871a::hci_frame{0x01, 0x02, {}, std::nullopt, std::nullopt, true});
        CHECK(p.pending() == 0);
    }
}

TEST_CASE("HCI parser skips an A5 with a reserved bit or an unknown endpoint") {
    im871a::hci_parser p;
    const auto events = p.put(hex("A5 11 A5 09 A5 01 01 00"));
    REQUIRE(events.size() == 5);
    CHECK(std::get<im871a::hci_junk>(events[0]).error == receiver_errc::reserved_bit);
    CHECK(std::get<im871a::hci_junk>(events[1]).error == receiver_errc::junk); // the 11
    CHECK(std::get<im871a::hci_junk>(events[2]).error == receiver_errc::unknown_endpoint);
    CHECK(std::get<im871a::hci_junk>(events[3]).error == receiver_errc::junk); // the 09
    CHECK(frame_of(events[4]).msg_id == im871a::devmgmt::ping_req);
}

TEST_CASE("iM871A: unknown requests and short set config are errors, not answers") {
    im871a::device d;
    CHECK(d.on_request(im871a::hci_frame{0x01, 0x21, {}, {}, {}, false}, 0).error() ==
          receiver_errc::unknown_request);
    CHECK(d.on_request(im871a::hci_frame{0x01, 0x03, hex("00 02"), {}, {}, false}, 0).error() ==
          receiver_errc::bad_parameters);
    CHECK(d.on_request(im871a::hci_frame{0x01, 0x03, hex("00 02 03 30 01"), {}, {}, false}, 0).error() ==
          receiver_errc::bad_parameters);
}

TEST_CASE("iM871A system status: NVM status then nine 32-bit words, RX frames counted") {
    im871a::device d;
    (void)d.indication(hex("0A 44 2D 2C 78 56 34 12 1B 16 7A"), -50, 0);
    const auto rsp = ask(d, "A5 01 11 00", 0x0000ABCD);
    REQUIRE(rsp.size() == 4 + 37 + 2);
    CHECK(bytes(rsp.begin(), rsp.begin() + 9) == hex("A5 81 12 25 00 CD AB 00 00"));
    CHECK(bytes(rsp.begin() + 4 + 1 + 20, rsp.begin() + 4 + 1 + 24) == hex("01 00 00 00")); // RX frames
}

TEST_CASE("iM871A hears a meter only in a link mode that receives the meter's mode") {
    im871a::device d;
    // Factory: S2, which hears S1 meters only.
    CHECK(d.hears(air_mode::s1));
    CHECK_FALSE(d.hears(air_mode::t1));
    CHECK_FALSE(d.hears(air_mode::c1));
    // wmbusmeters' deviceSetLinkModes for t1 (link mode 03), c1 (07: C1b) and c1,t1 (0A: C1/T1).
    ask(d, "A5 01 03 06 00 02 03 30 01 00");
    CHECK(d.hears(air_mode::t1));
    CHECK_FALSE(d.hears(air_mode::c1));
    CHECK_FALSE(d.hears(air_mode::s1));
    ask(d, "A5 01 03 06 00 02 07 30 01 00");
    CHECK(d.hears(air_mode::c1));
    CHECK_FALSE(d.hears(air_mode::t1));
    ask(d, "A5 01 03 06 00 02 0A 30 01 00");
    CHECK(d.hears(air_mode::c1));
    CHECK(d.hears(air_mode::t1));
    // Device mode "meter" (IIFlag1 bit 0, value 1): it listens for collectors, not meters.
    ask(d, "A5 01 03 03 00 01 01");
    CHECK_FALSE(d.hears(air_mode::t1));
    CHECK_FALSE(d.hears(air_mode::c1));

    CHECK(im871a::link_mode_hearing({air_mode::t1}) == im871a::link_mode::t1);
    CHECK(im871a::link_mode_hearing({air_mode::c1}) == im871a::link_mode::c1b);
    CHECK(im871a::link_mode_hearing({air_mode::t1, air_mode::c1}) == im871a::link_mode::c1_t1);
    CHECK(im871a::link_mode_hearing({air_mode::s1, air_mode::s1}) == im871a::link_mode::s2);
    CHECK_FALSE(im871a::link_mode_hearing({air_mode::c1, air_mode::s1}));
}
