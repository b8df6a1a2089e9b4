// app/medium: the EN 13757-3 medium table (table 9 of 13757-3:2018), its names for scenario files
// and JSON, and the reading back of names, descriptions and numbers.

#include <mbus/app/meaning_errc.hpp>
#include <mbus/app/medium.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace mbus;
using namespace mbus::app;

TEST_CASE("medium table names the EN 13757-3 codes") {
    CHECK(medium_description(0x04) == "Heat (outlet)");
    CHECK(medium_description(0x07) == "Water");
    CHECK(medium_description(0x0C) == "Heat (inlet)");
    CHECK(medium_description(0x0D) == "Heat / cooling load meter");
    CHECK(medium_description(0x16) == "Cold water");
    CHECK(medium_description(0x19) == "A/D converter");
    CHECK(medium_description(0x37) == "Radio converter (meter side)");
    CHECK(medium_description(0x10) == "Reserved");
    CHECK(medium_description(0xFF) == "Reserved");
    CHECK(medium_name(0x16) == "cold_water");
    CHECK(medium_name(0x10) == "reserved_0x10");
    CHECK(medium_from_name("cold_water").value() == 0x16);
    CHECK(medium_from_name("Cold water").value() == 0x16);
    CHECK(medium_from_name("heat").value() == 0x04);
    CHECK(medium_from_name("0x0D").value() == 0x0D);
    CHECK(medium_from_name("7").value() == 0x07);
    CHECK(medium_from_name("reserved_0x10").value() == 0x10);
    CHECK(medium_from_name("0x100").error() == meaning_errc::unknown_medium);
    CHECK(medium_from_name("wter").error() == meaning_errc::unknown_medium);
    for (unsigned c = 0; c < 256; ++c)
        CHECK(medium_from_name(medium_name(static_cast<std::uint8_t>(c))).value() == c);
    const auto close = close_medium_names("water");
    CHECK(std::find(close.begin(), close.end(), "cold_water") != close.end());
}

TEST_CASE("medium names of the named constants") {
    CHECK(medium_name(medium_code::heat_outlet) == "heat_outlet");
    CHECK(medium_name(medium_code::water) == "water");
    CHECK(medium_name(medium_code::heat_cost_allocator) == "heat_cost_allocator");
    CHECK(medium_name(medium_code::ad_converter) == "ad_converter");
    CHECK(medium_description(medium_code::other) == "Other");
    CHECK(medium_description(medium_code::unknown) == "Unknown medium");
    CHECK(medium_name(0xFF) == "reserved_0xFF");
}

TEST_CASE("medium from name takes any case and the short words") {
    CHECK(medium_from_name("HEAT_OUTLET").value() == medium_code::heat_outlet);
    CHECK(medium_from_name("cooling").value() == medium_code::cooling_outlet);
    CHECK(medium_from_name("Heat (inlet)").value() == medium_code::heat_inlet);
    CHECK(medium_from_name("0xff").value() == 0xFF);
    CHECK(medium_from_name("255").value() == 0xFF);
    CHECK(medium_from_name("256").error() == meaning_errc::unknown_medium);
    CHECK(medium_from_name("").error() == meaning_errc::unknown_medium);
    CHECK(medium_from_name("0x").error() == meaning_errc::unknown_medium);
    CHECK(medium_from_name("7 ").error() == meaning_errc::unknown_medium);
    CHECK(medium_from_name("-1").error() == meaning_errc::unknown_medium);
}

TEST_CASE("medium close names suggest and stop at the maximum") {
    CHECK(close_medium_names("heat", 2) == std::vector<std::string>{"heat_outlet", "heat_cost_allocator"});
    CHECK(close_medium_names("gas_meter") == std::vector<std::string>{"gas", "gas_detector"});
    CHECK(close_medium_names("xyz").empty());
    CHECK(close_medium_names("water", 0).empty());
}
