#include <mbus/app/codec.hpp>
#include <mbus/app/detail/json_writer.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/libmbus_tables.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>

#include <fmt/format.h>

#include <string>
#include <utility>

// The DOM (to_json): an nlohmann::json per telegram, header and record. The text writers
// (json_writer.cpp, json_from_bytes.cpp) write its dump() without it.

namespace mbus::app {

namespace {

using detail::fixed_unit;
using detail::printable;
using nlohmann::json;

std::string hex(const std::vector<std::uint8_t>& b) { return to_hex(b, ""); }
std::string hex2(unsigned v) { return fmt::format("{:02X}", v); }

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
