#include <mbus/app/codec.hpp>
#include <mbus/app/decoded_record.hpp>
#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/libmbus_tables.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>

namespace mbus::app {

namespace {

using nlohmann::json;

std::string hex(const std::vector<std::uint8_t>& b) { return to_hex(b, ""); }
std::string hex2(unsigned v) { return fmt::format("{:02X}", v); }

bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// nlohmann refuses to dump invalid UTF-8; meter text is bytes, so anything but printable ASCII
// goes out as hex.
void put_raw(json& j, const value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) {
        if (printable(*s)) {
            j["raw"] = *s;
        } else {
            j["raw"] = hex(bytes(s->rbegin(), s->rend()));
            j["raw_format"] = "hex";
        }
        return;
    }
    if (const auto* b = std::get_if<bytes>(&v)) {
        j["raw"] = hex(*b);
        j["raw_format"] = "hex";
        return;
    }
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        j["raw"] = *i;
        return;
    }
    if (const auto* d = std::get_if<double>(&v)) {
        j["raw"] = *d;
        return;
    }
    if (std::holds_alternative<std::monostate>(v)) {
        j["raw"] = nullptr;
        return;
    }
    j["raw"] = to_string(v);
}

std::string record_hex(const record& r) {
    variable_data one;
    one.ci = ci::variable_none;
    one.records.push_back(r);
    return hex(encode(user_data{one}).data);
}

json status_flags(std::uint8_t s) {
    json f = json::array();
    switch (s & 0x03) {
    case 1: f.push_back("application_busy"); break;
    case 2: f.push_back("application_error"); break;
    case 3: f.push_back("abnormal_condition"); break;
    default: break;
    }
    if ((s & 0x04) != 0) f.push_back("power_low");
    if ((s & 0x08) != 0) f.push_back("permanent_error");
    if ((s & 0x10) != 0) f.push_back("temporary_error");
    for (int bit = 5; bit < 8; ++bit)
        if ((s & (1 << bit)) != 0) f.push_back(fmt::format("manufacturer_bit_{}", bit));
    return f;
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

struct to_json_visitor {
    // Every kind of telegram opens with its CI and the name of its structure.
    static json headed(unsigned ci, const char* structure) {
        json j;
        j["ci"] = hex2(ci);
        j["structure"] = structure;
        return j;
    }

    json operator()(const variable_data& v) const {
        json j = headed(v.ci, "variable");
        if (v.ci == ci::variable_none)
            j["header"] = nullptr;
        else
            j["header"] = to_json(v.header);
        j["records"] = json::array();
        bool more = false;
        for (std::size_t i = 0; i < v.records.size(); ++i) {
            j["records"].push_back(to_json(v.records[i], i));
            more = more || v.records[i].dib.dif == special_dif::more_records_follow;
        }
        j["more_records_follow"] = more;
        return j;
    }
    json operator()(const fixed_data& f) const {
        json j = headed(f.ci, "fixed");
        const bool binary = (f.status & 0x80) != 0;
        const unsigned t1 = f.medium_unit & 0xFF;
        const unsigned t2 = f.medium_unit >> 8;
        const unsigned medium = (t1 & 0xC0) >> 6 | (t2 & 0xC0) >> 4;
        json counters = json::array();
        for (const auto& [type, count] : {std::pair{t1, f.counter1}, std::pair{t2, f.counter2}}) {
            bytes le;
            for (int s = 0; s < 32; s += 8)
                le.push_back(static_cast<byte>(count >> s));
            const auto v = decode_value(binary ? data_coding::int32 : data_coding::bcd8, le);
            json c;
            c["unit_code"] = type & 0x3F;
            c["unit"] = fixed_unit(type);
            put_raw(c, *v);
            counters.push_back(std::move(c));
        }
        j["fixed"] = {{"id", id_to_string(f.id)},
                      {"access_number", f.access_number},
                      {"status", f.status},
                      {"counter_format", binary ? "binary" : "bcd"},
                      {"stored", (f.status & 0x40) != 0},
                      {"medium", medium},
                      {"medium_name", libmbus::fixed_medium_name(medium)},
                      {"counters", counters}};
        return j;
    }
    json operator()(const application_error& e) const {
        json j = headed(ci::app_error, "application_error");
        json a;
        if (e.status) {
            a["status"] = *e.status;
            a["description"] = application_error_description(*e.status);
        } else {
            a["status"] = nullptr;
            a["description"] = application_error_description(0);
        }
        j["application_error"] = a;
        return j;
    }
    json operator()(const other_data& o) const {
        json j = headed(o.ci, "other");
        j["data"] = hex(o.data);
        return j;
    }
};

} // namespace

std::string_view application_error_description(std::uint8_t status) {
    switch (status) {
    case 0x00: return "Unspecified error";
    case 0x01: return "Unimplemented CI-Field";
    case 0x02: return "Buffer too long, truncated";
    case 0x03: return "Too many records";
    case 0x04: return "Premature end of record";
    case 0x05: return "More than 10 DIFEs";
    case 0x06: return "More than 10 VIFEs";
    case 0x07: return "Reserved";
    case 0x08: return "Application busy";
    case 0x09: return "Too many readouts";
    default: return "Reserved";
    }
}

json to_json(const header& h) {
    json j;
    if (h.address) {
        const auto& a = *h.address;
        j["id"] = id_to_string(a.id);
        j["manufacturer"] = manufacturer_letters(a.manufacturer);
        j["manufacturer_code"] = fmt::format("{:04X}", a.manufacturer);
        j["manufacturer_valid"] = valid_manufacturer(a.manufacturer);
        j["version"] = a.version;
        j["medium"] = a.medium;
        j["medium_name"] = medium_name(a.medium);
        j["medium_description"] = medium_description(a.medium);
    }
    j["access_number"] = h.access_number;
    j["status"] = h.status;
    j["status_flags"] = status_flags(h.status);
    j["signature"] = fmt::format("{:04X}", h.signature);
    return j;
}

json to_json(const record& r, std::size_t index) {
    json j;
    j["index"] = index;
    j["hex"] = record_hex(r);
    j["dif"] = hex2(r.dib.dif);
    j["dife"] = hex(r.dib.dife);
    const auto m = describe(r);
    const auto d = describe(r.dib);
    j["kind"] = name(m ? m->kind : record_kind::data);
    j["function"] = name(d.function);
    j["storage"] = d.storage;
    j["tariff"] = d.tariff;
    j["subunit"] = d.subunit;
    j["coding"] = name(d.coding);
    if (r.vib) {
        j["vif"] = hex2(r.vib->vif);
        j["vife"] = hex(r.vib->vife);
    }
    if (!m) {
        j["error"] = m.error().message();
        return j;
    }
    if (m->kind == record_kind::manufacturer_data || m->kind == record_kind::more_records_follow) {
        j["data"] = hex(r.data);
        j["more_records_follow"] = m->kind == record_kind::more_records_follow;
        j["text"] = m->text;
        return j;
    }
    if (m->kind == record_kind::idle_filler) {
        j["text"] = m->text;
        return j;
    }
    const auto& v = *m->vib;
    if (v.code.table == vif_table::primary && v.code.code == 0x7C) {
        if (printable(v.plain_text_unit))
            j["plain_text_unit"] = v.plain_text_unit;
        else
            j["plain_text_unit"] = hex(r.vib->plain_text);
    }
    j["table"] = name(v.code.table);
    j["code"] = hex2(v.code.code);
    j["quantity"] = name(v.q);
    j["description"] = description(v.q);
    j["unit"] = printable(v.unit_text) ? v.unit_text : hex(r.vib->plain_text);
    j["exponent"] = v.exponent;
    j["modifiers"] = v.notes;
    put_raw(j, m->raw);
    if (m->scaled)
        j["value"] = *m->scaled;
    else
        j["value"] = nullptr;
    j["text"] = printable(m->text) ? m->text : std::string(description(v.q));
    return j;
}

json to_json(const user_data& ud) { return std::visit(to_json_visitor{}, ud); }

} // namespace mbus::app

// --- JSON text without a DOM ---
// nlohmann::json keeps an object's keys in a std::map: dump() writes them in byte order. The writers
// below write every object's keys in that order by hand; json_writer_test compares their text with
// to_json(...).dump() over the corpus, which is what keeps the two the same.

namespace mbus::app {

namespace {

constexpr std::string_view hex_digits = "0123456789ABCDEF";

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

void put_header(std::string& out, const header& h) {
    out += '{';
    key(out, "access_number", true);
    put_int(out, h.access_number);
    if (h.address) {
        const auto& a = *h.address;
        key(out, "id");
        out += '"';
        for (int shift = 28; shift >= 0; shift -= 4) // id_to_string: "{:08X}"
            out += hex_digits[(a.id >> shift) & 0x0F];
        out += '"';
        key(out, "manufacturer");
        put_string(out, manufacturer_letters(a.manufacturer));
        key(out, "manufacturer_code");
        out += '"';
        for (int shift = 12; shift >= 0; shift -= 4)
            out += hex_digits[(a.manufacturer >> shift) & 0x0F];
        out += '"';
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
    out += '"';
    for (int shift = 12; shift >= 0; shift -= 4)
        out += hex_digits[(h.signature >> shift) & 0x0F];
    out += '"';
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

void put_record(std::string& out, const record_view& r, std::size_t index) {
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

// --- Records written from the lean decoded records ---
// put_record above describes each record first (describe_fields: owning values, the unit text and
// the VIFE notes as strings, the line built by append_text); the writer below prints the same keys
// straight from app::decoded_record (decoded_record.hpp), whose names are static string_views and
// whose values are views into the frame, into a buffer on the stack: every piece it writes is a
// table name, hex digits, a number or a date, none of which needs an escape, so the text is
// written as it goes, with no check afterwards. A record with anything else (a unit or a text that
// needs escapes, a VIFE of the extension table, an error) is left to put_record, whose
// text it would have been anyway; json_corpus_test holds the two to one text.

// Text with nothing to escape and nothing but printable ASCII (what put_record's checks let through
// unchanged).
bool plain(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\'; });
}

// Writes into a buffer that the caller made large enough.
struct text_out {
    char* p;

    template <std::size_t N>
    void lit(const char (&s)[N]) {
        std::memcpy(p, s, N - 1);
        p += N - 1;
    }
    void str(std::string_view s) {
        if (s.empty()) return; // an empty view may have no data: memcpy's source must not be null
        std::memcpy(p, s.data(), s.size());
        p += s.size();
    }
    void ch(char c) { *p++ = c; }
    void hex(byte b) {
        *p++ = hex_digits[b >> 4];
        *p++ = hex_digits[b & 0x0F];
    }
    void hex(bytes_view b) {
        for (const byte c : b)
            hex(c);
    }
    void hex_spaced(bytes_view b) { // to_hex(b): "01 02"
        for (std::size_t i = 0; i < b.size(); ++i) {
            if (i > 0) *p++ = ' ';
            hex(b[i]);
        }
    }
    template <class Int>
    void num(Int v) {
        p = std::to_chars(p, p + 24, v).ptr;
    }
    // fmt's "{:02}" / "{:04}" for the fields of a date (never negative, and never wider).
    void digits(unsigned v, int width) {
        if (v >= (width == 2 ? 100u : 10000u)) return num(v);
        for (int i = width - 1; i >= 0; --i) {
            p[i] = static_cast<char>('0' + v % 10);
            v /= 10;
        }
        p += width;
    }
    // Both conversions of a double below write a whole number of at most 15 digits as its integer
    // ("154000", and "154000.0" for nlohmann): the shortest digits that read back are the
    // integer's own then (json_writer's tests compare the two ways over many values).
    static bool whole(double v) {
        return v == std::trunc(v) && std::fabs(v) < 1e15 && !(v == 0 && std::signbit(v));
    }
    void json_double(double v) { // put_double
        if (!std::isfinite(v)) return lit("null");
        if (whole(v)) {
            num(static_cast<std::int64_t>(v));
            return lit(".0");
        }
        p = nlohmann::detail::to_chars(p, p + 64, v);
    }
    void text_double(double v) { // as fmt::format("{}")
        if (std::isfinite(v) && whole(v)) return num(static_cast<std::int64_t>(v));
        p = fmt::format_to(p, FMT_COMPILE("{}"), v);
    }
};

// The words of a record's combinable VIFEs (describe_vib's notes), each written where the writer
// is told; false for what only describe_vib spells (an extension-table VIFE) or what needs an escape.
struct notes {
    static constexpr std::size_t max = 12;
    std::array<std::string_view, max> at{}; // the words, as written into the buffer
    std::size_t count{0};
};

bool plain_text_unit(const decoded_record& d) {
    return d.vib.code.table == vif_table::primary && d.vib.code.code == 0x7C;
}

// append_unit_text(): the symbol or the plain-text unit, plus "/h"-like suffixes.
std::string_view unit_text(const decoded_record& d, std::string& scratch) {
    if (d.vib.per_vifes == 0 && !plain_text_unit(d)) return d.unit_symbol;
    scratch.clear();
    append_unit_text(scratch, d.vib, d.plain_text, d.vife);
    return scratch;
}

// append_where (record_spec.cpp): " (storage 1, tariff 2)" after the quantity.
void put_where(text_out& o, const decoded_record& d) {
    bool any = false;
    const auto part = [&] {
        if (any)
            o.lit(", ");
        else
            o.lit(" (");
        any = true;
    };
    if (d.function != function_kind::instantaneous) {
        part();
        o.str(name(d.function));
    }
    if (d.storage != 0) {
        part();
        o.lit("storage ");
        o.num(d.storage);
    }
    if (d.tariff != 0) {
        part();
        o.lit("tariff ");
        o.num(d.tariff);
    }
    if (d.subunit != 0) {
        part();
        o.lit("subunit ");
        o.num(d.subunit);
    }
    if (any) o.ch(')');
}

// to_string(d.to_value()) (value.cpp) for a value without a scaled number.
void put_value_text(text_out& o, const decoded_record& d) {
    switch (d.kind_of_value) {
    case value_kind::none:
    case value_kind::integer: // always scaled
    case value_kind::real: return;
    case value_kind::invalid_bcd:
        if (d.negative_bcd) o.ch('-');
        for (std::size_t i = d.field.size(); i > 0; --i)
            o.hex(d.field[i - 1]);
        return;
    case value_kind::text:
        for (std::size_t i = d.field.size(); i > 0; --i)
            o.ch(static_cast<char>(d.field[i - 1]));
        return;
    case value_kind::binary: o.hex(d.field); return;
    case value_kind::date:
        o.digits(static_cast<unsigned>(d.day.full_year()), 4);
        o.ch('-');
        o.digits(d.day.month, 2);
        o.ch('-');
        o.digits(d.day.day, 2);
        return;
    case value_kind::date_time: {
        const auto& t = d.moment;
        o.digits(static_cast<unsigned>(t.full_year()), 4);
        o.ch('-');
        o.digits(t.month, 2);
        o.ch('-');
        o.digits(t.day, 2);
        o.ch('T');
        o.digits(t.hour, 2);
        o.ch(':');
        o.digits(t.minute, 2);
        if (t.second != 0 || t.day_of_week != 0 || t.week != 0) {
            o.ch(':');
            o.digits(t.second, 2);
        }
        return;
    }
    case value_kind::time_of_day:
        o.digits(d.clock.hour, 2);
        o.ch(':');
        o.digits(d.clock.minute, 2);
        o.ch(':');
        o.digits(d.clock.second, 2);
        return;
    }
}

// The "modifiers" array; false when a word is not the writer's to spell (see notes).
bool put_modifiers(text_out& o, const char* end, const decoded_record& d, notes& n) {
    o.ch('[');
    bool manufacturer_codes = d.vib.q == quantity::manufacturer_specific;
    const std::size_t first = d.vib.code.table == vif_table::primary ? 0 : 1;
    const auto word = [&](std::string_view w, std::string_view code_suffix = {}) {
        if (n.count == notes::max || !plain(w) || end - o.p < static_cast<std::ptrdiff_t>(w.size() + 16))
            return false;
        if (n.count > 0) o.ch(',');
        o.ch('"');
        const char* at = o.p;
        o.str(w);
        o.str(code_suffix);
        n.at[n.count++] = std::string_view(at, static_cast<std::size_t>(o.p - at));
        o.ch('"');
        return true;
    };
    for (std::size_t i = first; i < d.vife.size(); ++i) {
        const auto c = static_cast<std::uint8_t>(d.vife[i] & 0x7F);
        if (manufacturer_codes) {
            const char code[4] = {'0', 'x', hex_digits[c >> 4], hex_digits[c & 0x0F]};
            if (!word("manufacturer-specific code ", std::string_view(code, 4))) return false;
            continue;
        }
        if (c == 0x7F) {
            manufacturer_codes = true;
            if (i + 1 == d.vife.size() && !word(combinable_vife_name(c))) return false;
            continue;
        }
        if (c == 0x7C && i + 1 < d.vife.size()) return false; // extension_vife_name is describe_vib's
        if (!word(combinable_vife_name(c))) return false;
    }
    o.ch(']');
    return true;
}

// The raw value ("raw", and "raw_format" for hex) as put_raw_text writes it.
void put_raw(text_out& o, const decoded_record& d) {
    o.lit(",\"raw\":");
    switch (d.kind_of_value) {
    case value_kind::none: return o.lit("null");
    case value_kind::integer: return o.num(d.integer);
    case value_kind::real: return o.json_double(d.real);
    case value_kind::binary:
        o.ch('"');
        o.hex(d.field);
        return o.lit("\",\"raw_format\":\"hex\"");
    case value_kind::text: // plain (lean_record checked)
    case value_kind::invalid_bcd:
    case value_kind::date:
    case value_kind::date_time:
    case value_kind::time_of_day:
        o.ch('"');
        put_value_text(o, d);
        o.ch('"');
        return;
    }
}

// The DIB's keys after "coding" up to "kind" (dif, dife, [exponent,] function, hex, index, kind) are
// written in place by the callers; these are the ones every kind shares.
void put_dib_tail(text_out& o, const decoded_record& d) { // storage, subunit, tariff
    o.lit(",\"storage\":");
    o.num(d.storage);
    o.lit(",\"subunit\":");
    o.num(d.subunit);
    o.lit(",\"tariff\":");
    o.num(d.tariff);
}

void put_function_to_kind(text_out& o, const record_view& r, const decoded_record& d, std::size_t index) {
    o.lit(",\"function\":\"");
    o.str(name(d.function));
    o.lit("\",\"hex\":\"");
    o.hex(r.wire);
    o.lit("\",\"index\":");
    o.num(index);
    o.lit(",\"kind\":\"");
    o.str(name(d.kind));
    o.ch('"');
}

void put_dif(text_out& o, const record_view& r) {
    o.lit(",\"dif\":\"");
    o.hex(r.dif);
    o.lit("\",\"dife\":\"");
    o.hex(r.dife);
    o.ch('"');
}

// put_record's text for the record `r` decoded as `d`, written into `o`; false (and `o` left
// half-written) when the record is put_record's to write.
bool lean_record(text_out& o, const char* end, const record_view& r, const decoded_record& d,
                 std::size_t index) {
    if (d.error) return false;
    if (d.kind == record_kind::manufacturer_data || d.kind == record_kind::more_records_follow) {
        const bool more = d.kind == record_kind::more_records_follow;
        o.lit("{\"coding\":\"");
        o.str(name(d.coding));
        o.lit("\",\"data\":\"");
        o.hex(r.data);
        o.ch('"');
        put_dif(o, r);
        put_function_to_kind(o, r, d, index);
        o.lit(",\"more_records_follow\":");
        if (more)
            o.lit("true");
        else
            o.lit("false");
        put_dib_tail(o, d);
        if (more)
            o.lit(",\"text\":\"More records follow; manufacturer specific data: ");
        else
            o.lit(",\"text\":\"Manufacturer specific data: ");
        o.hex_spaced(r.data);
        o.lit("\"}");
        return true;
    }
    if (d.kind == record_kind::idle_filler) {
        o.lit("{\"coding\":\"");
        o.str(name(d.coding));
        o.ch('"');
        put_dif(o, r);
        put_function_to_kind(o, r, d, index);
        put_dib_tail(o, d);
        o.lit(",\"text\":\"Idle filler\"}");
        return true;
    }
    if (d.kind_of_value == value_kind::text &&
        !plain(std::string_view(reinterpret_cast<const char*>(d.field.data()), d.field.size())))
        return false;
    std::string scratch;
    const std::string_view unit = unit_text(d, scratch);
    // A unit symbol is plain (json_test checks every one); a plain text or a suffix may not be.
    if (unit.data() != d.unit_symbol.data() && !plain(unit)) return false;
    o.lit("{\"code\":\"");
    o.hex(d.vib.code.code);
    o.lit("\",\"coding\":\"");
    o.str(name(d.coding));
    o.lit("\",\"description\":\"");
    o.str(d.quantity_text);
    o.ch('"');
    put_dif(o, r);
    o.lit(",\"exponent\":");
    o.num(d.vib.exponent);
    put_function_to_kind(o, r, d, index);
    o.lit(",\"modifiers\":");
    notes n;
    if (!put_modifiers(o, end, d, n)) return false;
    if (plain_text_unit(d)) { // plain, as `unit` begins with it
        o.lit(",\"plain_text_unit\":\"");
        for (std::size_t i = d.plain_text.size(); i > 0; --i)
            o.ch(static_cast<char>(d.plain_text[i - 1]));
        o.ch('"');
    }
    o.lit(",\"quantity\":\"");
    o.str(name(d.vib.q));
    o.ch('"');
    put_raw(o, d);
    o.lit(",\"storage\":");
    o.num(d.storage);
    o.lit(",\"subunit\":");
    o.num(d.subunit);
    o.lit(",\"table\":\"");
    o.str(name(d.vib.code.table));
    o.lit("\",\"tariff\":");
    o.num(d.tariff);
    // The line of append_text: the quantity, its notes, where, the value and its unit.
    o.lit(",\"text\":\"");
    if (d.vib.q == quantity::unknown) {
        o.lit("Reserved VIF ");
        o.str(name(d.vib.code.table));
        o.ch(' ');
        o.hex(d.vib.code.code);
    } else {
        o.str(d.quantity_text);
    }
    for (std::size_t i = 0; i < n.count; ++i) {
        if (end - o.p < static_cast<std::ptrdiff_t>(n.at[i].size() + 600)) return false;
        o.lit(" [");
        o.str(n.at[i]);
        o.ch(']');
    }
    put_where(o, d);
    o.lit(" = ");
    if (d.has_scaled)
        o.text_double(d.scaled);
    else
        put_value_text(o, d);
    if (!unit.empty() && (d.has_scaled || d.kind_of_value == value_kind::invalid_bcd)) {
        o.ch(' ');
        o.str(unit);
    }
    o.lit("\",\"unit\":\"");
    o.str(unit);
    o.lit("\",\"value\":");
    if (d.has_scaled)
        o.json_double(d.scaled);
    else
        o.lit("null");
    o.lit(",\"vif\":\"");
    o.hex(r.vif);
    o.lit("\",\"vife\":\"");
    o.hex(r.vife);
    o.lit("\"}");
    return true;
}

// put_header's text through text_out, for the writer from bytes; put_header writes the rare header
// whose names need escapes (manufacturer letters are any of '@' to '_', backslash included).
void put_plain_header(std::string& out, const header& h) {
    std::string letters;
    std::string medium;
    std::string_view medium_words;
    if (h.address) {
        letters = manufacturer_letters(h.address->manufacturer);
        medium = medium_name(h.address->medium);
        medium_words = medium_description(h.address->medium);
        if (!plain(letters) || !plain(medium) || !plain(medium_words) ||
            medium.size() + medium_words.size() > 400)
            return put_header(out, h);
    }
    std::array<char, 1024> buf;
    text_out o{buf.data()};
    const auto hex4 = [&](std::uint16_t v) {
        o.hex(static_cast<byte>(v >> 8));
        o.hex(static_cast<byte>(v));
    };
    o.lit("{\"access_number\":");
    o.num(h.access_number);
    if (h.address) {
        const auto& a = *h.address;
        o.lit(",\"id\":\""); // id_to_string: "{:08X}"
        hex4(static_cast<std::uint16_t>(a.id >> 16));
        hex4(static_cast<std::uint16_t>(a.id));
        o.lit("\",\"manufacturer\":\"");
        o.str(letters);
        o.lit("\",\"manufacturer_code\":\"");
        hex4(a.manufacturer);
        o.lit("\",\"manufacturer_valid\":");
        if (valid_manufacturer(a.manufacturer))
            o.lit("true");
        else
            o.lit("false");
        o.lit(",\"medium\":");
        o.num(a.medium);
        o.lit(",\"medium_description\":\"");
        o.str(medium_words);
        o.lit("\",\"medium_name\":\"");
        o.str(medium);
        o.ch('"');
    }
    o.lit(",\"signature\":\"");
    hex4(h.signature);
    o.lit("\",\"status\":");
    o.num(h.status);
    o.lit(",\"status_flags\":[");
    bool first = true;
    const auto flag = [&](std::string_view f) {
        if (!first) o.ch(',');
        first = false;
        o.ch('"');
        o.str(f);
        o.ch('"');
    };
    switch (h.status & 0x03) {
    case 1: flag("application_busy"); break;
    case 2: flag("application_error"); break;
    case 3: flag("abnormal_condition"); break;
    default: break;
    }
    if ((h.status & 0x04) != 0) flag("power_low");
    if ((h.status & 0x08) != 0) flag("permanent_error");
    if ((h.status & 0x10) != 0) flag("temporary_error");
    static constexpr std::array<std::string_view, 3> bits{"manufacturer_bit_5", "manufacturer_bit_6",
                                                          "manufacturer_bit_7"};
    for (int bit = 5; bit < 8; ++bit)
        if ((h.status & (1 << bit)) != 0) flag(bits[static_cast<std::size_t>(bit - 5)]);
    o.ch(']');
    if (h.address) {
        o.lit(",\"version\":");
        o.num(h.address->version);
    }
    o.ch('}');
    out.append(buf.data(), static_cast<std::size_t>(o.p - buf.data()));
}

// One record of variable data read in place: decoded into `d` (reused from record to record) and
// written by lean_record, or by put_record when lean_record leaves it.
void put_decoded_record(std::string& out, const record_view& r, decoded_record& d, std::size_t index) {
    decode_record(r, d);
    // Room for the fixed keys and names, the numbers, and every byte of the record up to six times
    // over as hex (hex, dife/vife/data, raw, text).
    std::array<char, 8192> buf;
    const std::size_t need = 2048 + 12 * r.wire.size();
    if (need <= buf.size()) {
        text_out o{buf.data()};
        if (lean_record(o, buf.data() + buf.size(), r, d, index)) {
            out.append(buf.data(), static_cast<std::size_t>(o.p - buf.data()));
            return;
        }
    }
    put_record(out, r, index);
}

// Writes the top-level object's keys, and puts the caller's extra member among them where its key
// sorts (as the DOM's std::map would).
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
template <class Next, class Put = decltype(put_record)&>
std::size_t put_variable(top_keys& top, byte ci, const header& h, bool more, std::size_t count, Next&& next,
                         Put&& put = put_record, bool from_bytes = false) {
    auto& out = top.out;
    out.reserve(out.size() + 400 + 480 * count); // a data record takes about 450 bytes
    out += '{';
    top("ci", true);
    const byte ci_byte[1] = {ci};
    put_hex_string(out, ci_byte);
    top("header");
    if (ci == ci::variable_none)
        out += "null";
    else if (from_bytes)
        put_plain_header(out, h);
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
        put(out, *r, i++);
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

result<void> write_json(std::string& out, byte ci, bytes_view data, json_member extra) {
    const auto view = decode_variable_view(ci, data);
    if (!view) {
        if (view.error() != errc::unsupported_ci) return unexpected(view.error());
        const auto ud = decode(ci, data);
        if (!ud) return unexpected(ud.error());
        write_json(out, *ud, extra);
        return {};
    }
    // One pass: "more_records_follow" (a DIF 1F record, always the last) is written false and
    // turned true when that record comes; on an error of app::decode's, what was written goes.
    const std::size_t start = out.size();
    top_keys top{out, extra};
    auto cursor = view->cursor();
    decoded_record d;
    bool more = false;
    const std::size_t more_at = put_variable(
        top, ci, view->header, false, view->records.size() / 6 + 1, [&cursor] { return cursor.next(); },
        [&d, &more](std::string& o, const record_view& r, std::size_t index) {
            more = more || r.dif == special_dif::more_records_follow;
            put_decoded_record(o, r, d, index);
        },
        true);
    if (cursor.error()) {
        out.resize(start);
        return unexpected(cursor.error());
    }
    if (more) out.replace(more_at, 5, "true");
    return {};
}

std::string to_json_text(const user_data& ud) {
    std::string out;
    out.reserve(1024);
    write_json(out, ud);
    return out;
}

std::string indent_json(std::string_view in, int indent) {
    std::string out;
    out.reserve(in.size() * 2);
    std::size_t depth = 0;
    const auto step = static_cast<std::size_t>(std::max(indent, 0));
    const auto newline = [&] {
        out += '\n';
        out.append(depth * step, ' ');
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        switch (c) {
        case '"': { // a string as it is, escapes included
            std::size_t j = i + 1;
            while (j < in.size() && in[j] != '"')
                j += in[j] == '\\' ? std::size_t{2} : std::size_t{1};
            out.append(in.substr(i, j + 1 - i));
            i = j;
            break;
        }
        case '{':
        case '[': {
            const char close = c == '{' ? '}' : ']';
            out += c;
            if (i + 1 < in.size() && in[i + 1] == close) {
                out += close;
                ++i;
                break;
            }
            ++depth;
            newline();
            break;
        }
        case '}':
        case ']':
            if (depth > 0) --depth;
            newline();
            out += c;
            break;
        case ',':
            out += ',';
            newline();
            break;
        case ':': out += ": "; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace mbus::app
