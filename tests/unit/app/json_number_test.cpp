// app/detail/json_number.hpp: a scaled value's digits as nlohmann's dump() writes them, by Grisu2 or,
// for an integer over a power of ten, by the integer's own digits when those are provably Grisu2's.
// nlohmann::json(v).dump() is the reference throughout.

#include <doctest/doctest.h>

#include <mbus/app/detail/json_number.hpp>
#include <mbus/app/detail/numbers.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

using namespace mbus::app::detail;

namespace {

std::string text(const decimal& d) {
    char buf[64];
    return {buf, put_json_decimal(buf, d)};
}

std::string dump(double v) { return nlohmann::json(v).dump(); }

// v's JSON text as the writer takes it: scaled_digits when it accepts, else Grisu2.
struct written {
    bool fast;
    std::string text;
};
written json_text(std::int64_t raw, int k, double v) {
    decimal d;
    if (scaled_digits(raw, k, v, d)) return {true, text(d)};
    return {false, text(grisu_digits(v))};
}

// raw x 10^-k as decoded_record computes it.
double scaled(std::int64_t raw, int k) { return static_cast<double>(raw) / pow10(k); }

double ulps_away(double v, int n) {
    for (; n > 0; --n)
        v = std::nextafter(v, std::numeric_limits<double>::infinity());
    for (; n < 0; ++n)
        v = std::nextafter(v, -std::numeric_limits<double>::infinity());
    return v;
}

} // namespace

TEST_CASE("grisu_digits and put_json_decimal write what dump() writes") {
    for (const double v : {0.1, -0.1, 1.5, 123.456, 1e-5, 1.5e-5, 1e21, 1.9707682098053248e+16, 5e-324,
                           std::numeric_limits<double>::max(), -2.5e-300, 0.30000000000000004})
        CHECK(text(grisu_digits(v)) == dump(v));
}

TEST_CASE("scaled_digits gives an integer's digits over a power of ten") {
    decimal d;
    REQUIRE(scaled_digits(154, 1, scaled(154, 1), d));
    CHECK(std::string(d.digits.data(), static_cast<std::size_t>(d.len)) == "154");
    CHECK(d.exponent == -1);
    CHECK_FALSE(d.negative);
    CHECK(text(d) == "15.4");
    // Trailing zeros are dropped, as Grisu2 drops them.
    REQUIRE(scaled_digits(-1500, 3, scaled(-1500, 3), d));
    CHECK(std::string(d.digits.data(), static_cast<std::size_t>(d.len)) == "15");
    CHECK(d.exponent == -1);
    CHECK(d.negative);
    CHECK(text(d) == "-1.5");
    // nlohmann's layouts: small values in exponent form, 15 digits in full.
    REQUIRE(scaled_digits(15, 6, scaled(15, 6), d));
    CHECK(text(d) == "1.5e-05");
    REQUIRE(scaled_digits(999'999'999'999'999, 1, scaled(999'999'999'999'999, 1), d));
    CHECK(text(d) == dump(scaled(999'999'999'999'999, 1)));
    CHECK(text(d) == "99999999999999.9");
}

TEST_CASE("scaled_digits refuses what it cannot prove") {
    decimal d;
    CHECK_FALSE(scaled_digits(0, 3, 0.0, d));
    CHECK_FALSE(scaled_digits(1'000'000'000'000'000, 3, scaled(1'000'000'000'000'000, 3), d)); // 16 digits
    CHECK_FALSE(scaled_digits(-1'000'000'000'000'000, 3, scaled(-1'000'000'000'000'000, 3), d));
    CHECK_FALSE(scaled_digits(154, 0, 154.0, d));
    CHECK_FALSE(scaled_digits(154, 23, 154e-23, d));
    CHECK_FALSE(scaled_digits(154, 1, -15.4, d)); // the sign differs
    CHECK_FALSE(scaled_digits(154, 1, 30.8, d));  // not the value
    CHECK_FALSE(scaled_digits(154, 1, std::numeric_limits<double>::quiet_NaN(), d));
    CHECK_FALSE(scaled_digits(154, 1, std::numeric_limits<double>::infinity(), d));
    // A neighbour of the value: raw / 10^k does not read back to it.
    CHECK_FALSE(scaled_digits(1, 1, ulps_away(0.1, 1), d));
    CHECK_FALSE(scaled_digits(1, 1, ulps_away(0.1, -1), d));
    // Next to the midpoint between two doubles (0.496 and 0.488 of an ulp from the value): inside the
    // rounding interval, but too close to its edge for Grisu2's narrower one.
    CHECK_FALSE(scaled_digits(43, 3, scaled(43, 3), d));
    CHECK_FALSE(scaled_digits(6137, 3, scaled(6137, 3), d));
    CHECK(json_text(43, 3, scaled(43, 3)).text == dump(0.043));
    CHECK(json_text(6137, 3, scaled(6137, 3)).text == dump(6.137));
}

TEST_CASE("scaled_digits next to powers of two, whose lower neighbour is half as far") {
    decimal d;
    // 2^-k = 5^k / 10^k, of 15 digits or fewer up to k = 21.
    std::int64_t raw = 1;
    for (int k = 1; k <= 21; ++k) {
        raw *= 5;
        const double p = std::ldexp(1.0, -k);
        CAPTURE(k);
        REQUIRE(scaled(raw, k) == p);
        CHECK(scaled_digits(raw, k, p, d));
        CHECK(text(d) == dump(p));
        for (const int step : {-2, -1, 1, 2}) {
            const double v = ulps_away(p, step);
            CHECK_FALSE(scaled_digits(raw, k, v, d));
            CHECK(json_text(raw, k, v).text == dump(v));
        }
    }
}

TEST_CASE("scaled_digits agrees with dump() over random integers and exponents") {
    // Integers of 1 to 15 digits, both signs, exponents -1 to -22; each value as decoded_record
    // computes it and its neighbours up to two ulps away (which raw / 10^k does not read back to:
    // scaled_digits must refuse them). Near the edge of the rounding interval Grisu2 gives 16 or 17
    // digits: about one value in a thousand lies within an ulp/1000 of it.
    std::mt19937_64 random{14};
    int fast = 0;
    int values = 0;
    int mismatches = 0;
    for (int i = 0; i < 100'000; ++i) {
        const int digits = 1 + static_cast<int>(random() % 15);
        std::int64_t limit = 1;
        for (int j = 0; j < digits; ++j)
            limit *= 10;
        auto raw = static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(limit));
        if (raw == 0) continue;
        if ((random() & 1) != 0) raw = -raw;
        const int k = 1 + static_cast<int>(random() % 22);
        const double v = scaled(raw, k);
        for (int step = -2; step <= 2; ++step) {
            const double w = ulps_away(v, step);
            const auto t = json_text(raw, k, w);
            ++values;
            if (t.fast) ++fast;
            if (step != 0 && t.fast) {
                CAPTURE(raw);
                CAPTURE(k);
                CAPTURE(step);
                FAIL("a neighbour of raw / 10^k taken for it");
            }
            if (t.text != dump(w)) {
                ++mismatches;
                CAPTURE(raw);
                CAPTURE(k);
                CAPTURE(step);
                CHECK(t.text == dump(w));
            }
        }
    }
    CHECK(mismatches == 0);
    // Nearly every exact value takes the fast path (only those near the interval's edge do not).
    CHECK(fast > values / 5 * 95 / 100);
    MESSAGE(fast << " of " << values << " values by scaled_digits");
}
