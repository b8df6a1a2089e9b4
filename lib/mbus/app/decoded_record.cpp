#include <mbus/app/decoded_record.hpp>
#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/detail/numbers.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/meaning_errc.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace mbus::app {

namespace {

using detail::pow10;
using detail::read_le;
using detail::sign_extend;

// BCD as value.cpp reads it, nibble by nibble from the most significant: all decimal is the number;
// in a fixed-size field (type A) a leading F then decimals is its negative; anything else is
// invalid. Variable-length BCD (LVAR C0-C9 / D0-D9) has its sign in the LVAR and no leading F.
void read_bcd(bytes_view b, bool negative, bool sign_nibble, decoded_record& out) {
    std::int64_t v = 0;
    bool leading_f = false;
    const std::size_t n = b.size();
    for (std::size_t i = n; i > 0; --i) {
        const int hi = b[i - 1] >> 4;
        const int lo = b[i - 1] & 0x0F;
        bool valid = lo <= 9;
        if (hi <= 9)
            v = v * 10 + hi;
        else if (i == n && hi == 0x0F && sign_nibble)
            leading_f = true;
        else
            valid = false;
        if (!valid) {
            out.kind_of_value = value_kind::invalid_bcd;
            out.negative_bcd = negative;
            out.field = b;
            return;
        }
        v = v * 10 + lo;
    }
    out.kind_of_value = value_kind::integer;
    out.integer = negative || leading_f ? -v : v;
}

// The date types as value.cpp reads them: false when the pattern has bits the type leaves reserved.
bool read_time_point(bytes_view b, decoded_record& out) {
    return detail::decode_time_point(b.size(), b, [&out](const auto& v) {
        using type = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<type, date>) {
            out.kind_of_value = value_kind::date;
            out.day = v;
        } else if constexpr (std::is_same_v<type, time_of_day>) {
            out.kind_of_value = value_kind::time_of_day;
            out.clock = v;
        } else {
            out.kind_of_value = value_kind::date_time;
            out.moment = v;
        }
    });
}

// value.cpp's decode_variable (LVAR first): the same lengths accepted, the same errors.
std::error_code read_variable(bytes_view f, decoded_record& out) {
    if (f.empty()) return meaning_errc::wrong_data_size;
    const byte l = f[0];
    const auto payload = f.subspan(1);
    const std::size_t n = payload.size();
    if (l <= 0xBF) {
        if (n != l) return meaning_errc::bad_lvar;
        out.kind_of_value = value_kind::text;
        out.field = payload;
        return {};
    }
    if ((l >= 0xC0 && l <= 0xC9) || (l >= 0xD0 && l <= 0xD9)) {
        if (n != static_cast<std::size_t>(l & 0x0F)) return meaning_errc::bad_lvar;
        read_bcd(payload, l >= 0xD0, false, out);
        return {};
    }
    if (l >= 0xE0 && l <= 0xEF) {
        if (n != static_cast<std::size_t>(l - 0xE0)) return meaning_errc::bad_lvar;
        out.kind_of_value = value_kind::binary;
        out.field = payload;
        return {};
    }
    if (l >= 0xF0 && l <= 0xFA) {
        const auto libmbus = static_cast<std::size_t>(4 * (l - 0xEC));
        const std::size_t y2013 = l == 0xF5 ? 48 : l == 0xF6 ? 64 : libmbus;
        const auto y2004 = static_cast<std::size_t>(l - 0xF0);
        if (n != libmbus && n != y2013 && n != y2004) return meaning_errc::bad_lvar;
        out.kind_of_value = value_kind::binary;
        out.field = payload;
        return {};
    }
    return meaning_errc::bad_lvar;
}

// decode_value() into the lean record.
std::error_code read_value(data_coding c, bytes_view f, bool time_point, decoded_record& out) {
    if (c == data_coding::variable) return read_variable(f, out);
    out.field = f;
    if (c == data_coding::special) {
        out.kind_of_value = value_kind::binary;
        return {};
    }
    // coding_size() and is_bcd() (dif.cpp) as tables: every record asks.
    static constexpr std::array<std::uint8_t, 16> sizes{0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, 0, 6, 0};
    static constexpr std::uint16_t bcd_codings = 1U << 0x9 | 1U << 0xA | 1U << 0xB | 1U << 0xC | 1U << 0xE;
    const auto nibble = static_cast<unsigned>(c);
    const std::size_t n = sizes[nibble];
    if (f.size() != n) return meaning_errc::wrong_data_size;
    if (n == 0) return {};
    if (((bcd_codings >> nibble) & 1U) != 0) {
        read_bcd(f, false, true, out);
        return {};
    }
    if (c == data_coding::real32) {
        const auto u = static_cast<std::uint32_t>(read_le(f));
        float x = 0;
        std::memcpy(&x, &u, sizeof x);
        out.kind_of_value = value_kind::real;
        out.real = static_cast<double>(x);
        return {};
    }
    if (time_point && read_time_point(f, out)) return {};
    out.kind_of_value = value_kind::integer;
    out.integer = sign_extend(read_le(f), n);
    return {};
}

} // namespace

namespace {

// decode_record on a record whose fields hold their defaults.
void fill(const record_view& r, decoded_record& out) {
    out.wire = r.wire;
    // describe_dib's fields (but min_dife, which only encoding needs).
    out.coding = coding_of(r.dif);
    out.function = function_of(r.dif);
    out.storage = (r.dif >> 6) & 0x01;
    unsigned i = 0;
    for (const byte e : r.dife) {
        if (i >= 10) break;
        out.storage |= static_cast<std::uint64_t>(e & 0x0F) << (1 + 4 * i);
        out.tariff |= static_cast<std::uint32_t>((e >> 4) & 0x03) << (2 * i);
        out.subunit = static_cast<std::uint16_t>(out.subunit | ((e >> 6) & 0x01) << i);
        ++i;
    }
    switch (r.dif) {
    case special_dif::manufacturer_specific:
    case special_dif::more_records_follow:
        out.kind = r.dif == special_dif::manufacturer_specific ? record_kind::manufacturer_data
                                                               : record_kind::more_records_follow;
        out.kind_of_value = value_kind::binary;
        out.field = r.data;
        return;
    case special_dif::idle_filler: out.kind = record_kind::idle_filler; return;
    default: break;
    }
    if (!r.has_vib) {
        out.error = errc::premature_end_at_vif;
        return;
    }
    if (const auto e = read_vib(r.vif, r.vife, out.vib)) {
        out.vib = {};
        out.error = e;
        return;
    }
    const vib_essentials* const v = &out.vib;
    out.quantity_text = description(v->q);
    out.unit_symbol = symbol(v->u);
    out.plain_text = r.plain_text;
    out.vife = r.vife;
    if (const auto e = read_value(out.coding, r.data, v->time_point, out)) {
        out.kind_of_value = value_kind::none;
        out.field = {};
        out.error = e;
        return;
    }
    if (out.kind_of_value == value_kind::integer || out.kind_of_value == value_kind::real) {
        // scaled_value()'s arithmetic (value.cpp), operation for operation: the same doubles.
        const double raw =
            out.kind_of_value == value_kind::integer ? static_cast<double>(out.integer) : out.real;
        out.has_scaled = true;
        out.scaled = v->exponent < 0 ? raw / pow10(-v->exponent) : raw * pow10(v->exponent);
        if (v->has_additive) out.scaled = out.scaled + std::pow(10.0, v->additive_exponent);
    }
}

} // namespace

void decode_record(const record_view& r, decoded_record& out) {
    out = decoded_record{};
    fill(r, out);
}

std::error_code decode_records(const variable_view& v, std::vector<decoded_record>& out) {
    out.clear();
    auto c = v.cursor();
    while (const auto r = c.next())
        fill(*r, out.emplace_back());
    return c.error();
}

std::string decoded_record::unit_text() const {
    std::string s;
    append_unit_text(s, vib, plain_text, vife);
    return s;
}

std::string decoded_record::text() const { return std::string(field.rbegin(), field.rend()); }

std::string decoded_record::bcd_digits() const {
    static constexpr std::string_view hex = "0123456789ABCDEF";
    std::string s = negative_bcd ? "-" : "";
    for (std::size_t i = field.size(); i > 0; --i) {
        s += hex[field[i - 1] >> 4];
        s += hex[field[i - 1] & 0x0F];
    }
    return s;
}

value decoded_record::to_value() const {
    switch (kind_of_value) {
    case value_kind::none: return {};
    case value_kind::integer: return integer;
    case value_kind::real: return real;
    case value_kind::invalid_bcd: return invalid_bcd{bcd_digits()};
    case value_kind::text: return text();
    case value_kind::binary: return bytes(field.begin(), field.end());
    case value_kind::date: return day;
    case value_kind::date_time: return moment;
    case value_kind::time_of_day: return clock;
    }
    return {};
}

} // namespace mbus::app
