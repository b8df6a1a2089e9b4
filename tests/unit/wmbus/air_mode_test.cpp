#include <doctest/doctest.h>

#include <mbus/wmbus/air_mode.hpp>

using namespace mbus::wmbus;

TEST_CASE("air modes are named as readers name them, either case") {
    CHECK(name_of(air_mode::t1) == "T1");
    CHECK(air_mode_from_name("c1") == air_mode::c1);
    CHECK(air_mode_from_name("S1") == air_mode::s1);
    CHECK_FALSE(air_mode_from_name("T2"));
    CHECK_FALSE(air_mode_from_name("t"));
    CHECK_FALSE(air_mode_from_name(""));
}
