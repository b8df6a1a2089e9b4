// scenario/demo: the built-in demo is scenarios/demo.toml, and what its meter sends.

#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/scenario/demo.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/sim/meter.hpp>

#include "scenario_support.hpp"
#include "support/corpus.hpp"

using namespace mbus;
using namespace mbus::scenario;
using namespace mbus::scenario::test;

TEST_CASE("demo text is scenarios demo.toml") {
    CHECK(demo_text() == mbus::test::read_file(scenarios_dir() / "demo.toml"));
}

TEST_CASE("builtin demo is one meter at address 3") {
    const auto s = builtin_demo();
    CHECK(s.source == "<built-in demo>");
    CHECK(s.bus.name == "demo");
    CHECK(s.bus.baud == 2400);
    REQUIRE(s.meters.size() == 1);
    const auto& m = s.meters[0];
    CHECK(m.primary_address == 3);
    CHECK(m.identity == app::secondary_address{0x12345678, *app::manufacturer_code("TST"), 1, 0x07});

    sim::meter meter{m};
    const auto t = meter.readout(0, test_now(), false);
    // Volume in litres (BCD8), voltage in 0.1 V (FD 48), date-time type F.
    CHECK(drh_list(t.wire) == std::vector<std::string>{"0c13", "02fd48", "046d"});
    const auto records = records_of(t.wire);
    REQUIRE(records.size() == 3);
    // 12.345 m3 + 0.01 m3 after one hour = 12355 l, BCD LSB first.
    CHECK(records[0].data == bytes{0x55, 0x23, 0x01, 0x00});
    // 230 V + 3 V * sin(2 pi * 1h / 1h) = 230.0 V = 2300 * 0.1 V.
    CHECK(records[1].data == bytes{0xFC, 0x08});
    const auto dt = app::describe(records[2]);
    REQUIRE(dt);
    CHECK(app::to_string(dt->raw) == "2024-03-15T10:30");
}

TEST_CASE("builtin demo equals scenarios demo.toml loaded from the source tree") {
    const auto file = scenarios_dir() / "demo.toml";
    auto loaded = load(file);
    REQUIRE_MESSAGE(loaded, loaded);
    CHECK(loaded.value->source == file);
    loaded.value->source = "<built-in demo>";
    CHECK(builtin_demo() == *loaded.value);
}
