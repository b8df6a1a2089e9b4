// app/detail/json_number.hpp: the digits of a record's scaled value as JSON writes them. nlohmann's
// dump() writes a double with Grisu2 (not always the shortest digits: 1.9707682098053248e+16
// where the shortest is 1.970768209805325e+16), so the JSON writer must give Grisu2's digits; for
// the common meter value, an integer over a power of ten, they are the integer's own, which
// scaled_digits() proves without running Grisu2.
#pragma once

#include <array>
#include <cstdint>

namespace mbus::app::detail {

// A double's decimal digits: its value is (negative ? -1 : 1) x digits x 10^exponent.
struct decimal {
    std::array<char, 32> digits{}; // without the sign
    int len{0};
    int exponent{0};
    bool negative{false};
};

// Grisu2's digits of `v` (finite, not zero), as nlohmann's dump() computes them.
decimal grisu_digits(double v);

// The digits of raw / 10^k (raw's own, trailing zeros dropped) into `out`, when they are Grisu2's
// digits of `v` (what decoded_record computes for raw x 10^-k): raw not zero, |raw| < 10^15,
// 1 <= k <= 22, and raw / 10^k inside v's rounding interval with a margin of ulp/64 on each side,
// measured exactly (the residual |v| x 10^k - |raw| by fma). Such a decimal of at most 15
// significant digits is then the only one of at most 15 digits in the interval (two of them lie
// at least 10^-15 of their value apart, the interval spans at most 2^-52), and inside the part of
// it Grisu2 searches (it narrows the interval by less than ulp/128), so Grisu2's digits are
// these. False, and `out` unspecified, otherwise: the caller then takes grisu_digits().
bool scaled_digits(std::int64_t raw, int k, double v, decimal& out);

// nlohmann's layout of `d` as dump() writes it (format_buffer: "0.0154", "1.5e-05", "12.0"),
// at `p` with room for 40 bytes; returns the end.
char* put_json_decimal(char* p, const decimal& d);

} // namespace mbus::app::detail
