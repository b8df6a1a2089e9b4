// The timeline on a bus, with time and request counts passed in: what each event does to the
// meters' answers, when it falls due, and the line it leaves for the log.

#include <doctest/doctest.h>

#include <mbus/app/record_spec.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/meter.hpp>
#include <mbus/sim/timeline.hpp>

#include "sim_support.hpp"

#include <chrono>
#include <memory>
#include <sstream>

using namespace mbus;
using namespace mbus::sim;
using namespace mbus::sim::test;
using namespace std::chrono_literals;

namespace {

// heat-1 at address 1: one record 0C 06 (energy kWh, BCD8) = 154, written in kWh.
meter_config heat_meter() {
    meter_config m;
    m.name = "heat-1";
    m.primary_address = 1;
    m.identity = {0x11111111, 0x2C2D, 0x01, 0x04};
    app::record_spec s;
    s.q = app::quantity::energy;
    s.u = app::unit::Wh;
    s.exponent = 3;
    s.coding = app::data_coding::bcd8;
    s.v = std::int64_t{154};
    m.records.emplace_back().content = spec_record{s, std::nullopt, 3};
    return m;
}

// heat-1 (address 1) and water (address 5) on one bus.
bus two_meters() {
    bus b;
    b.add(heat_meter());
    b.add(water_meter());
    return b;
}

timeline_event at(double seconds, std::string meter, events::action what) {
    return {events::at_time{std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds))},
            std::move(meter), std::move(what)};
}
timeline_event after(std::uint64_t n, std::string meter, events::action what) {
    return {events::after_requests{n}, std::move(meter), std::move(what)};
}

// The wire of a REQ_UD2 to `address` at `now`; empty when nobody answers.
bytes read(bus& b, byte address, const sim_now& now) {
    return b.on_frame(req_ud2(address, false), 0, now).wire;
}

// The data of the first record of an RSP_UD (after the 12-byte header: DIF 0C, VIF 06, 4 BCD bytes).
bytes energy_data(const bytes& wire) {
    REQUIRE(wire.size() >= 27);
    CHECK(wire[19] == 0x0C); // DIF: 8-digit BCD
    CHECK(wire[20] == 0x06); // VIF: energy in kWh
    return bytes(wire.begin() + 21, wire.begin() + 25);
}

constexpr std::size_t status_at = 16; // after the access number

const time_point start{};

} // namespace

TEST_CASE("timeline a meter leaves the bus at its time") {
    auto b = two_meters();
    timeline tl({at(1.0, "water", events::presence{false})}, start);
    CHECK_FALSE(tl.empty());
    REQUIRE(tl.next_time());
    CHECK(*tl.next_time() == start + 1s);

    CHECK(tl.apply_due(at_seconds(0.999), 0, b, nullptr).empty());
    CHECK_FALSE(read(b, 5, at_seconds(0.999)).empty()); // still answers

    const auto lines = tl.apply_due(at_seconds(1.0), 1, b, nullptr);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "meter water left the bus (event 1, at 1s)");
    CHECK_FALSE(b.present(1));
    CHECK(b.present(0));
    CHECK(read(b, 5, at_seconds(1.1)).empty());       // gone: silence
    CHECK_FALSE(read(b, 1, at_seconds(1.1)).empty()); // the other meter is untouched
    CHECK(tl.empty());
    CHECK_FALSE(tl.next_time());
    // Once applied, never again.
    CHECK(tl.apply_due(at_seconds(5), 9, b, nullptr).empty());
}

TEST_CASE("timeline a meter joins once N requests have been served") {
    auto b = two_meters();
    b.set_present(1, false); // present = false in the scenario
    timeline tl({after(3, "water", events::presence{true})}, start);
    CHECK_FALSE(tl.next_time()); // no timed event: no wake-up needed
    CHECK(tl.apply_due(at_seconds(100), 2, b, nullptr).empty());
    CHECK(read(b, 5, at_seconds(100)).empty());
    const auto lines = tl.apply_due(at_seconds(100), 3, b, nullptr);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "meter water joined the bus (event 1, after 3 requests)");
    CHECK(b.present(1));
    const auto wire = read(b, 5, at_seconds(100));
    REQUIRE_FALSE(wire.empty());
    CHECK(wire[a_at] == 5);
}

TEST_CASE("timeline events due together happen in the order they fell due") {
    auto b = two_meters();
    // Listed join first, but the leave (1 s) fell due before the join (2 s): the meter ends present.
    timeline tl({at(2.0, "water", events::presence{true}), after(1, "water", events::alarm{true}),
                 at(1.0, "water", events::presence{false})},
                start);
    CHECK(*tl.next_time() == start + 1s);
    const auto lines = tl.apply_due(at_seconds(3), 5, b, nullptr);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "meter water left the bus (event 3, at 1s)");
    CHECK(lines[1] == "meter water joined the bus (event 1, at 2s)");
    CHECK(lines[2] == "meter water raised an alarm (event 2, after 1 request)");
    CHECK(b.present(1));
    CHECK(b.at(1).alarm_pending());
}

TEST_CASE("timeline next_time walks through the timed events") {
    auto b = two_meters();
    timeline tl({at(0.5, "heat-1", events::alarm{true}), at(1.5, "heat-1", events::alarm{false}),
                 after(1, "heat-1", events::power_cycle{})},
                start + 10s); // the run started at 10 s on the steady clock
    CHECK(*tl.next_time() == start + 10.5s);
    CHECK(tl.apply_due(at_seconds(10.4), 0, b, nullptr).empty());
    CHECK(tl.apply_due(at_seconds(10.5), 0, b, nullptr).size() == 1);
    CHECK(b.at(0).alarm_pending());
    CHECK(*tl.next_time() == start + 11.5s);
    CHECK(tl.apply_due(at_seconds(11.6), 0, b, nullptr).size() == 1);
    CHECK_FALSE(b.at(0).alarm_pending());
    CHECK_FALSE(tl.next_time()); // only the counted event is left
    CHECK_FALSE(tl.empty());
    CHECK(tl.apply_due(at_seconds(11.6), 1, b, nullptr).size() == 1);
    CHECK(tl.empty());
}

TEST_CASE("timeline a value change is a constant from then on") {
    auto b = two_meters();
    timeline tl({at(2.0, "heat-1", events::value{0, constant{4711}})}, start);
    CHECK(energy_data(read(b, 1, at_seconds(1))) == bytes{0x54, 0x01, 0x00, 0x00}); // 154 kWh
    const auto lines = tl.apply_due(at_seconds(2), 1, b, nullptr);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "meter heat-1 record 1 now follows constant 4711 (event 1, at 2s)");
    CHECK(energy_data(read(b, 1, at_seconds(2))) == bytes{0x11, 0x47, 0x00, 0x00});    // 4711 kWh
    CHECK(energy_data(read(b, 1, at_seconds(3600))) == bytes{0x11, 0x47, 0x00, 0x00}); // and stays
}

TEST_CASE("timeline a new counter counts from the event") {
    auto b = two_meters();
    // 1000 kWh at the event (5 s), one more per second from then on.
    timeline tl({at(5.0, "heat-1", events::value{0, counter{1000, 1, 1s}})}, start);
    CHECK(tl.apply_due(at_seconds(5), 0, b, nullptr).size() == 1);
    CHECK(energy_data(read(b, 1, at_seconds(5))) == bytes{0x00, 0x10, 0x00, 0x00}); // 1000
    CHECK(energy_data(read(b, 1, at_seconds(8))) == bytes{0x03, 0x10, 0x00, 0x00}); // 1003, not 1008
}

TEST_CASE("timeline a value change replaces a written value") {
    auto m = heat_meter();
    m.records.edit()[0].writable = true;
    meter mt{m};
    REQUIRE(mt.write(app::record{app::dib{0x0C, {}}, app::vib{0x06, {}, {}}, {0x99, 0x00, 0x00, 0x00}}));
    CHECK(mt.records_at(at_seconds(1))[0].data == bytes{0x99, 0x00, 0x00, 0x00});
    REQUIRE(mt.set_source(0, constant{7}, time_point{} + 1s));
    CHECK(mt.records_at(at_seconds(1))[0].data == bytes{0x07, 0x00, 0x00, 0x00});
}

TEST_CASE("timeline a value that does not fit is skipped and says why") {
    auto b = two_meters();
    // BCD8 holds at most 99999999; a raw record (water) takes no new value; record 2 does not exist.
    timeline tl({at(0, "heat-1", events::value{0, constant{1e9}}),
                 at(0, "water", events::value{0, constant{1}}),
                 at(0, "heat-1", events::value{1, constant{1}})},
                start);
    const auto lines = tl.apply_due(at_seconds(0), 0, b, nullptr);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] ==
          "event skipped: meter heat-1 record 1 follows constant 1000000000: record 1 cannot send "
          "1000000000: it is beyond what bcd8 holds (event 1, at 0s)");
    CHECK(lines[1].find("record 1 is given as raw bytes") != std::string::npos);
    CHECK(lines[2].find("record 2 does not exist: the meter has 1 record") != std::string::npos);
    CHECK(energy_data(read(b, 1, at_seconds(1))) == bytes{0x54, 0x01, 0x00, 0x00}); // unchanged
}

TEST_CASE("timeline source_problem checks the ends of a source") {
    const auto m = heat_meter();
    CHECK_FALSE(source_problem(m, 0, counter{0, 1e12, 1s})); // a counter is checked at its start only
    CHECK_FALSE(source_problem(m, 0, ramp{0, 99'999'999, 1h, false}));
    CHECK(source_problem(m, 0, ramp{0, 100'000'000, 1h, false}));
    CHECK(source_problem(m, 0, sine{0, 1e8, 1h, 0})); // reaches 100000000: nine digits
    CHECK_FALSE(source_problem(m, 0, sine{50, 20, 1h, 0}));
    CHECK(source_problem(m, 0, random_walk{5, 1, 0, 1e9, 1s, 0}));
    auto recorded = m;
    recorded.recorded.push_back(recorded_user_data{0x72, {}});
    CHECK(*source_problem(recorded, 0, constant{1}) ==
          "the meter replays recorded telegrams: its records are never sent");
}

TEST_CASE("timeline a status change shows in the next telegram header") {
    auto b = two_meters();
    timeline tl({after(0, "heat-1", events::status{0x04})}, start);
    CHECK(read(b, 1, at_seconds(0))[status_at] == 0x00);
    const auto lines = tl.apply_due(at_seconds(0), 1, b, nullptr);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "meter heat-1 status byte now 04 (event 1, after 0 requests)");
    const auto wire = read(b, 1, at_seconds(0));
    CHECK(wire[status_at] == 0x04); // status: power low (EN 13757-3 table 5)
    CHECK(b.at(0).app().status() == 0x04);
}

TEST_CASE("timeline an alarm is raised and cleared") {
    auto b = two_meters();
    timeline tl({at(1, "heat-1", events::alarm{true}), at(2, "heat-1", events::alarm{false})}, start);
    CHECK(b.on_frame(req_ud1(1, false), 0, at_seconds(0)).wire == bytes{0xE5}); // nothing pending
    CHECK(tl.apply_due(at_seconds(1), 0, b, nullptr) ==
          std::vector<std::string>{"meter heat-1 raised an alarm (event 1, at 1s)"});
    const auto wire = read(b, 1, at_seconds(1));
    CHECK((wire[c_at] & link::c_field::acd) != 0); // ACD set while the alarm is pending
    CHECK(tl.apply_due(at_seconds(2), 0, b, nullptr) ==
          std::vector<std::string>{"meter heat-1 cleared its alarm (event 2, at 2s)"});
    CHECK(b.on_frame(req_ud1(1, true), 0, at_seconds(2)).wire == bytes{0xE5});
}

TEST_CASE("timeline a power cycle deselects the meter and resets the FCB") {
    auto b = two_meters();
    // Select the water meter: SND_UD to FD, CI 52, ID 12345678, KAM, version 1, water.
    const auto sel =
        link::frame::long_frame(0x53, 0xFD, 0x52, {0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x07});
    CHECK(b.on_frame(sel, 0, at_seconds(0)).wire == bytes{0xE5});
    REQUIRE(b.at(1).selected());
    // An FCB sequence: a toggle, then the same FCB again is a repetition (the same access number).
    const auto first = b.on_frame(link::frame::short_frame(0x7B, 0xFD), 0, at_seconds(0)).wire;
    const auto second = b.on_frame(link::frame::short_frame(0x5B, 0xFD), 0, at_seconds(0)).wire;
    const auto repeat = b.on_frame(link::frame::short_frame(0x5B, 0xFD), 0, at_seconds(0)).wire;
    REQUIRE(second.size() > access_at);
    CHECK(repeat == second);

    timeline tl({at(1, "water", events::power_cycle{})}, start);
    CHECK(tl.apply_due(at_seconds(1), 3, b, nullptr) ==
          std::vector<std::string>{
              "meter water was power-cycled (selection and link state forgotten) (event 1, at 1s)"});
    CHECK_FALSE(b.at(1).selected());
    CHECK(read(b, 0xFD, at_seconds(1)).empty()); // nobody selected: FD gets no answer
    // At its primary address, the same FCB as before the cycle is a new request: a new access number.
    const auto after_cycle = b.on_frame(link::frame::short_frame(0x5B, 5), 0, at_seconds(1)).wire;
    REQUIRE(after_cycle.size() > access_at);
    CHECK(after_cycle[access_at] == static_cast<byte>(second[access_at] + 1));
    (void)first;
}

TEST_CASE("timeline events for what is not there are skipped with a reason") {
    auto b = two_meters();
    timeline tl({at(0, "ghost", events::presence{false}), at(0, "", events::fault{"flaky", true})}, start);
    const auto lines = tl.apply_due(at_seconds(0), 0, b, nullptr);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "event skipped: no meter ghost on the bus (event 1, at 0s)");
    CHECK(lines[1] == "fault 'flaky' not changed: the bus has no faults (event 2, at 0s)");
    CHECK(tl.empty());
}

TEST_CASE("timeline a fault event starts and stops a fault") {
    auto b = two_meters();
    // A fault that drops the water meter's answers, waiting for the timeline to switch it on.
    fault_spec f;
    f.name = "flaky";
    f.meter = "water";
    f.action = faults::no_answer{};
    f.active = false;
    auto faults = std::make_shared<fault_engine>(std::vector<fault_spec>{f},
                                                 std::vector<std::string>{"heat-1", "water"}, 1, start);
    b.set_hooks(faults);
    timeline tl({at(1, "", events::fault{"flaky", true}), at(2, "", events::fault{"flaky", false}),
                 at(2, "", events::fault{"nosuch", true})},
                start);
    CHECK_FALSE(read(b, 5, at_seconds(0.5)).empty());
    CHECK(tl.apply_due(at_seconds(1), 1, b, faults.get()) ==
          std::vector<std::string>{"fault 'flaky' started (event 1, at 1s)"});
    CHECK(read(b, 5, at_seconds(1.5)).empty());       // dropped
    CHECK_FALSE(read(b, 1, at_seconds(1.5)).empty()); // the fault names the water meter only
    CHECK(tl.apply_due(at_seconds(2), 3, b, faults.get()) ==
          std::vector<std::string>{
              "fault 'flaky' stopped (event 2, at 2s)",
              "fault 'nosuch' not changed: there is no fault of that name (event 3, at 2s)"});
    CHECK_FALSE(read(b, 5, at_seconds(2.5)).empty());
}

TEST_CASE("timeline events print what and when") {
    std::ostringstream os;
    os << at(1.5, "heat-1", events::presence{false});
    CHECK(os.str() == "at 1.5s: meter heat-1 leaves the bus");
    os.str("");
    os << after(10, "", events::fault{"flaky", false});
    CHECK(os.str() == "after 10 requests: fault 'flaky' stops");
    os.str("");
    os << after(1, "water", events::value{0, constant{3}});
    CHECK(os.str() == "after 1 request: meter water record 1 follows constant 3");
}
