#include <mbus/app/codec.hpp>
#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/detail/json_writer.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/libmbus_tables.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <utility>

// --- JSON text without a DOM ---
// nlohmann::json keeps an object's keys in a std::map: dump() writes them in byte order. The writers
// below write every object's keys in that order by hand; json_test and json_corpus_test compare their text
// with to_json(...).dump() over the corpus, which is what keeps the two the same.

namespace mbus::app::detail {

bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// Fixed data structure units (EN 13757-3 annex; the names libmbus prints).
std::string fixed_unit(unsigned code) {
    static constexpr std::array<std::string_view, 64> names{
        "h,m,s",        "D,M,Y",         "Wh",       "10 Wh",    "100 Wh",   "kWh",      "10 kWh",
        "100 kWh",      "MWh",           "10 MWh",   "100 MWh",  "kJ",       "10 kJ",    "100 kJ",
        "MJ",           "10 MJ",         "100 MJ",   "GJ",       "10 GJ",    "100 GJ",   "W",
        "10 W",         "100 W",         "kW",       "10 kW",    "100 kW",   "MW",       "10 MW",
        "100 MW",       "kJ/h",          "10 kJ/h",  "100 kJ/h", "MJ/h",     "10 MJ/h",  "100 MJ/h",
        "GJ/h",         "10 GJ/h",       "100 GJ/h", "ml",       "10 ml",    "100 ml",   "l",
        "10 l",         "100 l",         "m3",       "10 m3",    "100 m3",   "ml/h",     "10 ml/h",
        "100 ml/h",     "l/h",           "10 l/h",   "100 l/h",  "m3/h",     "10 m3/h",  "100 m3/h",
        "1e-3 C",       "units for HCA", "reserved", "reserved", "reserved", "reserved", "same but historic",
        "without units"};
    return std::string(names[code & 0x3F]);
}

} // namespace mbus::app::detail

namespace mbus::app {

namespace {

using detail::fixed_unit;
using detail::hex_digits;
using detail::printable;
using detail::put_header;
using detail::put_record;

void put_hex(std::string& out, bytes_view b) {
    const std::size_t at = out.size();
    out.resize(at + 2 * b.size());
    char* p = out.data() + at;
    for (const auto c : b) {
        *p++ = hex_digits[c >> 4];
        *p++ = hex_digits[c & 0x0F];
    }
}

// A JSON string as nlohmann's dump() writes it (ensure_ascii off): the two-character escapes it
// knows, \u00xx (lower case) for the other control characters, every other byte as it is.
void put_string(std::string& out, std::string_view s) {
    out += '"';
    std::size_t run = 0; // start of the bytes not yet written, which need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c > 0x1F && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: {
            const char u[6] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 0x0F]};
            out.append(u, sizeof u);
        }
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

// A name from the library's own tables (name(quantity), description(quantity), ...): letters, digits,
// spaces and punctuation other than '"' and '\\', so nothing to escape (json_test checks every one).
void put_name(std::string& out, std::string_view s) {
    const std::size_t at = out.size();
    out.resize(at + s.size() + 2);
    char* p = out.data() + at;
    *p++ = '"';
    p = std::copy(s.begin(), s.end(), p);
    *p = '"';
}

void put_hex_string(std::string& out, bytes_view b) {
    out += '"';
    put_hex(out, b);
    out += '"';
}

template <class Int>
void put_int(std::string& out, Int v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// A double as nlohmann's dump() writes it: "null" for NaN and infinities, else its own conversion
// (Grisu2 and its layout), which dump() calls too: Grisu2 is not always the shortest text that
// reads back (1.9707682098053248e+16 where std::to_chars writes 1.970768209805325e+16), so no
// other conversion gives the same bytes.
void put_double(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buf[64];
    const char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(end - buf));
}

void put_bool(std::string& out, bool b) { out += b ? "true" : "false"; }

// `v` as a quoted string of `digits` upper-case hex digits ("{:08X}", "{:04X}").
void put_hex_number(std::string& out, std::uint32_t v, int digits) {
    out += '"';
    for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4)
        out += hex_digits[(v >> shift) & 0x0F];
    out += '"';
}

// `"key":` (keys here never need escapes), written in place.
void key(std::string& out, std::string_view k, bool first = false) {
    const std::size_t at = out.size();
    out.resize(at + k.size() + (first ? 3 : 4));
    char* p = out.data() + at;
    if (!first) *p++ = ',';
    *p++ = '"';
    p = std::copy(k.begin(), k.end(), p);
    *p++ = '"';
    *p = ':';
}

// put_raw's keys: "raw" and, for hex, "raw_format" (they sort together wherever they stand).
void put_raw_text(std::string& out, const value& v, bool first = false) {
    key(out, "raw", first);
    if (const auto* s = std::get_if<std::string>(&v)) {
        if (printable(*s)) {
            put_string(out, *s);
        } else {
            out += '"';
            for (auto it = s->rbegin(); it != s->rend(); ++it) {
                const auto c = static_cast<unsigned char>(*it);
                out += hex_digits[c >> 4];
                out += hex_digits[c & 0x0F];
            }
            out += "\",\"raw_format\":\"hex\"";
        }
        return;
    }
    if (const auto* b = std::get_if<bytes>(&v)) {
        put_hex_string(out, *b);
        out += ",\"raw_format\":\"hex\"";
        return;
    }
    if (const auto* i = std::get_if<std::int64_t>(&v)) return put_int(out, *i);
    if (const auto* d = std::get_if<double>(&v)) return put_double(out, *d);
    if (std::holds_alternative<std::monostate>(v)) {
        out += "null";
        return;
    }
    put_string(out, to_string(v));
}

void put_status_flags(std::string& out, std::uint8_t s) {
    out += '[';
    bool first = true;
    const auto flag = [&](std::string_view f) {
        if (!first) out += ',';
        first = false;
        put_string(out, f);
    };
    switch (s & 0x03) {
    case 1: flag("application_busy"); break;
    case 2: flag("application_error"); break;
    case 3: flag("abnormal_condition"); break;
    default: break;
    }
    if ((s & 0x04) != 0) flag("power_low");
    if ((s & 0x08) != 0) flag("permanent_error");
    if ((s & 0x10) != 0) flag("temporary_error");
    for (int bit = 5; bit < 8; ++bit) {
        if ((s & (1 << bit)) == 0) continue;
        if (!first) out += ',';
        first = false;
        out += "\"manufacturer_bit_";
        put_int(out, bit);
        out += '"';
    }
    out += ']';
}

} // namespace

void detail::put_header(std::string& out, const header& h) {
    out += '{';
    key(out, "access_number", true);
    put_int(out, h.access_number);
    if (h.address) {
        const auto& a = *h.address;
        key(out, "id");
        put_hex_number(out, a.id, 8); // as id_to_string
        key(out, "manufacturer");
        put_string(out, manufacturer_letters(a.manufacturer));
        key(out, "manufacturer_code");
        put_hex_number(out, a.manufacturer, 4);
        key(out, "manufacturer_valid");
        put_bool(out, valid_manufacturer(a.manufacturer));
        key(out, "medium");
        put_int(out, a.medium);
        key(out, "medium_description");
        put_string(out, medium_description(a.medium));
        key(out, "medium_name");
        put_string(out, medium_name(a.medium));
    }
    key(out, "signature");
    put_hex_number(out, h.signature, 4);
    key(out, "status");
    put_int(out, h.status);
    key(out, "status_flags");
    put_status_flags(out, h.status);
    if (h.address) {
        key(out, "version");
        put_int(out, h.address->version);
    }
    out += '}';
}

namespace {

// The record's bytes as app::encode writes them, in hex.
void put_record_hex(std::string& out, const record_view& r) {
    out += '"';
    const byte dif[1] = {r.dif};
    put_hex(out, dif);
    put_hex(out, r.dife);
    if (r.has_vib) {
        const byte vif[1] = {r.vif};
        put_hex(out, vif);
        if ((r.vif & 0x7F) == 0x7C) {
            const byte len[1] = {static_cast<byte>(r.plain_text.size())};
            put_hex(out, len);
            put_hex(out, r.plain_text);
        }
        put_hex(out, r.vife);
    }
    put_hex(out, r.data);
    out += '"';
}

// The record's "text": its line (append_text) when that is printable ASCII, else the quantity's
// description. The line goes straight into `out` and is taken back when it does not fit.
void put_text(std::string& out, const record_meaning& m, std::string_view otherwise) {
    const std::size_t at = out.size();
    out += '"';
    append_text(out, m);
    bool plain = true; // printable, and nothing to escape
    for (std::size_t i = at + 1; i < out.size(); ++i) {
        const char c = out[i];
        if (c < 0x20 || c > 0x7E) {
            out.resize(at);
            put_string(out, otherwise);
            return;
        }
        plain = plain && c != '"' && c != '\\';
    }
    if (!plain) { // rare: escape a copy
        const std::string copy(out, at + 1);
        out.resize(at);
        put_string(out, copy);
        return;
    }
    out += '"';
}

} // namespace

void detail::put_record(std::string& out, const record_view& r, std::size_t index) {
    const auto m = describe_fields(r);
    const dib_meaning& d = m ? m->dib : describe_dib(r.dif, r.dife);
    const auto put_dib = [&] { // coding, dif, dife
        key(out, "coding", true);
        put_name(out, name(d.coding));
        key(out, "dif");
        const byte dif[1] = {r.dif};
        put_hex_string(out, dif);
        key(out, "dife");
        put_hex_string(out, r.dife);
    };
    const auto put_common = [&] { // function, hex, index, kind
        key(out, "function");
        put_name(out, name(d.function));
        key(out, "hex");
        put_record_hex(out, r);
        key(out, "index");
        put_int(out, index);
        key(out, "kind");
        put_name(out, name(m ? m->kind : record_kind::data));
    };
    const auto put_storage = [&] { // storage, subunit, tariff
        key(out, "storage");
        put_int(out, d.storage);
        key(out, "subunit");
        put_int(out, d.subunit);
        key(out, "tariff");
        put_int(out, d.tariff);
    };
    const auto put_vib = [&] { // vif, vife
        if (!r.has_vib) return;
        key(out, "vif");
        const byte vif[1] = {r.vif};
        put_hex_string(out, vif);
        key(out, "vife");
        put_hex_string(out, r.vife);
    };
    out += '{';
    if (!m) {
        put_dib();
        key(out, "error");
        put_string(out, m.error().message());
        put_common();
        put_storage();
        put_vib();
        out += '}';
        return;
    }
    if (m->kind == record_kind::manufacturer_data || m->kind == record_kind::more_records_follow) {
        key(out, "coding", true);
        put_name(out, name(d.coding));
        key(out, "data");
        put_hex_string(out, r.data);
        key(out, "dif");
        const byte dif[1] = {r.dif};
        put_hex_string(out, dif);
        key(out, "dife");
        put_hex_string(out, r.dife);
        put_common();
        key(out, "more_records_follow");
        put_bool(out, m->kind == record_kind::more_records_follow);
        put_storage();
        key(out, "text");
        put_text(out, *m, {});
        put_vib();
        out += '}';
        return;
    }
    if (m->kind == record_kind::idle_filler) {
        put_dib();
        put_common();
        put_storage();
        key(out, "text");
        put_text(out, *m, {});
        put_vib();
        out += '}';
        return;
    }
    const auto& v = *m->vib;
    key(out, "code", true);
    const byte code[1] = {v.code.code};
    put_hex_string(out, code);
    key(out, "coding");
    put_name(out, name(d.coding));
    key(out, "description");
    put_name(out, description(v.q));
    key(out, "dif");
    const byte dif[1] = {r.dif};
    put_hex_string(out, dif);
    key(out, "dife");
    put_hex_string(out, r.dife);
    key(out, "exponent");
    put_int(out, v.exponent);
    put_common();
    key(out, "modifiers");
    out += '[';
    for (std::size_t i = 0; i < v.notes.size(); ++i) {
        if (i > 0) out += ',';
        put_string(out, v.notes[i]);
    }
    out += ']';
    if (v.code.table == vif_table::primary && v.code.code == 0x7C) {
        key(out, "plain_text_unit");
        if (printable(v.plain_text_unit))
            put_string(out, v.plain_text_unit);
        else
            put_hex_string(out, r.plain_text);
    }
    key(out, "quantity");
    put_name(out, name(v.q));
    put_raw_text(out, m->raw);
    key(out, "storage");
    put_int(out, d.storage);
    key(out, "subunit");
    put_int(out, d.subunit);
    key(out, "table");
    put_name(out, name(v.code.table));
    key(out, "tariff");
    put_int(out, d.tariff);
    key(out, "text");
    put_text(out, *m, description(v.q));
    key(out, "unit");
    if (printable(v.unit_text))
        put_string(out, v.unit_text);
    else
        put_hex_string(out, r.plain_text);
    key(out, "value");
    if (m->scaled)
        put_double(out, *m->scaled);
    else
        out += "null";
    put_vib();
    out += '}';
}

namespace {

struct top_keys {
    std::string& out;
    json_member extra;
    bool extra_done{extra.key.empty()};

    void operator()(std::string_view k, bool first = false) {
        if (!extra_done && extra.key < k) {
            key(out, extra.key, first);
            out += extra.text;
            extra_done = true;
            first = false;
        }
        key(out, k, first);
    }
    void close() {
        if (!extra_done) {
            key(out, extra.key);
            out += extra.text;
            extra_done = true;
        }
        out += '}';
    }
};

// Variable data: the header, then the records that `next()` gives one after the other. Returns
// where the value of "more_records_follow" stands in `out`.
template <class Next>
std::size_t put_variable(top_keys& top, byte ci, const header& h, bool more, std::size_t count, Next&& next) {
    auto& out = top.out;
    out.reserve(out.size() + 400 + 480 * count); // a data record takes about 450 bytes
    out += '{';
    top("ci", true);
    const byte ci_byte[1] = {ci};
    put_hex_string(out, ci_byte);
    top("header");
    if (ci == ci::variable_none)
        out += "null";
    else
        put_header(out, h);
    top("more_records_follow");
    const std::size_t more_at = out.size();
    put_bool(out, more);
    top("records");
    out += '[';
    std::size_t i = 0;
    while (const std::optional<record_view> r = next()) {
        if (i > 0) out += ',';
        put_record(out, *r, i++);
    }
    out += ']';
    top("structure");
    put_string(out, "variable");
    top.close();
    return more_at;
}

struct json_text_visitor {
    top_keys& top;

    void operator()(const variable_data& v) const {
        bool more = false;
        for (const auto& r : v.records)
            more = more || r.dib.dif == special_dif::more_records_follow;
        std::size_t i = 0;
        put_variable(top, v.ci, v.header, more, v.records.size(), [&]() -> std::optional<record_view> {
            if (i == v.records.size()) return std::nullopt;
            return view_of(v.records[i++]);
        });
    }
    void operator()(const fixed_data& f) const {
        auto& out = top.out;
        const bool binary = (f.status & 0x80) != 0;
        const unsigned t1 = f.medium_unit & 0xFF;
        const unsigned t2 = f.medium_unit >> 8;
        const unsigned medium = (t1 & 0xC0) >> 6 | (t2 & 0xC0) >> 4;
        out += '{';
        top("ci", true);
        const byte ci[1] = {f.ci};
        put_hex_string(out, ci);
        top("fixed");
        out += '{';
        key(out, "access_number", true);
        put_int(out, f.access_number);
        key(out, "counter_format");
        put_string(out, binary ? "binary" : "bcd");
        key(out, "counters");
        out += '[';
        bool first = true;
        for (const auto& [type, count] : {std::pair{t1, f.counter1}, std::pair{t2, f.counter2}}) {
            if (!first) out += ',';
            first = false;
            const byte le[4] = {static_cast<byte>(count), static_cast<byte>(count >> 8),
                                static_cast<byte>(count >> 16), static_cast<byte>(count >> 24)};
            const auto v = decode_value(binary ? data_coding::int32 : data_coding::bcd8, le);
            out += '{';
            put_raw_text(out, *v, true);
            key(out, "unit");
            put_string(out, fixed_unit(type));
            key(out, "unit_code");
            put_int(out, type & 0x3F);
            out += '}';
        }
        out += ']';
        key(out, "id");
        put_string(out, id_to_string(f.id));
        key(out, "medium");
        put_int(out, medium);
        key(out, "medium_name");
        put_string(out, libmbus::fixed_medium_name(medium));
        key(out, "status");
        put_int(out, f.status);
        key(out, "stored");
        put_bool(out, (f.status & 0x40) != 0);
        out += '}';
        top("structure");
        put_string(out, "fixed");
        top.close();
    }
    void operator()(const application_error& e) const {
        auto& out = top.out;
        out += '{';
        top("application_error", true);
        out += '{';
        key(out, "description", true);
        put_string(out, application_error_description(e.status.value_or(0)));
        key(out, "status");
        if (e.status)
            put_int(out, *e.status);
        else
            out += "null";
        out += '}';
        top("ci");
        const byte b[1] = {ci::app_error};
        put_hex_string(out, b);
        top("structure");
        put_string(out, "application_error");
        top.close();
    }
    void operator()(const other_data& o) const {
        auto& out = top.out;
        out += '{';
        top("ci", true);
        const byte ci[1] = {o.ci};
        put_hex_string(out, ci);
        top("data");
        put_hex_string(out, o.data);
        top("structure");
        put_string(out, "other");
        top.close();
    }
};

} // namespace

void write_json(std::string& out, const user_data& ud, json_member extra) {
    top_keys top{out, extra};
    std::visit(json_text_visitor{top}, ud);
}

std::string to_json_text(const user_data& ud) {
    std::string out;
    out.reserve(1024);
    write_json(out, ud);
    return out;
}

} // namespace mbus::app
