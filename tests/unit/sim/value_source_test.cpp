#include <doctest/doctest.h>

#include <mbus/sim/value_source.hpp>

#include <chrono>
#include <vector>

using namespace mbus;
using namespace mbus::sim;
using namespace std::chrono_literals;

namespace {

double number_at(const value_source& s, duration elapsed) {
    return std::get<double>(evaluate(s, elapsed, {}));
}

} // namespace

TEST_CASE("value source constant stays put") {
    CHECK(number_at(constant{42.5}, 0s) == 42.5);
    CHECK(number_at(constant{42.5}, 1000h) == 42.5);
}

TEST_CASE("value source counter after one hour") {
    const counter c{100.0, 2.5, 1h}; // 2.5 units per hour
    CHECK(number_at(c, 0s) == 100.0);
    CHECK(number_at(c, 1h) == doctest::Approx(102.5));
    CHECK(number_at(c, 30min) == doctest::Approx(101.25));
    const counter per_second{0, 3, 1s};
    CHECK(number_at(per_second, 1h) == doctest::Approx(10800));
    CHECK(number_at(c, -5s) == 100.0); // before the start counts as the start
    CHECK(rounding_of(c) == rounding::floor);
    CHECK(rounding_of(sine{}) == rounding::nearest);
}

TEST_CASE("value source ramp rises then holds or repeats") {
    const ramp r{0, 10, 10s, false};
    CHECK(number_at(r, 5s) == doctest::Approx(5));
    CHECK(number_at(r, 20s) == doctest::Approx(10));
    const ramp saw{0, 10, 10s, true};
    CHECK(number_at(saw, 15s) == doctest::Approx(5));
}

TEST_CASE("value source sine at known phases") {
    const sine s{10, 5, 4s, 0};
    CHECK(number_at(s, 0s) == doctest::Approx(10));
    CHECK(number_at(s, 1s) == doctest::Approx(15));
    CHECK(number_at(s, 2s) == doctest::Approx(10));
    CHECK(number_at(s, 3s) == doctest::Approx(5));
    const sine top{10, 5, 4s, 90};
    CHECK(number_at(top, 0s) == doctest::Approx(15));
    CHECK(number_at(top, 2s) == doctest::Approx(5));
}

TEST_CASE("value source random walk is reproducible with a seed") {
    const random_walk w{50, 2, 0, 100, 1s, 1234};
    const std::vector<duration> times{0s, 1s, 5s, 60s, 3600s};
    std::vector<double> a;
    std::vector<double> b;
    value_generator ga{w};
    value_generator gb{w};
    for (const auto t : times)
        a.push_back(std::get<double>(ga.at(t, {})));
    for (const auto t : times)
        b.push_back(std::get<double>(gb.at(t, {})));
    CHECK(a == b);
    CHECK(a[0] == 50.0);
    CHECK(a[1] != 50.0);
    CHECK(std::abs(a[1] - 50.0) <= 2.0);

    // The value at an instant does not depend on what was asked before (nor on the cache).
    CHECK(number_at(w, 3600s) == a[4]);
    value_generator backwards{w};
    CHECK(std::get<double>(backwards.at(3600s, {})) == a[4]);
    CHECK(std::get<double>(backwards.at(5s, {})) == a[2]);

    auto other = w;
    other.seed = 4321;
    CHECK(number_at(other, 3600s) != a[4]);
}

TEST_CASE("value source random walk stays inside its bounds") {
    value_generator g{random_walk{0, 5, -3, 3, 1s, 7}};
    double lo = 0;
    double hi = 0;
    for (int t = 0; t < 5000; ++t) {
        const double v = std::get<double>(g.at(std::chrono::seconds{t}, {}));
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    CHECK(lo >= -3);
    CHECK(hi <= 3);
    CHECK(hi - lo > 4); // it does wander
}

TEST_CASE("value source current date and date-time follow the wall time") {
    using namespace std::chrono;
    const wall_time wall = sys_days{2024y / January / 15} + 23h + 30min + 10s;
    const auto dt = std::get<local_seconds>(evaluate(current_date_time{}, 0s, wall));
    CHECK(dt == local_days{2024y / January / 15} + 23h + 30min + 10s);
    const auto tomorrow = std::get<local_seconds>(evaluate(current_date{60min}, 0s, wall));
    CHECK(tomorrow == local_days{2024y / January / 16});
}
