// A loaded scenario: plain data the runner reads, compared whole.

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>
#include <mbus/scenario/scenario.hpp>

using namespace mbus;

namespace {

constexpr const char* two_meters = R"(
[bus]
name = "pair"
baud = 9600
timing = "realistic"

[[meter]]
name = "a"
address = 1
id = "00000001"
manufacturer = "TST"
version = 1
medium = "water"

[[meter.record]]
quantity = "volume"
unit = "l"
type = "bcd8"
value = 1

[[meter]]
name = "b"
address = 2
id = "00000002"
manufacturer = "TST"
version = 1
medium = "heat"
present = false

[[meter.record]]
quantity = "volume"
unit = "l"
type = "bcd8"
value = 1
)";

} // namespace

TEST_CASE("scenario defaults: 2400 baud fast timing no meters") {
    const scenario::scenario sc;
    CHECK(sc.bus.baud == 2400);
    CHECK(sc.bus.timing == scenario::timing_mode::fast);
    CHECK(sc.meters.empty());
    CHECK(sc.faults.empty());
    CHECK(sc.expectations.empty());
}

TEST_CASE("scenario holds what the file says and compares whole") {
    const auto r = scenario::load_string(two_meters, "pair.toml");
    INFO(r);
    REQUIRE(r);
    const auto& sc = *r.value;
    CHECK(sc.bus.name == "pair");
    CHECK(sc.bus.baud == 9600);
    CHECK(sc.bus.timing == scenario::timing_mode::realistic);
    REQUIRE(sc.meters.size() == 2);
    CHECK(sc.meters[0].name == "a");
    CHECK(sc.meters[1].identity.id == 0x00000002);
    CHECK(sc.present == std::vector<bool>{true, false}); // b joins later, by an event
    CHECK(sc == *scenario::load_string(two_meters, "pair.toml").value);
    auto other = sc;
    other.meters[1].primary_address = 3;
    CHECK_FALSE(other == sc);
}

TEST_CASE("scenario timing immediate is read from the bus table") {
    std::string text = two_meters;
    text.replace(text.find("\"realistic\""), 11, "\"immediate\"");
    const auto r = scenario::load_string(text, "fast.toml");
    INFO(r);
    REQUIRE(r);
    CHECK(r.value->bus.timing == scenario::timing_mode::immediate);
    text.replace(text.find("\"immediate\""), 11, "\"instant\"");
    const auto bad = scenario::load_string(text, "bad.toml");
    REQUIRE_FALSE(bad);
    CHECK(scenario::to_string(bad.errors.at(0)).find("immediate") != std::string::npos);
}
