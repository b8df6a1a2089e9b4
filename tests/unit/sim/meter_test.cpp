#include <doctest/doctest.h>

#include <mbus/app/record_spec.hpp>
#include <mbus/sim/meter.hpp>
#include <mbus/sim/slave.hpp>

#include "sim_support.hpp"

#include <algorithm>
#include <chrono>

using namespace mbus;
using namespace mbus::sim;
using namespace mbus::sim::test;
using namespace std::chrono_literals;

namespace {

meter_config one_record(spec_record r, bool writable = false) {
    auto m = water_meter();
    m.records = {{std::move(r), writable}};
    return m;
}

// The records of the first telegram: the bytes between the 12-byte header and CS.
bytes records_of(const bytes& wire) { return bytes(wire.begin() + 19, wire.end() - 2); }

sim_now after(duration d, wall_time wall = {}) { return {time_point{} + d, wall}; }

} // namespace

TEST_CASE("meter sends a spec record with its own value") {
    meter m{
        one_record({spec(app::quantity::energy, app::unit::Wh, 3, app::data_coding::bcd8, std::int64_t{154}),
                    std::nullopt, 0})};
    const auto t = m.readout(0, {}, false);
    CHECK(records_of(t.wire) == bytes{0x0C, 0x06, 0x54, 0x01, 0x00, 0x00}); // BCD8, energy kWh, 154
    CHECK(m.problems().empty());
}

TEST_CASE("meter counter record after one hour") {
    // 100 kWh, one more every hour; the source works in kWh.
    spec_record r{spec(app::quantity::energy, app::unit::Wh, 3, app::data_coding::bcd8), counter{100, 1, 1h},
                  3};
    meter m{one_record(r)};
    CHECK(records_of(m.readout(0, after(0s), false).wire) == bytes{0x0C, 0x06, 0x00, 0x01, 0x00, 0x00});
    CHECK(records_of(m.readout(0, after(1h), false).wire) == bytes{0x0C, 0x06, 0x01, 0x01, 0x00, 0x00});
    // A counter shows whole units only: 101.9 kWh is still 101.
    CHECK(records_of(m.readout(0, after(114min), false).wire) == bytes{0x0C, 0x06, 0x01, 0x01, 0x00, 0x00});
}

TEST_CASE("meter source in plain units is scaled to the record resolution") {
    // Flow temperature in 0.1 C (VIF 5A), a sine around 60 C: 65.0 C a quarter period in.
    spec_record r{spec(app::quantity::flow_temperature, app::unit::celsius, -1, app::data_coding::int16),
                  sine{60, 5, 4s, 0}, 0};
    meter m{one_record(r)};
    CHECK(records_of(m.readout(0, after(1s), false).wire) == bytes{0x02, 0x5A, 0x8A, 0x02}); // 650
    CHECK(records_of(m.readout(0, after(3s), false).wire) == bytes{0x02, 0x5A, 0x26, 0x02}); // 550
}

TEST_CASE("meter date-time record follows the wall time") {
    using namespace std::chrono;
    spec_record r{spec(app::quantity::date_time, app::unit::none, 0, app::data_coding::int32),
                  current_date_time{}, 0};
    meter m{one_record(r)};
    const wall_time wall = sys_days{2024y / January / 15} + 11h + 46min + 30s;
    // Type F: minute 46, hour 11, day 15 with year bits 0-2, month 1 with year bits 3-6 (24).
    CHECK(records_of(m.readout(0, after(0s, wall), false).wire) == bytes{0x04, 0x6D, 0x2E, 0x0B, 0x0F, 0x31});
}

TEST_CASE("meter clamps a value its coding cannot hold and notes it") {
    spec_record r{spec(app::quantity::volume, app::unit::m3, -3, app::data_coding::int8), constant{1000}, -3};
    meter m{one_record(r)};
    CHECK(records_of(m.readout(0, {}, false).wire) == bytes{0x01, 0x13, 0x7F}); // 127 litres, not 1000
    REQUIRE(m.notes().size() == 1);
    CHECK(m.notes()[0].find("clamped") != std::string::npos);
}

TEST_CASE("meter writable spec record takes the written data") {
    spec_record r{spec(app::quantity::energy, app::unit::Wh, 3, app::data_coding::bcd8), counter{100, 1, 1h},
                  3};
    slave s{one_record(r, true)};
    const auto w = s.on_frame(snd_ud(5, 0x51, {0x0C, 0x06, 0x00, 0x50, 0x00, 0x00}), {}); // 5000 kWh
    CHECK(w.wire == bytes{0xE5});
    const auto rsp = s.on_frame(req_ud2(5, true), after(10h));
    CHECK(records_of(rsp.wire) == bytes{0x0C, 0x06, 0x00, 0x50, 0x00, 0x00});
}

TEST_CASE("meters made from one record list share it and keep their own values") {
    // As a scenario's `repeat` makes them: copies of one config, one list of records between them.
    spec_record r{spec(app::quantity::energy, app::unit::Wh, 3, app::data_coding::bcd8), counter{100, 1, 1h},
                  3};
    const auto config = one_record(r, true);
    slave a{config};
    slave b{config};
    CHECK(a.app().config().records.shares_with(b.app().config().records));
    // A write to one is that meter's own; the other goes on counting from its start.
    CHECK(a.on_frame(snd_ud(5, 0x51, {0x0C, 0x06, 0x00, 0x50, 0x00, 0x00}), {}).wire == bytes{0xE5});
    CHECK(records_of(a.on_frame(req_ud2(5, true), after(2h)).wire) ==
          bytes{0x0C, 0x06, 0x00, 0x50, 0x00, 0x00});
    CHECK(records_of(b.on_frame(req_ud2(5, true), after(2h)).wire) ==
          bytes{0x0C, 0x06, 0x02, 0x01, 0x00, 0x00});
    CHECK(a.app().written(0) == bytes{0x00, 0x50, 0x00, 0x00});
    CHECK_FALSE(b.app().written(0).has_value());
    CHECK(b.app().shape(0) == a.app().shape(0));
}

TEST_CASE("meters sharing a record that cannot be encoded each report it") {
    // A date cannot go into a BCD counter: the problem is the list's, and every meter made from it has it.
    spec_record r{spec(app::quantity::volume, app::unit::m3, -3, app::data_coding::bcd8), current_date{}, 0};
    const auto config = one_record(r);
    meter a{config};
    meter b{config};
    REQUIRE(a.problems().size() == 1);
    CHECK(b.problems() == a.problems());
    CHECK(meter{water_meter()}.problems().empty());
}
