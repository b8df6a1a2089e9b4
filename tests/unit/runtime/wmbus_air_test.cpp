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
