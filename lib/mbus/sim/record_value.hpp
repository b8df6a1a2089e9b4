#pragma once
// From what a value source yields to what a data field holds.

#include <iosfwd>

#include <mbus/app/dif.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/app/value.hpp>
#include <mbus/core/result.hpp>
#include <mbus/sim/value_source.hpp>

namespace mbus::sim {

struct fitted_value {
    app::value value;
    bool clamped{false}; // the number was beyond what the coding holds and was set to its limit
    friend bool operator==(const fitted_value&, const fitted_value&) = default;
};

// The data-field value of `s` for coding `c`:
// - a number is first multiplied by 10^shift (the source's unit over the field's unit), then for
//   integer, BCD and variable-length codings rounded as `r` says and clamped to the range the
//   coding holds (int8 -128..127; BCD of n digits -(10^(n-1) - 1)..10^n - 1, the sign in the top
//   digit); clamping is not an error, and `clamped` says it happened. real32 is clamped to the
//   float range. NaN is invalid_value.
// - a local time becomes a date (int16, type G), a time of day (int24, type J), a date-time to the
//   minute (int32, type F) or to the second (int48, type I); years outside 1981-2080 and other
//   codings are errors (app::errc::invalid_value, value_out_of_range).
result<fitted_value> fit(const sample& s, app::data_coding c, int shift, rounding r);

// The range an integer, BCD or variable-length coding holds (for variable: the BCD of LVAR C9/D9);
// app::coding_range with signed BCD, which the simulation clamps to.
using integer_range = app::integer_range;
std::optional<integer_range> range_of(app::data_coding c);

} // namespace mbus::sim
