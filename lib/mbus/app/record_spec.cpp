#include <mbus/app/codec.hpp>
#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/meaning_errc.hpp>
#include <mbus/app/record_spec.hpp>

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <ostream>

namespace mbus::app {

namespace {

constexpr byte extension_bit = 0x80;

bool is_time_value(const value& v) {
    return std::holds_alternative<date>(v) || std::holds_alternative<date_time>(v) ||
           std::holds_alternative<time_of_day>(v);
}

template <class Int>
void append_decimal(std::string& s, Int v) {
    const fmt::format_int text(v);
    s.append(text.data(), text.size());
}

// ", storage 1, tariff 2" in brackets after the quantity, or nothing.
void append_where(std::string& s, const dib_meaning& d) {
    bool any = false;
    const auto part = [&] {
        s += any ? ", " : " (";
        any = true;
    };
    if (d.function != function_kind::instantaneous) {
        part();
        s += name(d.function);
    }
    if (d.storage != 0) {
        part();
        s += "storage ";
        append_decimal(s, d.storage);
    }
    if (d.tariff != 0) {
        part();
        s += "tariff ";
        append_decimal(s, d.tariff);
    }
    if (d.subunit != 0) {
        part();
        s += "subunit ";
        append_decimal(s, d.subunit);
    }
    if (any) s += ')';
}

} // namespace

result<record> encode_record(const record_spec& s) {
    auto d = encode_dib({s.function, s.storage, s.tariff, s.subunit, s.coding, s.min_dife});
    if (!d) return unexpected(d.error());

    result<vib> v = errc::invalid_value;
    if (s.raw_vib) {
        v = *s.raw_vib;
    } else {
        std::optional<vif_code> c = s.code;
        if (!c) c = find_vif(s.q, s.u, s.exponent);
        if (!c) return meaning_errc::no_vif_code;
        v = encode_vib(*c, s.plain_text_unit, s.extra_vife);
    }
    if (!v) return unexpected(v.error());

    if (is_time_value(s.v)) {
        const auto vm = describe(*v);
        if (!vm || !vm->time_point) return errc::invalid_value;
    }
    auto data = encode_value(s.coding, s.v);
    if (!data) return unexpected(data.error());
    return record{*d, std::move(*v), std::move(*data)};
}

record manufacturer_data_record(bytes data, bool more_records_follow) {
    record r;
    r.dib.dif = more_records_follow ? special_dif::more_records_follow : special_dif::manufacturer_specific;
    r.data = std::move(data);
    return r;
}

record idle_filler_record() {
    record r;
    r.dib.dif = special_dif::idle_filler;
    return r;
}

result<vib> parse_vib(bytes_view b) {
    if (b.empty()) return errc::premature_end_at_vif;
    vib v;
    std::size_t i = 0;
    v.vif = b[i++];
    if ((v.vif & 0x7F) == 0x7C) {
        if (i >= b.size()) return errc::premature_end_at_plain_vif;
        const std::size_t len = b[i++];
        if (i + len > b.size()) return errc::premature_end_at_plain_vif;
        v.plain_text.assign(b.begin() + static_cast<std::ptrdiff_t>(i),
                            b.begin() + static_cast<std::ptrdiff_t>(i + len));
        i += len;
    }
    bool more = (v.vif & extension_bit) != 0;
    while (more) {
        if (i >= b.size()) return errc::premature_end_at_vif;
        v.vife.push_back(b[i]);
        more = (b[i++] & extension_bit) != 0;
    }
    if (i != b.size()) return errc::invalid_value;
    return v;
}

void append_text(std::string& s, const record_meaning& m) {
    switch (m.kind) {
    case record_kind::manufacturer_data:
        s += "Manufacturer specific data: ";
        s += to_hex(std::get<bytes>(m.raw));
        return;
    case record_kind::more_records_follow:
        s += "More records follow; manufacturer specific data: ";
        s += to_hex(std::get<bytes>(m.raw));
        return;
    case record_kind::idle_filler: s += "Idle filler"; return;
    case record_kind::data: break;
    }
    const auto& v = *m.vib;
    if (v.q == quantity::unknown)
        fmt::format_to(std::back_inserter(s), "Reserved VIF {} {:02X}", name(v.code.table), v.code.code);
    else
        s += description(v.q);
    for (const auto& n : v.notes) {
        s += " [";
        s += n;
        s += ']';
    }
    append_where(s, m.dib);
    s += " = ";
    if (m.scaled)
        fmt::format_to(std::back_inserter(s), FMT_COMPILE("{}"), *m.scaled); // as fmt::format("{}")
    else
        s += to_string(m.raw);
    if (!v.unit_text.empty() && (m.scaled || std::holds_alternative<invalid_bcd>(m.raw))) {
        s += ' ';
        s += v.unit_text;
    }
}

result<record_meaning> describe_fields(const record_view& r) {
    record_meaning m;
    m.dib = describe_dib(r.dif, r.dife);
    switch (r.dif) {
    case special_dif::manufacturer_specific:
    case special_dif::more_records_follow:
        m.kind = r.dif == special_dif::manufacturer_specific ? record_kind::manufacturer_data
                                                             : record_kind::more_records_follow;
        m.raw = bytes(r.data.begin(), r.data.end());
        return m;
    case special_dif::idle_filler: m.kind = record_kind::idle_filler; return m;
    default: break;
    }
    if (!r.has_vib) return errc::premature_end_at_vif;
    auto v = describe_vib(r.vif, r.plain_text, r.vife);
    if (!v) return unexpected(v.error());
    auto raw = decode_value(m.dib.coding, r.data, v->time_point);
    if (!raw) return unexpected(raw.error());
    m.raw = std::move(*raw);
    m.scaled = scaled_value(m.raw, v->exponent);
    if (m.scaled && v->additive_exponent) m.scaled = *m.scaled + std::pow(10.0, *v->additive_exponent);
    m.vib = std::move(*v);
    return m;
}

result<record_meaning> describe(const record& r) {
    auto m = describe_fields(view_of(r));
    if (m) append_text(m->text, *m);
    return m;
}

result<record_spec> to_spec(const record_meaning& m) {
    if (m.kind != record_kind::data || !m.vib) return meaning_errc::not_a_data_record;
    record_spec s;
    s.function = m.dib.function;
    s.storage = m.dib.storage;
    s.tariff = m.dib.tariff;
    s.subunit = m.dib.subunit;
    s.min_dife = m.dib.min_dife;
    s.coding = m.dib.coding;
    const auto& v = *m.vib;
    if (v.q != quantity::unknown && find_vif(v.q, v.vif_unit, v.vif_exponent) == v.code) {
        s.q = v.q;
        s.u = v.vif_unit;
        s.exponent = v.vif_exponent;
    } else {
        s.code = v.code;
    }
    s.plain_text_unit = v.plain_text_unit;
    s.extra_vife = v.combinable;
    s.v = m.raw;
    return s;
}

std::string_view name(record_kind k) {
    switch (k) {
    case record_kind::data: return "data";
    case record_kind::manufacturer_data: return "manufacturer_data";
    case record_kind::more_records_follow: return "more_records_follow";
    case record_kind::idle_filler: return "idle_filler";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, const record_spec& s) {
    os << '{' << name(s.function) << " storage=" << s.storage << " tariff=" << s.tariff
       << " subunit=" << s.subunit;
    if (s.raw_vib)
        os << " vib=" << record{{}, s.raw_vib, {}};
    else if (s.code)
        os << " code=" << *s.code;
    else
        os << ' ' << s.q << ' ' << s.u << " 10^" << s.exponent;
    if (!s.plain_text_unit.empty()) os << " text=\"" << s.plain_text_unit << '"';
    if (!s.extra_vife.empty()) os << " vife=[" << to_hex(s.extra_vife) << ']';
    return os << ' ' << s.coding << ' ' << s.v << '}';
}

std::ostream& operator<<(std::ostream& os, const record_meaning& m) { return os << m.text; }

} // namespace mbus::app
