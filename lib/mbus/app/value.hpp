#pragma once
// Values of EN 13757-3 data fields, decoded from and encoded into every data coding of the DIF.
//
// A `value` is the *raw* content of the data field, before the VIF's scale: an energy record with
// VIF 06 (10^3 Wh) and value 154 means 154 kWh. scaled_value() applies the exponent.
//
// Which alternative a coding yields (decode_value) and accepts (encode_value):
//   none, selection          monostate (no data bytes)
//   int8 .. int64            int64_t, signed two's complement, LSB first (type B); with time_point:
//                            int16 -> date (type G), int24 -> time_of_day (type J), int32 -> date_time
//                            (type F), int48 -> date_time (type I)
//   real32                   double (IEEE 754 single, LSB first; encoding rounds to the nearest float)
//   bcd2 .. bcd12            int64_t (type A; a most significant digit F means negative: F1 23 = -123);
//                            digits A-F elsewhere give invalid_bcd, which encodes back as sent
//   variable                 LVAR 00-BF: std::string (text, sent last character first);
//                            C0-C9 / D0-D9: int64_t (positive / negative BCD of LVAR-C0 / LVAR-D0 bytes);
//                            E0-EF: bytes (binary, LVAR-E0 bytes); F0-F4: bytes (4*(LVAR-EC),
//                            16-32 bytes); F5-FA: bytes, decoded only (the 2004 edition, the 2013
//                            edition and libmbus give them different lengths; each is accepted);
//                            FB-FF, CA-CF and DA-DF are reserved (meaning_errc::bad_lvar)
//   special                  bytes, as sent
// Any fixed-size coding also accepts `bytes` of exactly its size, written as they are (for faults).
//
// Range checks: a value that does not fit its coding is app::errc::value_out_of_range; a value of
// a kind the coding cannot hold is app::errc::invalid_value. Nothing is truncated.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>

#include <mbus/app/dif.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/core/time.hpp>

namespace mbus::app {

// The year fields of types F, G and I hold 7 bits: 0-99 within a century. full_year() reads them
// as libmbus and most masters do: 0-80 is 2000-2080, 81-99 is 1981-1999, unless type F's "hundred
// year" bits (EN 13757-3:2013, bits 13-14) are set, which give 1900 + 100 * hundred_year + year.
int full_year(std::uint8_t year_field, std::uint8_t hundred_year = 0);

// Type G: a date in 16 bits. Fields hold what was sent (day 0 / month 0 mean "not set" to many
// meters), so that every 16-bit pattern decodes and encodes back.
struct date {
    std::uint8_t year{0};  // 7 bits
    std::uint8_t month{0}; // 4 bits
    std::uint8_t day{0};   // 5 bits
    int full_year() const { return app::full_year(year); }
    friend bool operator==(const date&, const date&) = default;
};

// Type F (32 bits, to the minute) and type I (48 bits, to the second). The fields a type lacks
// stay 0 / false; encoding checks that.
struct date_time {
    std::uint8_t year{0}; // 7 bits
    std::uint8_t month{0};
    std::uint8_t day{0};
    std::uint8_t hour{0};
    std::uint8_t minute{0};
    std::uint8_t second{0};       // type I only
    std::uint8_t hundred_year{0}; // type F only: bits 13-14 (most meters send 0)
    bool invalid{false};          // type F only: IV, bit 7 ("time invalid")
    bool summer_time{false};      // type F only: SU, bit 15
    std::uint8_t day_of_week{0};  // type I only: bits 21-23, 1 = Monday, 0 = not given
    std::uint8_t week{0};         // type I only: bits 40-45, 0 = not given
    int full_year() const { return app::full_year(year, hundred_year); }
    friend bool operator==(const date_time&, const date_time&) = default;
};

// Type J: a time of day in 24 bits.
struct time_of_day {
    std::uint8_t hour{0};
    std::uint8_t minute{0};
    std::uint8_t second{0};
    friend bool operator==(const time_of_day&, const time_of_day&) = default;
};

// A BCD field with digits A-F (meters send them as error markers, e.g. "EEEE"): the hex digits,
// most significant first as a display shows them. A leading '-' marks a negative variable-length
// BCD (LVAR D0-D9).
struct invalid_bcd {
    std::string digits;
    friend bool operator==(const invalid_bcd&, const invalid_bcd&) = default;
};

using value = std::variant<std::monostate, std::int64_t, double, invalid_bcd, std::string, bytes, date,
                           date_time, time_of_day>;

// Decodes a data field (as app::record::data holds it: for `variable` the LVAR byte first).
// time_point: the VIB says the field is a date or time (VIF 6C/6D, FD 30/70, or a "date/time of"
// VIFE); a pattern with bits that the type leaves reserved stays an integer. Errors:
// meaning_errc::wrong_data_size, meaning_errc::bad_lvar.
result<value> decode_value(data_coding c, bytes_view field, bool time_point = false);

// Encodes a value into a data field (for `variable` with its LVAR byte).
result<bytes> encode_value(data_coding c, const value& v);

// raw × 10^exponent for numbers (integers, BCD, real32); nullopt for the other alternatives.
// Computed as raw / 10^-exponent for negative exponents so that 3949 at 10^-2 is exactly 39.49.
std::optional<double> scaled_value(const value& v, int exponent);

// The raw integer whose scaled value is nearest to `scaled` (half away from zero), for value
// generators that work in physical units. value_out_of_range beyond the int64 range or for NaN.
result<std::int64_t> raw_from_scaled(double scaled, int exponent);

// Calendar helpers. Years 1981-2080 fit the 7-bit field with hundred_year 0, as meters send them.
result<date> make_date(int year, unsigned month, unsigned day);
result<date_time> make_date_time(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                                 unsigned second = 0);
// UTC broken down; seconds kept (they are dropped when a type F field is wanted: set second = 0).
result<date_time> date_time_from(wall_time t);

// "2024-01-15", "2024-01-15T11:46" (type F), "2024-01-15T11:46:05" (type I), "11:46:05";
// invalid_bcd as its digits; text as is; bytes as hex (wire order, no spaces).
std::string to_string(const value& v);
std::string to_string(const date& d);
std::string to_string(const date_time& d);
std::string to_string(const time_of_day& t);

std::ostream& operator<<(std::ostream& os, const date& d);
std::ostream& operator<<(std::ostream& os, const date_time& d);
std::ostream& operator<<(std::ostream& os, const time_of_day& t);
std::ostream& operator<<(std::ostream& os, const invalid_bcd& b);
std::ostream& operator<<(std::ostream& os, const value& v);

} // namespace mbus::app
