// The rules of record_spec.hpp's "checking a description" part: what a person may write for a
// record's value and VIF. The words are the ones scenario files report.
#include <mbus/app/record_spec.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <ostream>

#include <fmt/format.h>

namespace mbus::app {

namespace {

std::int64_t pow10_int(int n) {
    std::int64_t x = 1;
    for (int i = 0; i < n; ++i)
        x *= 10;
    return x;
}

// 10^e as a person writes it: 0.001, 1, 100.
std::string power_text(int e) { return fmt::format("{}", std::pow(10.0, e)); }

std::string value_text(const value_scale& scale, double x, double raw) {
    if (scale.shift == 0) return fmt::format("value {}", x);
    return fmt::format("value {} ({} in steps of {})", x, raw, scale.step_text());
}

spec_problem about_value(std::string reason) { return {"value", std::move(reason)}; }

// Dates and times go only into a time point record, and only in the codings of their type.
std::optional<std::string> coding_problem(data_coding c, std::string_view what,
                                          std::initializer_list<data_coding> codings,
                                          std::string_view which) {
    if (std::find(codings.begin(), codings.end(), c) != codings.end()) return std::nullopt;
    return fmt::format("{} needs type {}, not {}", what, which, name(c));
}

} // namespace

std::ostream& operator<<(std::ostream& os, const spec_problem& p) {
    return os << p.field << ": " << p.reason;
}

std::optional<integer_range> coding_range(data_coding c, bool signed_bcd) {
    switch (c) {
    case data_coding::int8:
    case data_coding::int16:
    case data_coding::int24:
    case data_coding::int32:
    case data_coding::int48: {
        const auto bits = 8 * static_cast<int>(*coding_size(c));
        const std::int64_t hi = (std::int64_t{1} << (bits - 1)) - 1;
        return integer_range{-hi - 1, hi};
    }
    case data_coding::int64:
        return integer_range{std::numeric_limits<std::int64_t>::min(),
                             std::numeric_limits<std::int64_t>::max()};
    case data_coding::bcd2:
    case data_coding::bcd4:
    case data_coding::bcd6:
    case data_coding::bcd8:
    case data_coding::bcd12: {
        const int digits = 2 * static_cast<int>(*coding_size(c));
        return integer_range{signed_bcd ? -(pow10_int(digits - 1) - 1) : 0, pow10_int(digits) - 1};
    }
    case data_coding::variable: return integer_range{-(pow10_int(18) - 1), pow10_int(18) - 1}; // LVAR C9 / D9
    default: return std::nullopt;
    }
}

std::optional<std::string> fit_problem(data_coding c, bool signed_bcd, double raw) {
    if (c == data_coding::real32) {
        if (std::fabs(raw) <= FLT_MAX) return std::nullopt;
        return "does not fit real32";
    }
    const auto r = coding_range(c, signed_bcd);
    if (!r) return std::nullopt;
    if (raw < 0 && is_bcd(c) && !signed_bcd)
        return fmt::format(
            "is negative: {} cannot hold it (set signed_bcd = true to send it with F in the top digit)",
            name(c));
    // int64's limits are not exact doubles: 2^63 compares equal to the max yet does not convert.
    if (raw < static_cast<double>(r->min) || raw > static_cast<double>(r->max) || raw >= 0x1p63)
        return fmt::format("does not fit {} ({}..{})", name(c), r->min, r->max);
    return std::nullopt;
}

std::string value_scale::step_text() const {
    const auto step = power_text(-shift);
    return unit_text.empty() ? step : step + " " + unit_text;
}

checked<value> value_from_number(double x, data_coding c, bool signed_bcd, const value_scale& scale) {
    const double raw = x * std::pow(10.0, scale.shift);
    if (c == data_coding::real32) {
        if (const auto why = fit_problem(c, signed_bcd, raw))
            return about_value(value_text(scale, x, raw) + " " + *why);
        return value{raw};
    }
    if (!is_integer(c) && !is_bcd(c) && c != data_coding::variable)
        return about_value(fmt::format("a number cannot be sent as {}", name(c)));
    const double whole = std::round(raw);
    // A value finer than the record sends would be changed on the way out: say so instead.
    if (std::fabs(whole - raw) > 1e-6 * std::max(1.0, std::fabs(raw)))
        return about_value(
            fmt::format("value {} is finer than the record's resolution ({})", x, scale.step_text()));
    if (const auto why = fit_problem(c, signed_bcd, whole))
        return about_value(value_text(scale, x, whole) + " " + *why);
    return value{static_cast<std::int64_t>(whole)};
}

std::optional<std::string> range_problem(std::string_view what, double lo, double hi, data_coding c,
                                         bool signed_bcd, const value_scale& scale) {
    const double k = std::pow(10.0, scale.shift);
    for (const double x : {lo, hi}) {
        const double raw = std::round(x * k);
        if (const auto why = fit_problem(c, signed_bcd, raw))
            return (scale.shift == 0
                        ? fmt::format("{} {}, which", what, x)
                        : fmt::format("{} {} ({} in steps of {}), which", what, x, raw, scale.step_text())) +
                   " " + *why;
    }
    return std::nullopt;
}

checked<int> resolution_exponent(double resolution) {
    if (resolution > 0) {
        const double e = std::log10(resolution);
        if (std::fabs(e - std::round(e)) < 1e-9) return static_cast<int>(std::lround(e));
    }
    return spec_problem{
        "resolution",
        fmt::format("resolution {} is not a power of ten (0.001, 0.01, 1, 10, ...)", resolution)};
}

checked<vif_choice> choose_vif(quantity q, const std::optional<scaled_unit>& unit, std::string_view unit_text,
                               int step) {
    const auto su = unit.value_or(scaled_unit{});
    if (const auto code = find_vif(q, su.u, su.exponent + step))
        return vif_choice{*code, su.u, su.exponent + step, su.exponent};
    bool unit_fits = false;
    for (int e = -15; e <= 15 && !unit_fits; ++e)
        unit_fits = find_vif(q, su.u, e).has_value();
    if (!unit_fits && !unit)
        return spec_problem{"quantity",
                            fmt::format("{} needs a unit; it can be sent as: {}", name(q), vif_options(q))};
    if (!unit_fits)
        return spec_problem{"unit", fmt::format("{} is not measured in \"{}\"; it can be sent as: {}",
                                                name(q), unit_text, vif_options(q))};
    return spec_problem{"unit", fmt::format("no VIF sends {} in steps of {}{}{}; the codes cover: {}",
                                            name(q), power_text(step), unit_text.empty() ? "" : " ",
                                            unit_text, vif_options(q))};
}

std::optional<spec_problem> plain_unit_problem(quantity q, bool has_plain_unit) {
    if (has_plain_unit && q != quantity::plain_text_unit)
        return spec_problem{"plain_unit", "only quantity \"plain_text_unit\" (VIF 7C) takes a plain unit"};
    if (!has_plain_unit && q == quantity::plain_text_unit)
        return spec_problem{"quantity", "plain_text_unit needs plain_unit = \"...\" (the unit's text)"};
    return std::nullopt;
}

std::optional<std::string> unit_problem(const vib_meaning& vib, const scaled_unit& u,
                                        std::string_view unit_text) {
    if (u.u == vib.u) return std::nullopt;
    return fmt::format("unit \"{}\" does not measure what the VIF sends ({})", unit_text,
                       vib.unit_text.empty() ? "no unit" : vib.unit_text);
}

std::optional<std::string> time_point_problem(const vib_meaning& vib, std::string_view what) {
    if (vib.time_point) return std::nullopt;
    return fmt::format("{} needs a date or time record (quantity \"date\" or \"date_time\"), not {}", what,
                       name(vib.q));
}

checked<value> value_from_date(const vib_meaning& vib, data_coding c, int year, unsigned month,
                               unsigned day) {
    if (auto why = time_point_problem(vib, "a date")) return about_value(std::move(*why));
    if (auto why = coding_problem(c, "a date", {data_coding::int16}, "int16 (type G)"))
        return about_value(std::move(*why));
    const auto r = make_date(year, month, day);
    if (!r)
        return about_value(
            fmt::format("date cannot be sent: {} (years 1981..2080 fit)", r.error().message()));
    return value{*r};
}

checked<value> value_from_time(const vib_meaning& vib, data_coding c, unsigned hour, unsigned minute,
                               unsigned second) {
    if (auto why = time_point_problem(vib, "a time")) return about_value(std::move(*why));
    if (auto why = coding_problem(c, "a time", {data_coding::int24}, "int24 (type J)"))
        return about_value(std::move(*why));
    return value{time_of_day{static_cast<std::uint8_t>(hour), static_cast<std::uint8_t>(minute),
                             static_cast<std::uint8_t>(second)}};
}

checked<value> value_from_date_time(const vib_meaning& vib, data_coding c, int year, unsigned month,
                                    unsigned day, unsigned hour, unsigned minute, unsigned second,
                                    bool with_utc_offset) {
    if (auto why = time_point_problem(vib, "a date-time")) return about_value(std::move(*why));
    if (auto why = coding_problem(c, "a date-time", {data_coding::int32, data_coding::int48},
                                  "int32 (type F) or int48 (type I)"))
        return about_value(std::move(*why));
    if (with_utc_offset) return about_value("a meter keeps local time: leave out the UTC offset");
    if (c == data_coding::int32 && second != 0)
        return about_value("type F (int32) holds minutes: the seconds must be 0, or use int48 (type I)");
    const auto r = make_date_time(year, month, day, hour, minute, second);
    if (!r)
        return about_value(
            fmt::format("date-time cannot be sent: {} (years 1981..2080 fit)", r.error().message()));
    return value{*r};
}

checked<record_head> split_record_head(bytes_view b) {
    const auto raw = [](std::string reason) { return spec_problem{"raw", std::move(reason)}; };
    if (b.empty()) return raw("raw needs at least the DIF byte");
    record_head h;
    h.d.dif = b[0];
    std::size_t i = 1;
    bool more = (b[0] & 0x80) != 0;
    while (more) {
        if (i >= b.size()) return raw("the last DIF/DIFE announces a DIFE (bit 7) that is not there");
        h.d.dife.push_back(b[i]);
        more = (b[i++] & 0x80) != 0;
    }
    const auto dif = h.d.dif;
    if (coding_of(dif) == data_coding::special) {
        if (dif != special_dif::manufacturer_specific && dif != special_dif::more_records_follow &&
            dif != special_dif::idle_filler)
            return raw(fmt::format("DIF {:02X} is not one a meter sends (0F, 1F and 2F are)", dif));
        if (i != b.size()) return raw(fmt::format("DIF {:02X} has no VIF: put its bytes in data", dif));
        return h;
    }
    if (i >= b.size()) return raw("raw needs the VIF after the DIF");
    auto v = parse_vib(b.subspan(i));
    if (!v) return raw(fmt::format("the VIF bytes cannot be read: {}", v.error().message()));
    h.v = std::move(*v);
    return h;
}

std::optional<std::string> data_problem(const dib& d, std::size_t size) {
    if (d.dif == special_dif::idle_filler) {
        if (size == 0) return std::nullopt;
        return "an idle filler (DIF 2F) has no data";
    }
    const auto coding = coding_of(d.dif);
    if (const auto want = coding_size(coding); want && *want != size)
        return fmt::format("data has {} bytes but DIF {:02X} ({}) carries {}", size, d.dif, name(coding),
                           *want);
    return std::nullopt;
}

std::optional<data_coding> usual_coding(const vib_meaning& vib) {
    if (!vib.time_point) return std::nullopt;
    return vib.q == quantity::date ? data_coding::int16 : data_coding::int32;
}

} // namespace mbus::app
