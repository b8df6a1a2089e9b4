// The emulated wM-Bus receivers as a reader meets them: mbus-sim receiver on a real pty, a client that
// opens it as wmbusmeters does (raw, 8N1, at the stick's rate: src/serial.cc), sends the requests
// wmbusmeters sends at detection and start-up (src/wmbus_im871a.cc, src/wmbus_amb8465.cc) and checks
// every answer byte for byte, then receives a telegram pushed with its RSSI.

#include "support.hpp"
#include "wmbus_client.hpp"

#include <mbus/wmbus/amb8465.hpp>
#include <mbus/wmbus/im871a.hpp>

#include <chrono>
#include <cstring>
#include <optional>
#include <regex>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

using namespace mbus;
using namespace mbus::test;
using namespace std::chrono_literals;

namespace {

bytes hex(std::string_view s) { return from_hex(s).value(); }

// OMS Specification Vol. 2, Annex N.2.1 (a format A frame with its block CRCs, as reproduced in
// lvogt/wireless-mbus-parser (MIT), test/legacy.spec.ts at c0d417f); the sticks deliver it without them.
const std::string oms_hex =
    "2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6DEFC955B2"
    "9D6D69EBF3EC8A";
const bytes oms_plain = hex("2E449315785634123303"
                            "7A2A0020255923C95AAA26D1B2E7493B013EC4A6F6D3529B520EDFF0EA6DEFC99D6D69EBF3");

using client = wmbus_pty_client;

// The frame with its CRC, for answers whose CRC the captures do not give.
bytes with_hci_crc(bytes f) {
    const auto crc = wmbus::im871a::crc16_hci(bytes_view(f).subspan(1));
    f.push_back(static_cast<byte>(crc & 0xFF));
    f.push_back(static_cast<byte>(crc >> 8));
    return f;
}
bytes with_xor(bytes f) {
    f.push_back(wmbus::amb8465::xor_checksum(f));
    return f;
}

} // namespace

TEST_CASE("iM871A on a pty: wmbusmeters' detection and start-up answered as the stick, a telegram pushed") {
    auto sim = start_sim({"receiver", "im871a", "--every", "1.5", "--rssi", "-60", "--id", "0x00102863",
                          "--telegram", oms_hex});
    {
        // detectIM871AIM170A: device info, then configuration, then the tty is closed.
        client c(sim.ready.pty(), B57600);
        c.send(hex("A5 01 0F 00"));
        // CRC flag + device management, GET_DEVICEINFO_RSP, 8 bytes: iM871A (33), other (00), firmware 15,
        // HCI 17, id 00102863 LSB first.
        CHECK(c.hci_answer() == with_hci_crc(hex("A5 81 10 08 33 00 15 17 63 28 10 00")));
        c.send(hex("A5 01 05 00"));
        // Link mode T1 (03): the stick listens in the mode the telegrams are sent in (--mode, T1).
        CHECK(c.hci_answer() ==
              with_hci_crc(
                  hex("A5 81 06 16 FF 00 03 44 B3 25 63 28 10 00 01 00 01 FF 07 00 32 00 00 00 01 00")));
    }
    client c(sim.ready.pty(), B57600);
    // The reader proper, in the order wmbusmeters 3.0 sent them to this emulation (--verbose, by hand):
    // the device id (getConfig), the firmware version (device info), link mode T1 with RSSI on and the
    // timestamp off (deviceSetLinkModes). Then a ping and the configuration again, to see it kept.
    c.send(hex("A5 01 05 00"));
    CHECK(c.hci_answer().at(2) == wmbus::im871a::devmgmt::get_config_rsp);
    c.send(hex("A5 01 0F 00"));
    CHECK(c.hci_answer().at(2) == wmbus::im871a::devmgmt::get_deviceinfo_rsp);
    c.send(hex("A5 01 03 06 00 02 03 30 01 00"));
    CHECK(c.hci_answer() == hex("A5 81 04 00 9C F7")); // as a real stick (wmbusmeters issue #72)
    c.send(hex("A5 01 01 00"));
    CHECK(c.hci_answer() == hex("A5 81 02 00 4C A3")); // as a real stick (wmbusmeters issue #72)
    c.send(hex("A5 01 05 00"));
    const auto config = c.hci_answer();
    REQUIRE(config.size() == 4 + 22 + 2);
    CHECK(config[4 + 2] == wmbus::im871a::link_mode::t1);
    CHECK(config[4 + 18] == 0x01); // auto RSSI attachment
    CHECK(config[4 + 19] == 0x00); // no timestamp

    // The telegram: CRC|RSSI|radiolink, WMBUSMSG_IND, the telegram without L and its CRCs, RSSI.
    if (c.indications.empty()) c.indications.push_back(c.hci_frame(10000ms));
    bytes want = hex("A5 C2 03");
    want.push_back(static_cast<byte>(oms_plain.size() - 1));
    want.insert(want.end(), oms_plain.begin() + 1, oms_plain.end());
    want.push_back(125); // -60 dBm on wmbusmeters' scale: 45 + 2 * 40
    CHECK(c.indications.front() == with_hci_crc(want));
    stop_sim(sim);
}

TEST_CASE("AMB8465 on a pty: wmbusmeters' detection and start-up answered as the stick, a telegram pushed") {
    auto sim = start_sim({"receiver", "amb8465", "--every", "1.5", "--rssi", "-60", "--id", "0x01020304",
                          "--telegram", oms_hex});
    // The parameter memory a real AMB8465 returned (quoted in wmbusmeters' detectAMB8465AMB3665).
    const bytes real_memory =
        hex("FF8A7A00780080710200000000FFFFFA00FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003200021400FFFFFFFFFF01000400"
            "0000FFFFFF01440000000000000000FFFF0B040100FFFFFFFFFF00030000FFFFFFFFFFFFFF0000FFFFFFFFFFFFFFFFFF"
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF17");
    {
        client c(sim.ready.pty(), B9600);
        c.send(hex("FF 0A 02 00 80 77")); // detect: CMD_GET_REQ, all of the parameter memory
        CHECK(c.read_exactly(real_memory.size()) == real_memory);
    }
    client c(sim.ready.pty(), B9600);
    c.send(hex("FF 0A 02 00 80 77")); // getConfiguration
    CHECK(c.read_exactly(real_memory.size()) == real_memory);
    c.send(hex("FF 04 01 08 F2")); // deviceSetLinkModes t1: CMD_SET_MODE_REQ T2-Other
    CHECK(c.read_exactly(5) == hex("FF 84 01 00 7A"));
    c.send(hex("FF 0B 00 F4")); // getDeviceUniqueId: CMD_SERIALNO_REQ
    CHECK(c.read_exactly(8) == with_xor(hex("FF 8B 04 01 02 03 04")));
    // Transparent mode, RSSI off (the real stick's memory): the telegram as it came off the air.
    CHECK(c.read_exactly(oms_plain.size(), 10000ms) == oms_plain);
    // RSSI on (CMD_SET_REQ at 69) and command mode (at 5): CMD_DATA_IND with the RSSI byte last.
    c.send(hex("FF 09 03 45 01 01 B0"));
    CHECK(c.read_exactly(5) == hex("FF 89 01 00 77"));
    c.send(hex("FF 09 03 05 01 01 F0"));
    CHECK(c.read_exactly(5) == hex("FF 89 01 00 77"));
    bytes want = hex("FF 03");
    want.push_back(static_cast<byte>(oms_plain.size())); // the data after L, and the RSSI
    want.insert(want.end(), oms_plain.begin() + 1, oms_plain.end());
    want.push_back(0x1C); // -60 dBm: 0x1C / 2 - 74
    want = with_xor(want);
    CHECK(c.read_exactly(want.size(), 10000ms) == want);
    stop_sim(sim);
}

TEST_CASE("rtl_wmbus lines on stdout in the form wmbusmeters reads") {
    sim_process p({"receiver", "rtlwmbus", "--count", "2", "--every", "0.05", "--rssi", "-71", "--mode", "C1",
                   "--telegram", oms_hex});
    REQUIRE_MESSAGE(p.started(), p.spawn_error());
    REQUIRE(p.wait_exit(20s) == 0);
    p.finish_output();
    const std::regex line(
        R"(C1;1;1;\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3};-71;0;12345678;0x2e4493157856341233037a2a0020)"
        R"(255923c95aaa26d1b2e7493b013ec4a6f6d3529b520edff0ea6defc99d6d69ebf3\n)");
    const auto out = p.out();
    CHECK_MESSAGE(std::regex_match(out, std::regex("(" + std::string(R"(C1;[^\n]*\n)") + "){2}")), out);
    CHECK_MESSAGE(std::regex_search(out, line), out);
}
