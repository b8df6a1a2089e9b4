// scenario/diagnostic: a finding printed as compilers print errors.

#include <doctest/doctest.h>

#include <mbus/scenario/diagnostic.hpp>

#include <sstream>

using namespace mbus::scenario;

TEST_CASE("diagnostic to_string leaves out what is not known") {
    CHECK(to_string({"a.toml", 3, 7, "bus.baud", "bad"}) == "a.toml:3:7: bus.baud: bad");
    CHECK(to_string({"a.toml", 3, 7, "", "bad"}) == "a.toml:3:7: bad");
    CHECK(to_string({"a.toml", 0, 0, "", "cannot read: No such file or directory"}) ==
          "a.toml: cannot read: No such file or directory");
}

TEST_CASE("diagnostic stream operator writes what to_string does") {
    const diagnostic d{"plant.toml", 14, 9, "meter[2].record[0].unit",
                       "unknown unit \"kwhr\"; did you mean \"kWh\"?"};
    std::ostringstream os;
    os << d;
    CHECK(os.str() ==
          "plant.toml:14:9: meter[2].record[0].unit: unknown unit \"kwhr\"; did you mean \"kWh\"?");
    CHECK(os.str() == to_string(d));
}

TEST_CASE("diagnostics compare by every field") {
    const diagnostic d{"a.toml", 1, 2, "k", "m"};
    CHECK(d == diagnostic{"a.toml", 1, 2, "k", "m"});
    CHECK_FALSE(d == diagnostic{"a.toml", 1, 3, "k", "m"});
    CHECK_FALSE(d == diagnostic{"b.toml", 1, 2, "k", "m"});
}
