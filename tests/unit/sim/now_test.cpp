// sim/now: the instant passed into the simulation core, compared and printed for logs.

#include <mbus/sim/now.hpp>

#include <doctest/doctest.h>

#include <ctime>
#include <sstream>

using namespace mbus;
using namespace std::chrono_literals;

TEST_CASE("sim now compares both clocks") {
    const sim::sim_now a{time_point{5s}, wall_time{1'700'000'000s}};
    CHECK(a == sim::sim_now{time_point{5s}, wall_time{1'700'000'000s}});
    CHECK(a != sim::sim_now{time_point{6s}, wall_time{1'700'000'000s}});
    CHECK(a != sim::sim_now{time_point{5s}, wall_time{1'700'000'001s}});
    CHECK(sim::sim_now{} == sim::sim_now{time_point{}, wall_time{}});
}

TEST_CASE("sim now prints steady nanoseconds and the wall time to the second") {
    const std::time_t t = 1'700'000'000;
    const sim::sim_now n{time_point{1500ms}, wall_time{std::chrono::seconds(t)} + 999ms};
    std::ostringstream os;
    os << n;
    // The wall time in the zone the process runs in, as fmt prints it; the milliseconds dropped.
    char wall[32];
    std::strftime(wall, sizeof wall, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
    CHECK(os.str() == std::string("mono=1500000000ns wall=") + wall);
}
