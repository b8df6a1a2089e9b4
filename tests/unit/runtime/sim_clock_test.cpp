#include <doctest/doctest.h>

#include <mbus/runtime/sim_clock.hpp>

#include <chrono>

using namespace std::chrono;
using mbus::wall_time;
using mbus::runtime::sim_clock;

TEST_CASE("sim_clock: a set clock reads its start at its steady instant and runs with the steady clock") {
    const mbus::time_point t0 = mbus::clock::now();
    const wall_time start = sys_days{year{2030} / 1 / 31} + hours{23} + minutes{59} + seconds{54};
    const sim_clock c(start, t0);
    CHECK(c.set());
    CHECK(c.at(t0).wall == start);
    CHECK(c.at(t0).mono == t0);
    CHECK(c.at(t0 + seconds{7}).wall == sys_days{year{2030} / 2 / 1} + seconds{1});
    // Before its start (a steady instant earlier), it reads earlier: no clamping.
    CHECK(c.at(t0 - seconds{4}).wall == start - seconds{4});
}

TEST_CASE("sim_clock: unset, it is the machine's calendar") {
    const sim_clock c;
    CHECK_FALSE(c.set());
    const auto before = system_clock::now();
    const auto n = c.now();
    const auto after = system_clock::now();
    CHECK(n.wall >= before);
    CHECK(n.wall <= after);
    const sim_clock unset_start(std::nullopt, mbus::clock::now() - hours{1});
    CHECK(unset_start.now().wall >= before);
}
