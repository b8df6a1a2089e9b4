// sim/meter_state: what a meter keeps over a restart, taken from a meter a master wrote to through the
// slave, and put back into a fresh meter (all of it, or nothing when it does not fit).

#include <doctest/doctest.h>

#include <mbus/sim/meter_state.hpp>
#include <mbus/sim/slave.hpp>

#include "sim_support.hpp"

#include <sstream>

using namespace mbus;
using namespace mbus::sim;
using namespace mbus::sim::test;

namespace {

// The water meter with its volume writable and a second record (energy, int32) that is not.
meter_config writable_meter() {
    auto m = water_meter();
    m.records.edit()[0].writable = true;
    m.records.push_back({raw_record{raw(0x04, 0x06, {0x01, 0x00, 0x00, 0x00})}, false});
    return m;
}

} // namespace

TEST_CASE("a fresh meter keeps its scenario state and nothing written") {
    const meter m(writable_meter());
    const auto s = kept_state(m);
    CHECK(s.address == 5);
    CHECK(s.identity == app::secondary_address{0x12345678, 0x2C2D, 0x01, 0x07});
    CHECK(s.baud == 2400);
    CHECK(s.written.empty());
}

TEST_CASE("what SND_UD changed is the kept state, and a fresh meter answers with it once restored") {
    slave before(writable_meter());
    // 51: 01 7A 09 (new primary address 9), 0C 13 99887700 (the volume record, new data).
    REQUIRE(
        before
            .on_frame(snd_ud(5, 0x51, {0x01, 0x7A, 0x09, 0x0C, 0x13, 0x99, 0x88, 0x77, 0x00}), at_seconds(1))
            .is_ack());
    // B9: 600 baud from now on.
    REQUIRE(before.on_frame(snd_ud(9, 0xB9), at_seconds(2)).is_ack());
    const auto s = kept_state(before.app());
    CHECK(s.address == 9);
    CHECK(s.baud == 600);
    REQUIRE(s.written.size() == 1);
    CHECK(s.written[0] == written_record{0, {0x0C, 0x13}, {0x99, 0x88, 0x77, 0x00}});

    slave after(writable_meter());
    CHECK_FALSE(restore(after.app(), s));
    CHECK(kept_state(after.app()) == s);
    CHECK(after.on_frame(req_ud2(5, false), at_seconds(3)).silent());
    const auto r = after.on_frame(req_ud2(9, false), at_seconds(3));
    REQUIRE_FALSE(r.silent());
    CHECK(r.wire[a_at] == 9);
    // The volume record (0C 13) is the first after the 12-byte header: its data is what was written.
    const bytes volume(r.wire.begin() + 21, r.wire.begin() + 25);
    CHECK(volume == bytes{0x99, 0x88, 0x77, 0x00});
}

TEST_CASE("a kept state that no longer fits the meter is refused whole") {
    const meter fresh(writable_meter());
    auto good = kept_state(fresh);
    good.address = 9;
    good.written = {{0, {0x0C, 0x13}, {0x11, 0x22, 0x33, 0x44}}};
    CHECK_FALSE(restore_problem(fresh, good));

    const auto problem = [&](auto change) {
        auto s = good;
        change(s);
        meter m(writable_meter());
        auto why = restore(m, s);
        CHECK(kept_state(m) == kept_state(fresh)); // nothing applied
        return why.value_or("");
    };
    CHECK(problem([](meter_state& s) { s.address = 251; }) == "primary address 251 is not 0..250");
    CHECK(problem([](meter_state& s) { s.baud = 1200 + 1; }).find("baud rate 1201") != std::string::npos);
    CHECK(problem([](meter_state& s) { s.written[0].index = 5; }) ==
          "record 6 was written, but the meter has 2 records");
    CHECK(problem([](meter_state& s) {
              s.written[0] = {1, {0x04, 0x06}, {1, 2, 3, 4}};
          }) == "record 2 was written but is not writable");
    CHECK(problem([](meter_state& s) {
              s.written[0].field = {0x04, 0x13};
          }) == "record 1 was written as 0413 but is now 0C13");
    CHECK(problem([](meter_state& s) {
              s.written[0].data = {1, 2};
          }) == "record 1 holds 2 bytes of data, its coding 4");
}

TEST_CASE("a kept state prints its fields") {
    meter_state s{7, {0x12345678, 0x2C2D, 1, 7}, 2400, {{0, {0x0C, 0x13}, {1, 2, 3, 4}}}};
    std::ostringstream os;
    os << s;
    CHECK(os.str() ==
          "address 7 id 12345678 manufacturer 2C2D version 01 medium 07 baud 2400 record 0 <- 01020304");
}
