#include <mbus/app/errc.hpp>
#include <mbus/sim/record_value.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>

namespace mbus::sim {

namespace {

// 10^n as std::pow(10.0, n) gives it, looked up where the power is exact (up to 10^22): every poll
// of every record scales its value, and pow() was a tenth of a poll's instructions.
double power_of_ten(int n) {
    static constexpr std::array<double, 23> exact{1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (n >= 0 && n < static_cast<int>(exact.size())) return exact[static_cast<std::size_t>(n)];
    return std::pow(10.0, n);
}

double scale(double x, int shift) {
    // Dividing by an exact power of ten keeps 39.49 at 10^2 exactly 3949 where a multiplication by
    // 0.01's inverse would not.
    if (shift >= 0) return x * power_of_ten(shift);
    return x / power_of_ten(-shift);
}

double round_as(double x, rounding r) {
    if (r == rounding::nearest) return std::round(x);
    // A register at 3948.9999999 because of binary fractions has reached 3949.
    return std::floor(x + 1e-9 * std::max(1.0, std::abs(x)));
}

result<fitted_value> fit_number(double x, app::data_coding c, int shift, rounding r) {
    if (std::isnan(x)) return app::errc::invalid_value;
    x = scale(x, shift);
    if (c == app::data_coding::real32) {
        constexpr double lim = std::numeric_limits<float>::max();
        const double y = std::clamp(x, -lim, lim);
        return fitted_value{y, y != x};
    }
    const auto range = range_of(c);
    if (!range) return app::errc::invalid_value;
    x = round_as(x, r);
    // Compared as doubles first: converting a double beyond the int64 range is undefined.
    if (x <= static_cast<double>(range->min))
        return fitted_value{range->min, x < static_cast<double>(range->min)};
    if (x >= static_cast<double>(range->max))
        return fitted_value{range->max, x > static_cast<double>(range->max)};
    return fitted_value{static_cast<std::int64_t>(x), false};
}

result<fitted_value> fit_time(std::chrono::local_seconds t, app::data_coding c) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    const int y = static_cast<int>(ymd.year());
    const auto mo = static_cast<unsigned>(ymd.month());
    const auto d = static_cast<unsigned>(ymd.day());
    const auto h = static_cast<unsigned>(hms.hours().count());
    const auto mi = static_cast<unsigned>(hms.minutes().count());
    const auto s = static_cast<unsigned>(hms.seconds().count());
    switch (c) {
    case app::data_coding::int16: {
        auto v = app::make_date(y, mo, d);
        if (!v) return unexpected(v.error());
        return fitted_value{*v, false};
    }
    case app::data_coding::int24:
        return fitted_value{app::time_of_day{static_cast<std::uint8_t>(h), static_cast<std::uint8_t>(mi),
                                             static_cast<std::uint8_t>(s)},
                            false};
    case app::data_coding::int32:
    case app::data_coding::int48: {
        auto v = app::make_date_time(y, mo, d, h, mi, c == app::data_coding::int48 ? s : 0);
        if (!v) return unexpected(v.error());
        if (c == app::data_coding::int48) { // type I carries the weekday (1 = Monday)
            v->day_of_week = static_cast<std::uint8_t>(weekday{day}.iso_encoding());
        }
        return fitted_value{*v, false};
    }
    default: return app::errc::invalid_value;
    }
}

} // namespace

std::optional<integer_range> range_of(app::data_coding c) {
    // A table of the 16 codings, made once: every poll of a record asks.
    static const auto ranges = [] {
        std::array<std::optional<integer_range>, 16> t;
        for (std::size_t i = 0; i < t.size(); ++i)
            t[i] = app::coding_range(static_cast<app::data_coding>(i));
        return t;
    }();
    const auto i = static_cast<std::size_t>(c);
    return i < ranges.size() ? ranges[i] : app::coding_range(c);
}

result<fitted_value> fit(const sample& s, app::data_coding c, int shift, rounding r) {
    if (const auto* x = std::get_if<double>(&s)) return fit_number(*x, c, shift, r);
    return fit_time(std::get<std::chrono::local_seconds>(s), c);
}

} // namespace mbus::sim
