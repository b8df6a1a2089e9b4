// mbus-sim run with a scenario of wireless meters: the emulated iM871A on a real pty, a reader that
// starts it as wmbusmeters does (device info, configuration, link mode T1 with RSSI), then receives
// the telegrams two meters send on their own schedules and decodes them with the meters' keys to
// the scenario's values: constants exactly, a counter that grows, an access number that counts up.
// And the text receivers: rtl_wmbus lines on stdout, rtl_wmbus and hex lines to TCP clients.

#include "support.hpp"
#include "wmbus_client.hpp"

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/telegram.hpp>
#include <mbus/app/value.hpp>
#include <mbus/wmbus/errc.hpp>
#include <mbus/wmbus/frame.hpp>
#include <mbus/wmbus/receiver_text.hpp>
#include <mbus/wmbus/telegram.hpp>

#include <fmt/format.h>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <map>
#include <sstream>
#include <thread>

using namespace mbus;
using namespace mbus::test;
using namespace std::chrono_literals;

namespace {

bytes hex(std::string_view s) { return from_hex(s).value(); }

const std::string key1 = "000102030405060708090A0B0C0D0E0F";
const std::string key2 = "F0E1D2C3B4A5968778695A4B3C2D1E0F";

std::string scenario_text(std::string_view kind) {
    return fmt::format(R"([receiver]
kind = "{}"

[[wmbus_meter]]
name = "cold"
manufacturer = "KAM"
id = "11223344"
medium = "water"
mode = "T1"
interval = [1, 1.5]
key = "{}"
rssi = -60
[[wmbus_meter.record]]
quantity = "volume"
unit = "m3"
resolution = 0.001
type = "int32"
value = {{ counter = {{ start = 100, rate = 3600, per = "h" }} }}
[[wmbus_meter.record]]
quantity = "flow_temperature"
unit = "C"
type = "int8"
value = 12

[[wmbus_meter]]
name = "heat"
manufacturer = "TST"
id = "55667788"
medium = "heat"
mode = "C1"
interval = 1.2
jitter = 0.2
key = "{}"
rssi = -80
[[wmbus_meter.record]]
quantity = "energy"
unit = "kWh"
type = "int32"
value = 4521
)",
                       kind, key1, key2);
}

struct heard {
    std::uint32_t id{0};
    int access{0};
    std::vector<app::record> records; // after the 2F 2F check bytes
};

heard open_telegram(const bytes& plain) {
    const auto f = wmbus::decode(plain, wmbus::layout::no_crc);
    REQUIRE_MESSAGE(f, to_hex(plain));
    const auto key = hex(f->id == 0x11223344 ? key1 : key2);
    const auto t = wmbus::decode(*f, bytes_view(key));
    REQUIRE_MESSAGE(t, to_hex(plain), ": ", t.error().message());
    CHECK(t->security.mode == 5);
    CHECK(t->security.decrypted);
    const auto& vd = std::get<app::variable_data>(*t->user_data);
    heard h{f->id, vd.header.access_number, {}};
    for (const auto& r : vd.records)
        if (r.dib.dif != 0x2F) h.records.push_back(r);
    return h;
}

std::int64_t int_of(const app::record& r) {
    return std::get<std::int64_t>(app::decode_value(app::coding_of(r.dib.dif), r.data).value());
}

// The telegrams of each meter, in order: values as the scenario says, access numbers counting up.
void check_meters(const std::vector<heard>& all) {
    std::map<std::uint32_t, std::vector<heard>> by;
    for (const auto& h : all)
        by[h.id].push_back(h);
    REQUIRE(by.size() == 2);
    const auto& cold = by.at(0x11223344);
    const auto& heat = by.at(0x55667788);
    REQUIRE(cold.size() >= 2);
    REQUIRE(heat.size() >= 2);
    for (std::size_t i = 0; i < cold.size(); ++i) {
        REQUIRE(cold[i].records.size() == 2);
        CHECK(cold[i].records[0].vib->vif == 0x13);
        const auto litres = int_of(cold[i].records[0]);
        CHECK(litres >= 100'000); // 100 m3 and 1 m3 a second since the start
        CHECK(litres < 100'000 + 120'000);
        CHECK(int_of(cold[i].records[1]) == 12);
        if (i > 0) {
            CHECK(litres > int_of(cold[i - 1].records[0]) + 900); // at least 1 s later
            CHECK(cold[i].access == (cold[i - 1].access + 1) % 256);
        }
    }
    for (std::size_t i = 0; i < heat.size(); ++i) {
        REQUIRE(heat[i].records.size() == 1);
        CHECK(heat[i].records[0].vib->vif == 0x06); // kWh
        CHECK(int_of(heat[i].records[0]) == 4521);
        if (i > 0) CHECK(heat[i].access == (heat[i - 1].access + 1) % 256);
    }
}

} // namespace

TEST_CASE("mbus-sim run: wireless meters pushed through the emulated iM871A, decoded with their keys") {
    const temp_scenario sc("wmbus-im871a", scenario_text("im871a"));
    auto sim = start_sim({"run", sc.path().string()});
    CHECK(sim.ready.get("receiver") == "im871a");
    CHECK(sim.ready.get("meters") == "2");
    wmbus_pty_client c(sim.ready.pty(), B57600);
    // wmbusmeters' start-up for `:c1,t1`: device info, configuration, link mode C1/T1 (0A) with RSSI
    // on (receiver test). The stick starts in C1/T1 already (the scenario has both), as get config says.
    c.send(hex("A5 01 0F 00"));
    CHECK(c.hci_answer().at(2) == wmbus::im871a::devmgmt::get_deviceinfo_rsp);
    c.send(hex("A5 01 05 00"));
    const auto config = c.hci_answer();
    CHECK(config.at(2) == wmbus::im871a::devmgmt::get_config_rsp);
    CHECK(config.at(4 + 2) == wmbus::im871a::link_mode::c1_t1);
    c.send(hex("A5 01 03 06 00 02 0A 30 01 00"));
    CHECK(c.hci_answer() == hex("A5 81 04 00 9C F7"));

    std::vector<heard> all;
    std::map<std::uint32_t, std::vector<int>> rssi;
    const auto until = std::chrono::steady_clock::now() + 6s;
    while (std::chrono::steady_clock::now() < until) {
        bytes f;
        if (!c.indications.empty()) {
            f = c.indications.front();
            c.indications.erase(c.indications.begin());
        } else {
            f = c.hci_frame(5000ms);
        }
        // CRC|RSSI|radiolink, WMBUSMSG_IND, length, the telegram after L, the RSSI byte, the CRC.
        REQUIRE(f.size() > 7);
        CHECK(f[1] == 0xC2);
        CHECK(f[2] == wmbus::im871a::radiolink::wmbusmsg_ind);
        const auto crc = wmbus::im871a::crc16_hci(bytes_view(f).subspan(1, f.size() - 3));
        CHECK(f[f.size() - 2] == (crc & 0xFF));
        CHECK(f[f.size() - 1] == (crc >> 8));
        bytes plain{f[3]};
        plain.insert(plain.end(), f.begin() + 4, f.begin() + 4 + f[3]);
        auto h = open_telegram(plain);
        rssi[h.id].push_back(f[4 + f[3]]);
        all.push_back(std::move(h));
    }
    check_meters(all);
    // The RSSI byte on wmbusmeters' scale, 45 + 2 (dBm + 100): -60 dBm is 125, -80 dBm is 85.
    for (const auto r : rssi.at(0x11223344))
        CHECK(r == 125);
    for (const auto r : rssi.at(0x55667788))
        CHECK(r == 85);

    // Link mode T1 only (`:t1`): the C1 heat meter is no longer heard, the T1 water meter still is.
    c.send(hex("A5 01 03 06 00 02 03 30 01 00"));
    CHECK(c.hci_answer() == hex("A5 81 04 00 9C F7"));
    c.indications.clear(); // heard before the change
    std::map<std::uint32_t, int> after;
    const auto until_t1 = std::chrono::steady_clock::now() + 4s;
    while (std::chrono::steady_clock::now() < until_t1) {
        const auto f = c.hci_frame(3000ms);
        REQUIRE(f.size() > 12);
        // A5 C2 03 L, then C, M (2 bytes), A's id LSB first.
        ++after[static_cast<std::uint32_t>(f[7] | f[8] << 8 | f[9] << 16 | f[10] << 24)];
    }
    CHECK(after[0x11223344] >= 2);
    CHECK(after.count(0x55667788) == 0);
    stop_sim(sim);
    CHECK_MESSAGE(sim.process->err().find("does not listen in the mode") != std::string::npos,
                  sim.process->err());
}

TEST_CASE("mbus-sim run: wireless meters as rtl_wmbus lines on stdout") {
    const temp_scenario sc("wmbus-rtl", scenario_text("rtlwmbus"));
    auto sim = start_sim({"run", sc.path().string()});
    CHECK(sim.ready.get("receiver") == "rtlwmbus");
    CHECK(sim.ready.pty().empty());
    std::this_thread::sleep_for(4s);
    stop_sim(sim);
    sim.process->finish_output();
    std::istringstream out(sim.process->out());
    std::string line;
    std::vector<heard> all;
    std::map<std::string, int> modes;
    while (std::getline(out, line)) {
        if (line.starts_with("ready")) continue;
        const auto t = wmbus::parse_text_line(line);
        REQUIRE_MESSAGE(t, line);
        CHECK(t->rtlwmbus);
        CHECK(t->fields.crc_ok);
        ++modes[t->fields.mode];
        all.push_back(open_telegram(t->telegram));
    }
    CHECK(modes["T1"] >= 2);
    CHECK(modes["C1"] >= 2);
    check_meters(all);
}

// A meter just installed (install_telegrams = 2) that asks for access every 4th transmission, as
// rtl_wmbus lines on stdout: the reader sees SND_IR twice with the scenario's value, then SND_NR,
// and an ACC_NR (CI 8A, no records) on transmissions 4 and 8; access numbers count through all.
TEST_CASE("mbus-sim run: SND_IR after installation, then SND_NR, ACC_NR every 4th") {
    const temp_scenario sc("wmbus-install", R"([receiver]
kind = "rtlwmbus"

[[wmbus_meter]]
manufacturer = "KAM"
id = "11223344"
medium = "water"
interval = 0.4
install_telegrams = 2
access_demand_every = 4
[[wmbus_meter.record]]
quantity = "volume"
unit = "m3"
type = "int32"
value = 77
)");
    auto sim = start_sim({"run", sc.path().string()});
    std::this_thread::sleep_for(3500ms);
    stop_sim(sim);
    sim.process->finish_output();
    std::istringstream out(sim.process->out());
    std::string line;
    std::vector<std::string> kinds;
    std::vector<int> access;
    while (std::getline(out, line)) {
        if (line.starts_with("ready")) continue;
        const auto t = wmbus::parse_text_line(line);
        REQUIRE_MESSAGE(t, line);
        CHECK(t->fields.crc_ok);
        const auto f = wmbus::decode(t->telegram, wmbus::layout::no_crc);
        REQUIRE_MESSAGE(f, line);
        const auto tg = wmbus::decode(*f);
        REQUIRE_MESSAGE(tg, line);
        const auto& vd = std::get<app::variable_data>(*tg->user_data);
        kinds.push_back(wmbus::c_field_name(f->c));
        access.push_back(vd.header.access_number);
        if (f->c == wmbus::c_field::acc_nr) {
            CHECK(vd.ci == 0x8A);
            CHECK(vd.records.empty());
        } else {
            REQUIRE(vd.records.size() == 1);
            CHECK(int_of(vd.records[0]) == 77);
        }
    }
    REQUIRE(kinds.size() >= 6);
    const std::vector<std::string> expected{"SND_IR", "SND_IR", "SND_NR", "ACC_NR", "SND_NR",
                                            "SND_NR", "SND_NR", "ACC_NR", "SND_NR"};
    for (std::size_t i = 0; i < kinds.size() && i < expected.size(); ++i) {
        CAPTURE(i);
        CHECK(kinds[i] == expected[i]);
        CHECK(access[i] == static_cast<int>(i));
    }
}

// Lines from a TCP stream, whole lines only (the last, cut by the end of listening, left out).
std::vector<std::string> lines_of(const bytes& got) {
    std::vector<std::string> out;
    std::string text(got.begin(), got.end());
    std::size_t at = 0;
    for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', at)) {
        out.push_back(text.substr(at, nl - at));
        at = nl + 1;
    }
    return out;
}

// --tcp with a text receiver: every client gets every line from when it connects (as `nc HOST PORT |
// wmbusmeters stdin:rtlwmbus ...` reads them); nothing goes to stdout but the ready line; a client that
// goes away does not hold the others.
TEST_CASE("mbus-sim run: rtl_wmbus and hex lines to every TCP client") {
    for (const std::string kind : {"rtlwmbus", "hex"}) {
        CAPTURE(kind);
        const temp_scenario sc("wmbus-tcp-" + kind, scenario_text(kind));
        auto sim = start_sim({"run", sc.path().string(), "--tcp", "127.0.0.1:0"});
        CHECK(sim.ready.get("receiver") == kind);
        CHECK(sim.ready.pty().empty());
        REQUIRE_FALSE(sim.ready.tcp().empty());
        bytes first, second;
        run_system_test([&]() -> asio::awaitable<void> {
            auto a = co_await open_tcp(sim.ready);
            auto b = co_await open_tcp(sim.ready);
            auto gone = co_await open_tcp(sim.ready);
            gone->close(); // a reader that leaves at once
            using namespace asio::experimental::awaitable_operators;
            auto r = co_await (listen(*a, 4500ms) && listen(*b, 4500ms));
            first = std::move(std::get<0>(r));
            second = std::move(std::get<1>(r));
        });
        stop_sim(sim);
        sim.process->finish_output();
        const std::string stdout_text = sim.process->out();
        for (const auto& line : lines_of(bytes(stdout_text.begin(), stdout_text.end())))
            CHECK_MESSAGE(line.starts_with("ready"), "stdout has more than the ready line: ", line);
        const auto a = lines_of(first);
        const auto b = lines_of(second);
        // Both clients connected before the first transmission (1 s in): the same lines, in order.
        CHECK(a.size() >= 4);
        const auto common = std::min(a.size(), b.size());
        CHECK(common + 1 >= a.size());
        for (std::size_t i = 0; i < common; ++i)
            CHECK(a[i] == b[i]);
        std::vector<heard> all;
        for (const auto& line : a) {
            const auto t = wmbus::parse_text_line(line + "\n");
            REQUIRE_MESSAGE(t, line);
            CHECK(t->rtlwmbus == (kind == "rtlwmbus"));
            if (t->rtlwmbus) CHECK(t->fields.crc_ok);
            all.push_back(open_telegram(t->telegram));
        }
        check_meters(all);
        CHECK(sim.process->err().find("closed") != std::string::npos);
    }
}

// Radio faults as a reader of the iM871A sees them (fixed intervals 0.8 s and 1.3 s: a and b never
// overlap on their own within the test's 8 s): "a" (mode 7) has a CRC error in every 2nd telegram,
// which the stick drops; "b" (mode 5) sends every 2nd telegram with a wrong key, and every 3rd collides
// with "c", 20 dB stronger, which the stick hears instead: c's next transmission (due every 5 s, the
// first at 5 s) is moved onto b's at 3.9 s and 7.8 s, so within the test c sends only then, its access
// numbers counting 0, 1 (no telegram added).
TEST_CASE("mbus-sim run: radio faults through the emulated iM871A: CRC drops, wrong keys, a collision") {
    const std::string key3 = "202122232425262728292A2B2C2D2E2F";
    const temp_scenario sc("wmbus-faults", fmt::format(R"([receiver]
kind = "im871a"

[[wmbus_meter]]
name = "a"
manufacturer = "KAM"
id = "11223344"
interval = 0.8
security = "mode7"
key = "{}"
rssi = -60
[[wmbus_meter.record]]
quantity = "volume"
unit = "m3"
type = "int32"
value = 7

[[wmbus_meter]]
name = "b"
manufacturer = "TST"
id = "55667788"
interval = 1.3
key = "{}"
rssi = -80
[[wmbus_meter.record]]
quantity = "volume"
unit = "m3"
type = "int32"
value = 8

[[wmbus_meter]]
name = "c"
manufacturer = "TST"
id = "99000099"
interval = 5
key = "{}"
rssi = -60
[[wmbus_meter.record]]
quantity = "volume"
unit = "m3"
type = "int32"
value = 9

[[fault]]
name = "noise"
meter = "a"
kind = "wm_crc"
every = 2

[[fault]]
name = "rekeyed"
meter = "b"
kind = "wm_wrong_key"
every = 2

[[fault]]
name = "crosstalk"
meter = "b"
kind = "wm_collision"
with = "c"
offset_ms = 1
every = 3
)",
                                                       key1, key2, key3));
    auto sim = start_sim({"run", sc.path().string()});
    wmbus_pty_client c(sim.ready.pty(), B57600);
    c.send(hex("A5 01 03 06 00 02 03 30 01 00")); // link mode T1, RSSI on
    CHECK(c.hci_answer() == hex("A5 81 04 00 9C F7"));

    std::map<std::uint32_t, std::vector<int>> ok;    // access numbers that decoded with the right key
    std::map<std::uint32_t, std::vector<int>> wrong; // that did not
    const auto until = std::chrono::steady_clock::now() + 8s;
    while (std::chrono::steady_clock::now() < until) {
        bytes f;
        if (!c.indications.empty()) {
            f = c.indications.front();
            c.indications.erase(c.indications.begin());
        } else {
            f = c.hci_frame(5000ms);
        }
        REQUIRE(f.size() > 7);
        bytes plain{f[3]};
        plain.insert(plain.end(), f.begin() + 4, f.begin() + 4 + f[3]);
        const auto fr = wmbus::decode(plain, wmbus::layout::no_crc);
        REQUIRE_MESSAGE(fr, to_hex(plain));
        const auto k = hex(fr->id == 0x11223344 ? key1 : fr->id == 0x55667788 ? key2 : key3);
        const auto t = wmbus::decode(*fr, bytes_view(k));
        // The access number as the TPL (or, for mode 7, the ELL) carries it in the clear.
        const int acc = fr->data[0] == 0x8C ? fr->data[2] : fr->data[1];
        if (t) {
            if (fr->id == 0x11223344) CHECK(t->security.mac_verified);
            ok[fr->id].push_back(acc);
        } else {
            CHECK(t.error() == wmbus::errc::decryption_failed);
            wrong[fr->id].push_back(acc);
        }
    }
    stop_sim(sim);
    INFO(sim.process->err());
    // a: only the odd-numbered telegrams (access 0, 2, 4, ...) reach the reader, MAC verified.
    REQUIRE(ok[0x11223344].size() >= 3);
    for (const auto acc : ok[0x11223344])
        CHECK(acc % 2 == 0);
    CHECK(wrong[0x11223344].empty());
    // b: telegram n (from 1) lost when n % 3 == 0, else undecryptable when n % 2 == 0.
    REQUIRE(ok[0x55667788].size() >= 2);
    for (const auto acc : ok[0x55667788])
        CHECK(((acc + 1) % 3 != 0 && (acc + 1) % 2 != 0));
    REQUIRE(!wrong[0x55667788].empty());
    for (const auto acc : wrong[0x55667788])
        CHECK(((acc + 1) % 3 != 0 && (acc + 1) % 2 == 0));
    // c: heard only as the stronger side of the collisions with b, and each one decodes.
    CHECK(!ok[0x99000099].empty());
    CHECK(wrong[0x99000099].empty());
    for (std::size_t i = 0; i < ok[0x99000099].size(); ++i)
        CHECK(ok[0x99000099][i] == static_cast<int>(i));
    const auto err = sim.process->err();
    CHECK(err.find("INJECTED access number 1: CRC error in block 2 (fault 'noise')") != std::string::npos);
    CHECK(err.find("the receiver drops access number 1: CRC error in block 2") != std::string::npos);
    CHECK(err.find("b: access number 2 (-80 dBm) lost in a collision with c (-60 dBm)") != std::string::npos);
}
