#include <mbus/app/detail/json_number.hpp>
#include <mbus/app/detail/numbers.hpp>

#include <nlohmann/json.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

namespace mbus::app::detail {

decimal grisu_digits(double v) {
    decimal d;
    d.negative = std::signbit(v);
    nlohmann::detail::dtoa_impl::grisu2(d.digits.data(), d.len, d.exponent, std::fabs(v));
    return d;
}

bool scaled_digits(std::int64_t raw, int k, double v, decimal& out) {
    constexpr std::int64_t limit = 1'000'000'000'000'000; // 10^15
    if (raw == 0 || raw <= -limit || raw >= limit || k < 1 || k > 22 || !std::isnormal(v)) return false;
    const double p10 = pow10(k); // exact up to 10^22
    // x 10^k - n for x = |v| and n = |raw|, exactly up to the last rounding: the product's rounding
    // error comes from fma, and the difference of two doubles this close (within a factor of two)
    // is exact (Sterbenz). raw / 10^k lies below v's magnitude when it is positive.
    const double x = std::fabs(v);
    const double n = std::fabs(static_cast<double>(raw)); // exact: |raw| < 2^53
    if (std::signbit(v) != (raw < 0)) return false;
    const double product = x * p10;
    if (!(product >= n / 2 && product <= 2 * n)) return false;
    const double residual = (product - n) + std::fma(x, p10, -product);
    // Grisu2 searches v's rounding interval (half the gap to each neighbour, a quarter of an ulp
    // below a power of two) narrowed by its 64-bit arithmetic: a few units of 2^-64 of the value,
    // where an ulp of v is 2^9 units or more, so less than ulp/128. raw / 10^k within the interval
    // less ulp/64 on each side is in it. Everything in units of raw: ulp(v) x 10^k.
    // x is within a factor of two of |raw| / 10^k >= 10^-22: its ulp, 2^(exponent - 52), is a
    // normal double too, built from x's exponent bits (ilogb and ldexp would cost calls).
    const auto bits = std::bit_cast<std::uint64_t>(x);
    constexpr std::uint64_t fraction = (std::uint64_t{1} << 52) - 1;
    const double ulp = std::bit_cast<double>((bits & ~fraction) - (std::uint64_t{52} << 52)) * p10;
    const double below = (bits & fraction) == 0 ? ulp * (15.0 / 64) : ulp * (31.0 / 64);
    const double above = ulp * (31.0 / 64);
    if (!(residual < below && -residual < above)) return false;
    std::uint64_t digits = static_cast<std::uint64_t>(raw < 0 ? -raw : raw);
    int exponent = -k;
    while (digits % 10 == 0) {
        digits /= 10;
        ++exponent;
    }
    out.negative = raw < 0;
    out.exponent = exponent;
    const auto end = std::to_chars(out.digits.data(), out.digits.data() + out.digits.size(), digits).ptr;
    out.len = static_cast<int>(end - out.digits.data());
    return true;
}

char* put_json_decimal(char* p, const decimal& d) {
    if (d.negative) *p++ = '-';
    std::memcpy(p, d.digits.data(), d.digits.size());
    return nlohmann::detail::dtoa_impl::format_buffer(p, d.len, d.exponent, -4, 15);
}

} // namespace mbus::app::detail
