#include <mbus/app/detail/numbers.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/meaning_errc.hpp>
#include <mbus/app/value.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <ostream>

namespace mbus::app {

namespace {

using detail::pow10;
using detail::read_le;
using detail::sign_extend;

void write_le(bytes& out, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(static_cast<byte>(v >> (8 * i)));
}

// BCD digits, most significant first, of LSB-first bytes.
std::string bcd_digits(bytes_view b) {
    static constexpr std::string_view hex = "0123456789ABCDEF";
    std::string s(2 * b.size(), '0'); // up to 7 bytes fit the string itself: no allocation
    std::size_t at = 0;
    for (std::size_t i = b.size(); i > 0; --i) {
        s[at++] = hex[b[i - 1] >> 4];
        s[at++] = hex[b[i - 1] & 0x0F];
    }
    return s;
}

bool all_decimal(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::int64_t decimal(std::string_view s) {
    std::int64_t v = 0;
    for (const char c : s)
        v = v * 10 + (c - '0');
    return v;
}

// Type A: decimal digits; a leading F marks a negative value.
value decode_bcd(bytes_view b) {
    const auto s = bcd_digits(b);
    if (all_decimal(s)) return decimal(s);
    if (!s.empty() && s[0] == 'F' && all_decimal(std::string_view(s).substr(1))) return -decimal(s.substr(1));
    return invalid_bcd{s};
}

result<bytes> hex_digits_to_bcd(std::string_view digits, std::size_t n) {
    if (digits.size() != 2 * n) return errc::value_out_of_range;
    bytes out(n, 0);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        const char c = digits[i];
        int d = 0;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            return errc::invalid_value;
        // Digit i counted from the most significant: byte n-1-i/2, high nibble for even i.
        const std::size_t at = n - 1 - i / 2;
        out[at] = static_cast<byte>(out[at] | (i % 2 == 0 ? d << 4 : d));
    }
    return out;
}

result<bytes> encode_bcd(std::int64_t v, std::size_t n) {
    const std::size_t digits = 2 * n;
    std::string s;
    if (v >= 0) {
        s = fmt::format("{:0{}}", v, digits);
        if (s.size() > digits) return errc::value_out_of_range;
    } else {
        if (v == std::numeric_limits<std::int64_t>::min()) return errc::value_out_of_range;
        const auto mag = fmt::format("{:0{}}", -v, digits - 1);
        if (mag.size() > digits - 1) return errc::value_out_of_range;
        s = "F" + mag;
    }
    return hex_digits_to_bcd(s, n);
}

struct lvar_kind {
    enum { text, bcd_pos, bcd_neg, binary } kind;
    std::array<std::size_t, 3> lengths; // the readings of the LVAR, see read_lvar
};

// F0-FA is read three ways: EN 13757-3:2004 (m-bus.com) "floating point number with LVAR-F0
// bytes, to be defined"; the 2013 edition binary numbers of 4*(LVAR-EC) bytes for F0-F4, 48 for
// F5, 64 for F6; libmbus 0.10 (and so the codec) 4*(LVAR-EC) for all of F0-FA. They agree on
// F0-F4 but for the 2004 reading. Any of the lengths is accepted; the data stays bytes.
std::optional<lvar_kind> read_lvar(byte l) {
    constexpr std::size_t none = 0xFFFF;
    const auto n = [](int v) { return static_cast<std::size_t>(v); };
    if (l <= 0xBF) return lvar_kind{lvar_kind::text, {l, none, none}};
    if (l >= 0xC0 && l <= 0xC9) return lvar_kind{lvar_kind::bcd_pos, {n(l - 0xC0), none, none}};
    if (l >= 0xD0 && l <= 0xD9) return lvar_kind{lvar_kind::bcd_neg, {n(l - 0xD0), none, none}};
    if (l >= 0xE0 && l <= 0xEF) return lvar_kind{lvar_kind::binary, {n(l - 0xE0), none, none}};
    if (l >= 0xF0 && l <= 0xFA) {
        const std::size_t y2013 = l == 0xF5 ? 48 : l == 0xF6 ? 64 : n(4 * (l - 0xEC));
        return lvar_kind{lvar_kind::binary, {n(4 * (l - 0xEC)), y2013, n(l - 0xF0)}};
    }
    return std::nullopt;
}

result<value> decode_variable(bytes_view field) {
    if (field.empty()) return meaning_errc::wrong_data_size;
    const auto k = read_lvar(field[0]);
    if (!k) return meaning_errc::bad_lvar;
    const auto payload = field.subspan(1);
    // A record built by hand, or split by another rule, may hold a byte count no reading gives.
    if (std::find(k->lengths.begin(), k->lengths.end(), payload.size()) == k->lengths.end())
        return meaning_errc::bad_lvar;
    switch (k->kind) {
    case lvar_kind::text: return value{std::string(payload.rbegin(), payload.rend())};
    case lvar_kind::binary: return value{bytes(payload.begin(), payload.end())};
    case lvar_kind::bcd_pos:
    case lvar_kind::bcd_neg: {
        const auto s = bcd_digits(payload);
        const bool neg = k->kind == lvar_kind::bcd_neg;
        if (!all_decimal(s)) return value{invalid_bcd{neg ? "-" + s : s}};
        return value{neg ? -decimal(s) : decimal(s)};
    }
    }
    return meaning_errc::bad_lvar;
}

result<bytes> encode_variable(const value& v) {
    bytes out;
    if (const auto* s = std::get_if<std::string>(&v)) {
        if (s->size() > 0xBF) return errc::value_out_of_range;
        out.push_back(static_cast<byte>(s->size()));
        out.insert(out.end(), s->rbegin(), s->rend());
        return out;
    }
    if (const auto* b = std::get_if<bytes>(&v)) {
        // Past F4 the readings of F0-FA disagree (see read_lvar): such binary is not sent.
        const std::size_t n = b->size();
        if (n <= 15)
            out.push_back(static_cast<byte>(0xE0 + n));
        else if (n <= 32 && n % 4 == 0)
            out.push_back(static_cast<byte>(0xEC + n / 4));
        else
            return errc::value_out_of_range;
        out.insert(out.end(), b->begin(), b->end());
        return out;
    }
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        if (*i == std::numeric_limits<std::int64_t>::min()) return errc::value_out_of_range;
        const bool neg = *i < 0;
        const std::int64_t mag = neg ? -*i : *i;
        // An even number of digits: one more when the count is odd.
        const auto width = fmt::formatted_size("{}", mag);
        const auto digits = fmt::format("{:0{}}", mag, width + width % 2);
        const std::size_t n = digits.size() / 2;
        if (n > 9) return errc::value_out_of_range;
        auto payload = hex_digits_to_bcd(digits, n);
        out.push_back(static_cast<byte>((neg ? 0xD0 : 0xC0) + n));
        out.insert(out.end(), payload->begin(), payload->end());
        return out;
    }
    if (const auto* ib = std::get_if<invalid_bcd>(&v)) {
        std::string_view d = ib->digits;
        const bool neg = !d.empty() && d[0] == '-';
        if (neg) d.remove_prefix(1);
        if (d.size() % 2 != 0 || d.size() > 18) return errc::value_out_of_range;
        auto payload = hex_digits_to_bcd(d, d.size() / 2);
        if (!payload) return unexpected(payload.error());
        out.push_back(static_cast<byte>((neg ? 0xD0 : 0xC0) + d.size() / 2));
        out.insert(out.end(), payload->begin(), payload->end());
        return out;
    }
    return errc::invalid_value;
}

result<bytes> encode_time_point(data_coding c, const value& v) {
    bytes out;
    if (const auto* d = std::get_if<date>(&v)) {
        if (c != data_coding::int16) return errc::invalid_value;
        if (d->year > 127 || d->month > 15 || d->day > 31) return errc::value_out_of_range;
        out.push_back(static_cast<byte>(d->day | (d->year & 0x07) << 5));
        out.push_back(static_cast<byte>(d->month | (d->year & 0x78) << 1));
        return out;
    }
    if (const auto* t = std::get_if<time_of_day>(&v)) {
        if (c != data_coding::int24) return errc::invalid_value;
        if (t->hour > 31 || t->minute > 63 || t->second > 63) return errc::value_out_of_range;
        return bytes{t->second, t->minute, t->hour};
    }
    const auto& d = std::get<date_time>(v);
    if (d.year > 127 || d.month > 15 || d.day > 31 || d.hour > 31 || d.minute > 63 || d.second > 63 ||
        d.hundred_year > 3 || d.day_of_week > 7 || d.week > 63)
        return errc::value_out_of_range;
    if (c == data_coding::int32) {
        if (d.second != 0 || d.day_of_week != 0 || d.week != 0) return errc::invalid_value;
        out.push_back(static_cast<byte>(d.minute | (d.invalid ? 0x80 : 0)));
        out.push_back(static_cast<byte>(d.hour | d.hundred_year << 5 | (d.summer_time ? 0x80 : 0)));
        out.push_back(static_cast<byte>(d.day | (d.year & 0x07) << 5));
        out.push_back(static_cast<byte>(d.month | (d.year & 0x78) << 1));
        return out;
    }
    if (c == data_coding::int48) {
        if (d.hundred_year != 0 || d.invalid || d.summer_time) return errc::invalid_value;
        out.push_back(d.second);
        out.push_back(d.minute);
        out.push_back(static_cast<byte>(d.hour | d.day_of_week << 5));
        out.push_back(static_cast<byte>(d.day | (d.year & 0x07) << 5));
        out.push_back(static_cast<byte>(d.month | (d.year & 0x78) << 1));
        out.push_back(d.week);
        return out;
    }
    return errc::invalid_value;
}

} // namespace

int full_year(std::uint8_t year_field, std::uint8_t hundred_year) {
    if (hundred_year != 0) return 1900 + 100 * hundred_year + year_field;
    return year_field <= 80 ? 2000 + year_field : 1900 + year_field;
}

result<value> decode_value(data_coding c, bytes_view field, bool time_point) {
    if (c == data_coding::variable) return decode_variable(field);
    if (c == data_coding::special) return value{bytes(field.begin(), field.end())};
    const std::size_t n = *coding_size(c);
    if (field.size() != n) return meaning_errc::wrong_data_size;
    if (n == 0) return value{};
    if (is_bcd(c)) return decode_bcd(field);
    if (c == data_coding::real32) {
        const auto u = static_cast<std::uint32_t>(read_le(field));
        float f = 0;
        std::memcpy(&f, &u, sizeof f);
        return value{static_cast<double>(f)};
    }
    if (value tp; time_point && detail::decode_time_point(n, field, [&tp](const auto& v) { tp = v; }))
        return tp;
    return value{sign_extend(read_le(field), n)};
}

result<bytes> encode_value(data_coding c, const value& v) {
    if (c == data_coding::variable) return encode_variable(v);
    if (c == data_coding::special) {
        if (const auto* b = std::get_if<bytes>(&v)) return *b;
        return errc::invalid_value;
    }
    const std::size_t n = *coding_size(c);
    if (const auto* b = std::get_if<bytes>(&v)) {
        if (b->size() != n) return errc::value_out_of_range;
        return *b;
    }
    if (n == 0) {
        if (std::holds_alternative<std::monostate>(v)) return bytes{};
        return errc::invalid_value;
    }
    if (std::holds_alternative<date>(v) || std::holds_alternative<date_time>(v) ||
        std::holds_alternative<time_of_day>(v))
        return encode_time_point(c, v);
    if (is_bcd(c)) {
        if (const auto* i = std::get_if<std::int64_t>(&v)) return encode_bcd(*i, n);
        if (const auto* ib = std::get_if<invalid_bcd>(&v)) return hex_digits_to_bcd(ib->digits, n);
        return errc::invalid_value;
    }
    if (c == data_coding::real32) {
        double d = 0;
        if (const auto* x = std::get_if<double>(&v))
            d = *x;
        else if (const auto* i = std::get_if<std::int64_t>(&v))
            d = static_cast<double>(*i);
        else
            return errc::invalid_value;
        if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max()))
            return errc::value_out_of_range;
        const auto f = static_cast<float>(d);
        std::uint32_t u = 0;
        std::memcpy(&u, &f, sizeof u);
        bytes out;
        write_le(out, u, 4);
        return out;
    }
    const auto* i = std::get_if<std::int64_t>(&v);
    if (i == nullptr) return errc::invalid_value;
    if (n < 8) {
        const std::int64_t hi = (std::int64_t{1} << (8 * n - 1)) - 1;
        if (*i > hi || *i < -hi - 1) return errc::value_out_of_range;
    }
    bytes out;
    write_le(out, static_cast<std::uint64_t>(*i), n);
    return out;
}

std::optional<double> scaled_value(const value& v, int exponent) {
    double raw = 0;
    if (const auto* i = std::get_if<std::int64_t>(&v))
        raw = static_cast<double>(*i);
    else if (const auto* d = std::get_if<double>(&v))
        raw = *d;
    else
        return std::nullopt;
    return exponent < 0 ? raw / pow10(-exponent) : raw * pow10(exponent);
}

result<std::int64_t> raw_from_scaled(double scaled, int exponent) {
    const double raw = exponent < 0 ? scaled * pow10(-exponent) : scaled / pow10(exponent);
    const double r = std::round(raw);
    // 2^63 is exactly representable; anything at or above it does not fit.
    if (!std::isfinite(r) || r >= 9223372036854775808.0 || r < -9223372036854775808.0)
        return errc::value_out_of_range;
    return static_cast<std::int64_t>(r);
}

namespace {
std::optional<std::uint8_t> year_field(int year) {
    if (year >= 2000 && year <= 2080) return static_cast<std::uint8_t>(year - 2000);
    if (year >= 1981 && year <= 1999) return static_cast<std::uint8_t>(year - 1900);
    return std::nullopt;
}
} // namespace

result<date> make_date(int year, unsigned month, unsigned day) {
    const auto y = year_field(year);
    if (!y || month < 1 || month > 12 || day < 1 || day > 31) return errc::value_out_of_range;
    return date{*y, static_cast<std::uint8_t>(month), static_cast<std::uint8_t>(day)};
}

result<date_time> make_date_time(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                                 unsigned second) {
    const auto d = make_date(year, month, day);
    if (!d || hour > 23 || minute > 59 || second > 59) return errc::value_out_of_range;
    date_time t;
    t.year = d->year;
    t.month = d->month;
    t.day = d->day;
    t.hour = static_cast<std::uint8_t>(hour);
    t.minute = static_cast<std::uint8_t>(minute);
    t.second = static_cast<std::uint8_t>(second);
    return t;
}

result<date_time> date_time_from(wall_time t) {
    using namespace std::chrono;
    const auto day_point = floor<days>(t);
    const year_month_day ymd{day_point};
    const hh_mm_ss hms{floor<seconds>(t - day_point)};
    return make_date_time(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()), static_cast<unsigned>(hms.hours().count()),
                          static_cast<unsigned>(hms.minutes().count()),
                          static_cast<unsigned>(hms.seconds().count()));
}

std::string to_string(const date& d) {
    return fmt::format("{:04}-{:02}-{:02}", d.full_year(), d.month, d.day);
}

std::string to_string(const date_time& d) {
    auto s = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}", d.full_year(), d.month, d.day, d.hour, d.minute);
    if (d.second != 0 || d.day_of_week != 0 || d.week != 0) s += fmt::format(":{:02}", d.second);
    return s;
}

std::string to_string(const time_of_day& t) {
    return fmt::format("{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
}

std::string to_string(const value& v) {
    struct visitor {
        std::string operator()(std::monostate) const { return ""; }
        std::string operator()(std::int64_t i) const { return fmt::format("{}", i); }
        std::string operator()(double d) const { return fmt::format("{}", d); }
        std::string operator()(const invalid_bcd& b) const { return b.digits; }
        std::string operator()(const std::string& s) const { return s; }
        std::string operator()(const bytes& b) const { return to_hex(b, ""); }
        std::string operator()(const date& d) const { return to_string(d); }
        std::string operator()(const date_time& d) const { return to_string(d); }
        std::string operator()(const time_of_day& t) const { return to_string(t); }
    };
    return std::visit(visitor{}, v);
}

std::ostream& operator<<(std::ostream& os, const date& d) { return os << to_string(d); }
std::ostream& operator<<(std::ostream& os, const date_time& d) {
    os << to_string(d);
    if (d.invalid) os << " (invalid)";
    if (d.summer_time) os << " (summer time)";
    if (d.hundred_year != 0) os << " (hundred year " << int{d.hundred_year} << ')';
    return os;
}
std::ostream& operator<<(std::ostream& os, const time_of_day& t) { return os << to_string(t); }
std::ostream& operator<<(std::ostream& os, const invalid_bcd& b) { return os << "BCD " << b.digits; }
std::ostream& operator<<(std::ostream& os, const value& v) {
    std::visit(
        [&os](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                os << "(none)";
            else if constexpr (std::is_same_v<T, std::string>)
                os << '"' << x << '"';
            else if constexpr (std::is_same_v<T, bytes>)
                os << '[' << to_hex(x) << ']';
            else
                os << x;
        },
        v);
    return os;
}

} // namespace mbus::app
