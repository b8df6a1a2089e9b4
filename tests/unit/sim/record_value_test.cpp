#include <doctest/doctest.h>

#include <mbus/app/errc.hpp>
#include <mbus/sim/record_value.hpp>

#include <chrono>
#include <cmath>

using namespace mbus;
using namespace mbus::sim;
using app::data_coding;

namespace {

app::value value_of(const result<fitted_value>& r) {
    REQUIRE(r);
    return r->value;
}

} // namespace

TEST_CASE("record value rounds as documented") {
    CHECK(value_of(fit(12.5, data_coding::int16, 0, rounding::nearest)) == app::value{std::int64_t{13}});
    CHECK(value_of(fit(-12.5, data_coding::int16, 0, rounding::nearest)) == app::value{std::int64_t{-13}});
    CHECK(value_of(fit(12.9, data_coding::int16, 0, rounding::floor)) == app::value{std::int64_t{12}});
    // 39.49 at 10^-2 is 3949, not 3948.999...
    CHECK(value_of(fit(39.49, data_coding::bcd8, 2, rounding::floor)) == app::value{std::int64_t{3949}});
    CHECK(value_of(fit(1500.0, data_coding::int32, -3, rounding::nearest)) == app::value{std::int64_t{2}});
}

TEST_CASE("record value clamps to the coding range and says so") {
    const auto hi = fit(1000.0, data_coding::int8, 0, rounding::nearest);
    REQUIRE(hi);
    CHECK(hi->value == app::value{std::int64_t{127}});
    CHECK(hi->clamped);
    const auto lo = fit(-1000.0, data_coding::int8, 0, rounding::nearest);
    REQUIRE(lo);
    CHECK(lo->value == app::value{std::int64_t{-128}});
    CHECK(lo->clamped);
    const auto bcd = fit(12345.0, data_coding::bcd4, 0, rounding::nearest);
    REQUIRE(bcd);
    CHECK(bcd->value == app::value{std::int64_t{9999}});
    const auto neg = fit(-5000.0, data_coding::bcd4, 0, rounding::nearest);
    REQUIRE(neg);
    CHECK(neg->value == app::value{std::int64_t{-999}}); // F999: the sign takes the top digit
    const auto fits = fit(127.0, data_coding::int8, 0, rounding::nearest);
    REQUIRE(fits);
    CHECK_FALSE(fits->clamped);
    const auto huge = fit(1e30, data_coding::int64, 0, rounding::nearest);
    REQUIRE(huge);
    CHECK(huge->clamped);
}

TEST_CASE("record value ranges are the app's coding ranges, for every coding") {
    for (unsigned c = 0; c < 16; ++c) {
        CAPTURE(c);
        const auto coding = static_cast<data_coding>(c);
        CHECK(range_of(coding) == app::coding_range(coding));
    }
}

TEST_CASE("record value scales by every power of ten as std::pow does") {
    // real32 keeps the scaled double (clamped to the float range only), so it shows the scaling's
    // exact result: the looked-up powers must be pow()'s doubles, past the exact ones too.
    for (int shift = -30; shift <= 30; ++shift) {
        for (const double x : {1.0, 0.1, 39.49, -12.345, 3.0e-7}) {
            CAPTURE(shift);
            CAPTURE(x);
            const double want = shift >= 0 ? x * std::pow(10.0, shift) : x / std::pow(10.0, -shift);
            if (std::abs(want) > 3.0e38) continue;
            CHECK(value_of(fit(x, data_coding::real32, shift, rounding::nearest)) == app::value{want});
        }
    }
    CHECK(value_of(fit(12.345, data_coding::bcd8, 3, rounding::nearest)) == app::value{std::int64_t{12345}});
    CHECK(value_of(fit(12345.0, data_coding::int32, -3, rounding::nearest)) == app::value{std::int64_t{12}});
}

TEST_CASE("record value keeps reals and rejects what a coding cannot hold") {
    CHECK(value_of(fit(21.5, data_coding::real32, 0, rounding::nearest)) == app::value{21.5});
    CHECK(fit(std::nan(""), data_coding::int32, 0, rounding::nearest).error() == app::errc::invalid_value);
    CHECK_FALSE(fit(1.0, data_coding::none, 0, rounding::nearest));
}

TEST_CASE("record value turns local times into date and time types") {
    using namespace std::chrono;
    const local_seconds t = local_days{2024y / January / 15} + 11h + 46min + 5s; // a Monday
    CHECK(value_of(fit(t, data_coding::int16, 0, rounding::nearest)) == app::value{app::date{24, 1, 15}});
    app::date_time f;
    f.year = 24;
    f.month = 1;
    f.day = 15;
    f.hour = 11;
    f.minute = 46;
    CHECK(value_of(fit(t, data_coding::int32, 0, rounding::nearest)) == app::value{f});
    auto i = f;
    i.second = 5;
    i.day_of_week = 1;
    CHECK(value_of(fit(t, data_coding::int48, 0, rounding::nearest)) == app::value{i});
    CHECK(value_of(fit(t, data_coding::int24, 0, rounding::nearest)) ==
          app::value{app::time_of_day{11, 46, 5}});
    CHECK_FALSE(fit(t, data_coding::int8, 0, rounding::nearest));
    const local_seconds old = local_days{1970y / January / 1};
    CHECK_FALSE(fit(old, data_coding::int16, 0, rounding::nearest));
}
