#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/link/frame.hpp>
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
    // The same sample at the next poll is clamped again, and says so again.
    CHECK(records_of(m.readout(0, {}, false).wire) == bytes{0x01, 0x13, 0x7F});
    REQUIRE(m.notes().size() == 1);
    CHECK(m.notes()[0].find("clamped") != std::string::npos);
}

TEST_CASE("meter sends the bytes of an unchanged sample again, and the new ones when it changes") {
    using namespace std::chrono;
    spec_record r{spec(app::quantity::date_time, app::unit::none, 0, app::data_coding::int32),
                  current_date_time{}, 0};
    meter m{one_record(r)};
    const wall_time wall = sys_days{2024y / January / 15} + 11h + 46min + 59s;
    const bytes at_46{0x04, 0x6D, 0x2E, 0x0B, 0x0F, 0x31};
    CHECK(records_of(m.readout(0, after(0s, wall), false).wire) == at_46);
    CHECK(records_of(m.readout(0, after(1ms, wall + 400ms), false).wire) == at_46); // the same second
    CHECK(records_of(m.readout(0, after(1s, wall + 1s), false).wire) ==
          bytes{0x04, 0x6D, 0x2F, 0x0B, 0x0F, 0x31});
    CHECK(records_of(m.readout(0, after(0s, wall), false).wire) == at_46); // and back

    // A new source can fit the same sample otherwise: a counter shows whole units (12.5 -> 12), a
    // constant rounds (12.5 -> 13).
    spec_record c{spec(app::quantity::volume, app::unit::m3, 0, app::data_coding::bcd8), counter{12.5, 0, 1h},
                  0};
    meter n{one_record(c)};
    CHECK(records_of(n.readout(0, after(0s), false).wire) == bytes{0x0C, 0x16, 0x12, 0x00, 0x00, 0x00});
    CHECK(records_of(n.readout(0, after(0s), false).wire) == bytes{0x0C, 0x16, 0x12, 0x00, 0x00, 0x00});
    REQUIRE(n.set_source(0, constant{12.5}, mbus::time_point{}));
    CHECK(records_of(n.readout(0, after(0s), false).wire) == bytes{0x0C, 0x16, 0x13, 0x00, 0x00, 0x00});
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

namespace {

// The RSP_UD the general encoders make of the records the meter reports at `now`: what readout()
// must send byte for byte (it builds its frame straight from cached record bytes).
bytes encoded_by_the_book(meter& m, const sim_now& now, bool acd) {
    app::variable_data v;
    v.ci = app::ci::variable_long;
    v.header = app::header{m.identity(), m.access_number(), m.status(), m.config().signature};
    v.records = m.records_at(now);
    auto ud = app::encode(v);
    auto wire =
        link::encode(link::frame::long_frame(acd ? 0x28 : 0x08, m.address(), ud.ci, std::move(ud.data)));
    REQUIRE(wire.has_value());
    return *wire;
}

// Records whose values move over time, as many sources and codings as fit in one telegram.
meter_config moving_meter() {
    using app::data_coding;
    using app::quantity;
    using app::unit;
    auto m = water_meter();
    m.status = 0x04;
    m.signature = 0xBEEF;
    add(m, {spec(quantity::volume, unit::m3, -3, data_coding::bcd8), counter{12.345, 0.01, 1h}, 0});
    add(m, {spec(quantity::voltage, unit::volt, -1, data_coding::int16), sine{230, 3, 60s, 0}, 0});
    add(m, {spec(quantity::date_time, unit::none, 0, data_coding::int32), current_date_time{}, 0});
    add(m, {spec(quantity::date_time, unit::none, 0, data_coding::int48), current_date_time{}, 0});
    add(m, {spec(quantity::date, unit::none, 0, data_coding::int16), current_date{}, 0});
    // Crosses zero: -0.0 and 0.0 are one number but two real32 fields.
    add(m, {spec(quantity::power, unit::W, 0, data_coding::real32), sine{0, 5, 8s, 0}, 0});
    add(m, {spec(quantity::flow_temperature, unit::celsius, -1, data_coding::int16),
            random_walk{60, 2, 40, 80, 1s, 7}, 0});
    add(m, {spec(quantity::energy, unit::Wh, 3, data_coding::int8), ramp{100, 200, 10s, true}, 3}); // clamps
    auto storage = spec(quantity::energy, unit::Wh, 3, data_coding::bcd12);
    storage.storage = 3;
    storage.tariff = 1;
    add(m, {storage, counter{5, 3600, 1h}, 0});
    auto text_unit = spec(quantity::plain_text_unit, unit::none, 0, data_coding::int32);
    text_unit.plain_text_unit = "pulses";
    add(m, {text_unit, counter{0, 1, 1s}, 0});
    return m;
}

} // namespace

TEST_CASE("meter readout is what the general encoders make of its records, poll after poll") {
    using namespace std::chrono;
    meter m{moving_meter()};
    REQUIRE(m.problems().empty());
    const wall_time wall = sys_days{2024y / December / 31} + 23h + 59min;
    std::size_t notes = 0;
    // Polls closer than a value's step (the cached bytes go out again) and farther (they are re-encoded),
    // over midnight and the new year.
    for (const milliseconds step :
         {0ms, 100ms, 1000ms, 3000ms, 250ms, 7000ms, 61000ms, 0ms, 3601000ms, 400ms}) {
        for (int i = 0; i < 12; ++i) {
            const auto d = step * i + milliseconds{i * 37};
            const sim_now now{mbus::time_point{} + d, wall + d};
            const bool acd = i % 3 == 0;
            const auto expected = encoded_by_the_book(m, now, acd);
            const auto expected_notes = m.notes();
            const auto t = m.readout(0, now, acd);
            CHECK(to_hex(t.wire) == to_hex(expected));
            CHECK_FALSE(t.more_follows);
            CHECK(m.notes() == expected_notes);
            notes += m.notes().size();
        }
    }
    CHECK(notes > 0); // the int8 ramp was clamped, and said so on every poll
}

TEST_CASE("meter readout follows writes and new sources at once") {
    spec_record r{spec(app::quantity::energy, app::unit::Wh, 3, app::data_coding::bcd8), counter{100, 1, 1h},
                  3};
    meter m{one_record(r, true)};
    CHECK(records_of(m.readout(0, after(0s), false).wire) == bytes{0x0C, 0x06, 0x00, 0x01, 0x00, 0x00});
    REQUIRE(m.write(0, bytes{0x00, 0x50, 0x00, 0x00}));
    CHECK(records_of(m.readout(0, after(0s), false).wire) == bytes{0x0C, 0x06, 0x00, 0x50, 0x00, 0x00});
    // A source set through the control API or a timeline event: the newest change wins over the write.
    REQUIRE(m.set_source(0, constant{100}, mbus::time_point{}));
    CHECK(records_of(m.readout(0, after(5h), false).wire) == bytes{0x0C, 0x06, 0x00, 0x01, 0x00, 0x00});
    REQUIRE(m.set_source(0, constant{7}, mbus::time_point{}));
    CHECK(records_of(m.readout(0, after(5h), false).wire) == bytes{0x0C, 0x06, 0x07, 0x00, 0x00, 0x00});
    REQUIRE(m.set_source(0, counter{7, 1, 1h}, mbus::time_point{} + 5h));
    CHECK(records_of(m.readout(0, after(5h), false).wire) == bytes{0x0C, 0x06, 0x07, 0x00, 0x00, 0x00});
    CHECK(records_of(m.readout(0, after(7h), false).wire) == bytes{0x0C, 0x06, 0x09, 0x00, 0x00, 0x00});
}

TEST_CASE("meter readout over several telegrams carries every record once, in order") {
    // 50 records of 6 bytes: 300 bytes where a telegram holds 240 (with DIF 1F: 239 and the 1F).
    auto config = water_meter();
    config.records.clear();
    for (int i = 0; i < 50; ++i)
        add(config, {spec(app::quantity::volume, app::unit::m3, -3, app::data_coding::bcd8),
                     counter{static_cast<double>(i), 1, 1s}, 0});
    meter m{config};
    for (const auto s : {0s, 1s, 10s}) {
        const auto expected =
            app::encode(app::variable_data{app::ci::variable_none, {}, m.records_at(after(s))}).data;
        const auto first = m.readout(0, after(s), false);
        const auto second = m.readout(1, after(s), false);
        CHECK(first.more_follows);
        CHECK(first.index == 0);
        CHECK_FALSE(second.more_follows);
        CHECK(second.index == 1);
        REQUIRE(first.wire.size() == 19 + 39 * 6 + 1 + 2);
        CHECK(last_data_byte(first.wire) == 0x1F);
        CHECK(second.wire[access_at] == static_cast<byte>(first.wire[access_at] + 1));
        auto records = records_of(first.wire);
        records.pop_back(); // the DIF 1F
        const auto rest = records_of(second.wire);
        records.insert(records.end(), rest.begin(), rest.end());
        CHECK(records == expected);
        for (const auto& t : {first, second}) // each a valid frame
            CHECK(link::decode(t.wire).has_value());
        // Past the last telegram: the first again.
        CHECK(m.readout(2, after(s), false).index == 0);
    }
}
