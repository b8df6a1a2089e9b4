// The air of a scenario's wireless meters, heard through a text receiver on an ostream: each meter's
// telegrams come on its schedule, as lines a reader takes, and decode to the meter's values.

#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/runtime/wmbus_air.hpp>
#include <mbus/wmbus/receiver_text.hpp>
#include <mbus/wmbus/telegram.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <sstream>

using namespace mbus;
using namespace std::chrono_literals;

namespace {

sim::wmbus_meter_config meter(std::uint32_t id, double every_s, sim::wmbus_mode mode) {
    sim::wmbus_meter_config c;
    c.name = "m" + std::to_string(id);
    c.manufacturer = app::manufacturer_code("TST").value();
    c.id = id;
    c.mode = mode;
    c.interval_min_s = c.interval_max_s = every_s;
    c.rssi_dbm = -66;
    app::record_spec s;
    s.q = app::quantity::energy;
    s.u = app::unit::Wh;
    s.exponent = 3;
    s.coding = app::data_coding::int32;
    s.v = std::int64_t{id & 0xFF};
    c.records.emplace_back().content = sim::spec_record{s, std::nullopt, 0};
    return c;
}

} // namespace

TEST_CASE("wmbus air: hex and rtl_wmbus lines for each meter on its schedule, decodable") {
    for (const auto kind : {scenario::receiver_kind::hex, scenario::receiver_kind::rtlwmbus}) {
        CAPTURE(scenario::name_of(kind));
        boost::asio::io_context io;
        std::ostringstream out;
        std::vector<std::string> log;
        runtime::wmbus_air air(
            io.get_executor(),
            {meter(0x11, 0.05, sim::wmbus_mode::t1), meter(0x22, 0.13, sim::wmbus_mode::c1)}, {kind, 0},
            [&](const std::string& line) { log.push_back(line); });
        air.print_to(out);
        boost::asio::steady_timer t(io);
        t.expires_after(600ms);
        t.async_wait([&](auto) { air.stop(); });
        io.run_for(5s);
        std::istringstream lines(out.str());
        std::string line;
        std::map<std::uint32_t, std::vector<int>> access;
        while (std::getline(lines, line)) {
            const auto tl = wmbus::parse_text_line(line);
            REQUIRE_MESSAGE(tl, line);
            CHECK(tl->rtlwmbus == (kind == scenario::receiver_kind::rtlwmbus));
            if (tl->rtlwmbus) CHECK(tl->fields.rssi == -66);
            const auto f = wmbus::decode(tl->telegram, wmbus::layout::no_crc).value();
            const auto d = wmbus::decode(f).value();
            const auto& vd = std::get<app::variable_data>(*d.user_data);
            REQUIRE(vd.records.size() == 1);
            CHECK(vd.records[0].data == bytes{static_cast<byte>(f.id & 0xFF), 0, 0, 0});
            if (tl->rtlwmbus) CHECK(tl->fields.mode == (f.id == 0x11 ? "T1" : "C1"));
            access[f.id].push_back(vd.header.access_number);
        }
        // 130 ms, not a multiple of 50 ms: within 600 ms no two telegrams overlap on the air.
        // In 600 ms at most 12 of the first (every 50 ms) and 5 of the second (every 130 ms): due
        // times, not the loop's, set the count; a loaded machine may send the last ones late.
        CHECK(access[0x11].size() >= 2);
        CHECK(access[0x11].size() <= 12);
        CHECK(access[0x22].size() >= 1);
        CHECK(access[0x22].size() <= 5);
        CHECK(access[0x11].size() > access[0x22].size());
        for (const auto& [id, a] : access)
            for (std::size_t i = 0; i < a.size(); ++i)
                CHECK(a[i] == static_cast<int>(i));
        CHECK(air.transmissions() == access[0x11].size() + access[0x22].size());
        std::string all;
        for (const auto& l : log)
            all += l + "\n";
        CHECK_MESSAGE(log.size() == air.transmissions(), all);
    }
}

namespace {
sim::wmbus_fault_spec fault(std::string name, std::string meter, sim::wmbus_fault_action a,
                            std::uint64_t every) {
    sim::wmbus_fault_spec f;
    f.name = std::move(name);
    f.meter = std::move(meter);
    f.action = std::move(a);
    f.trigger.every = every;
    return f;
}

std::size_t count_lines(const std::vector<std::string>& log, std::string_view prefix, std::string_view part) {
    return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [&](const std::string& l) {
        return l.starts_with(prefix) && l.find(part) != std::string::npos;
    }));
}
} // namespace

// wm_collision moves the other meter's next transmission onto the faulted one: the other sends no
// more telegrams than its schedule has (here every 250 ms; the collisions come every 200 ms), its
// access numbers count up without a gap, and the faulted telegrams are lost to the stronger one.
TEST_CASE("wmbus air: wm_collision moves the other meter's due transmission, adds none") {
    boost::asio::io_context io;
    std::ostringstream out;
    std::vector<std::string> log;
    auto a = meter(0x11, 0.1, sim::wmbus_mode::t1);
    a.rssi_dbm = -80;
    auto b = meter(0x22, 0.25, sim::wmbus_mode::t1);
    b.rssi_dbm = -60;
    runtime::wmbus_air air(
        io.get_executor(), {a, b}, {scenario::receiver_kind::hex, 0},
        [&](const std::string& line) { log.push_back(line); },
        {fault("x", "m17", sim::wmbus_faults::collision{"m34", std::chrono::microseconds{500}}, 2)}, 1);
    const auto start = std::chrono::steady_clock::now();
    air.print_to(out);
    boost::asio::steady_timer t(io);
    t.expires_after(900ms);
    t.async_wait([&](auto) { air.stop(); });
    io.run_for(5s);
    const double ran = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string all;
    for (const auto& l : log)
        all += l + "\n";
    INFO(all);
    // b's transmissions: heard (a line each) or lost; at most its schedule's slots so far and the one
    // a collision pulled ahead. With an added telegram per collision it would be about twice that.
    const auto b_heard = count_lines(log, "m34: T1 telegram", "");
    const auto b_lost = count_lines(log, "m34: access number", "lost in a collision");
    CHECK(b_heard >= 2);
    CHECK(b_lost == 0); // 20 dB stronger: captured
    CHECK(b_heard + b_lost <= static_cast<std::size_t>(ran / 0.25) + 1);
    // a's telegrams that a collision hit are lost to b.
    CHECK(count_lines(log, "m17: access number", "lost in a collision with m34 (-60 dBm)") >= 1);
    // b's access numbers as heard: 0, 1, 2, ... no telegram added, none skipped.
    std::istringstream lines(out.str());
    std::string line;
    std::vector<int> access;
    while (std::getline(lines, line)) {
        const auto tl = wmbus::parse_text_line(line).value();
        const auto f = wmbus::decode(tl.telegram, wmbus::layout::no_crc).value();
        if (f.id != 0x22) continue;
        const auto d = wmbus::decode(f).value();
        access.push_back(std::get<app::variable_data>(*d.user_data).header.access_number);
    }
    REQUIRE(access.size() == b_heard);
    for (std::size_t i = 0; i < access.size(); ++i)
        CHECK(access[i] == static_cast<int>(i));
}

// wm_truncate as the text receivers give it: rtl_wmbus with CRC_OK 0 and what arrived, hex lines with
// the bytes as they arrived (CRCs included); L says more than either holds.
TEST_CASE("wmbus air: a cut-off reception on the text receivers") {
    for (const auto kind : {scenario::receiver_kind::hex, scenario::receiver_kind::rtlwmbus}) {
        CAPTURE(scenario::name_of(kind));
        boost::asio::io_context io;
        std::ostringstream out;
        std::vector<std::string> log;
        runtime::wmbus_air air(
            io.get_executor(), {meter(0x11, 0.05, sim::wmbus_mode::t1)}, {kind, 0},
            [&](const std::string& line) { log.push_back(line); },
            {fault("cut", "m17", sim::wmbus_faults::truncate{14, 0.5}, 2)}, 1);
        air.print_to(out);
        boost::asio::steady_timer t(io);
        t.expires_after(300ms);
        t.async_wait([&](auto) { air.stop(); });
        io.run_for(5s);
        std::istringstream lines(out.str());
        std::string line;
        std::size_t whole = 0, cut = 0;
        while (std::getline(lines, line)) {
            const auto tl = wmbus::parse_text_line(line);
            REQUIRE_MESSAGE(tl, line);
            const bool short_frame = tl->telegram.size() < std::size_t{tl->telegram[0]} + 1;
            if (!short_frame) {
                ++whole;
                if (tl->rtlwmbus) CHECK(tl->fields.crc_ok);
                continue;
            }
            ++cut;
            if (tl->rtlwmbus) {
                CHECK_FALSE(tl->fields.crc_ok);
                CHECK(tl->telegram.size() == 14);
            } else {
                CHECK(tl->telegram.size() == 16); // 10 + CRC + 4
            }
        }
        CHECK(whole >= 1);
        CHECK(cut >= 1);
    }
}
