// sim/meter_config: how a meter's configuration prints (sim/meter_check tests what check() finds).

#include <doctest/doctest.h>

#include <mbus/sim/meter_config.hpp>

#include "sim_support.hpp"
#include "support/printed.hpp"

#include <algorithm>
#include <chrono>

using namespace mbus;
using mbus::test::printed;
using namespace mbus::sim;
using namespace mbus::sim::test;
using namespace std::chrono_literals;

TEST_CASE("meter configurations and recorded telegrams print on one line") {
    auto m = water_meter();
    CHECK(printed(m) == "water a=5 12345678 KAM ver=01 med=07 records=1 baud=2400");
    m.name = "";
    m.recorded = {recorded_user_data{0x72, {0x01, 0x02}}};
    m.alarm_pending = true;
    CHECK(printed(m) == "(unnamed) a=5 12345678 KAM ver=01 med=07 records=1 baud=2400 recorded=1 alarm");
    CHECK(printed(recorded_telegram{recorded_user_data{0x72, {0x01, 0xAB}}}) == "CI 72 01 AB");
    CHECK(printed(recorded_telegram{recorded_frame{{0x10, 0x40, 0x05, 0x45, 0x16}}}) ==
          "frame 10 40 05 45 16");
}
