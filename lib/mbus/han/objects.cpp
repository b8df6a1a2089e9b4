#include <mbus/han/objects.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ostream>

namespace mbus::han {

namespace {

constexpr obis code(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t e,
                    std::uint8_t f) {
    return obis{{a, b, c, d, e, f}};
}

// KFM_001, 3-phase list 3; list 2 is its first 13 elements, list 1 the active power alone.
constexpr std::array<obis, 18> kfm_3p{
    code(1, 1, 0, 2, 129, 255), // OBIS list version identifier ("KFM_001")
    code(0, 0, 96, 1, 0, 255),  // meter ID (GIAI GS1, 16 digits)
    code(0, 0, 96, 1, 7, 255),  // meter type
    code(1, 0, 1, 7, 0, 255),   // active power+ (Q1+Q4), W
    code(1, 0, 2, 7, 0, 255),   // active power- (Q2+Q3), W
    code(1, 0, 3, 7, 0, 255),   // reactive power+ (Q1+Q2), var
    code(1, 0, 4, 7, 0, 255),   // reactive power- (Q3+Q4), var
    code(1, 0, 31, 7, 0, 255),  // IL1, mA
    code(1, 0, 51, 7, 0, 255),  // IL2, mA
    code(1, 0, 71, 7, 0, 255),  // IL3, mA
    code(1, 0, 32, 7, 0, 255),  // UL1, 0.1 V
    code(1, 0, 52, 7, 0, 255),  // UL2, 0.1 V
    code(1, 0, 72, 7, 0, 255),  // UL3, 0.1 V
    code(0, 0, 1, 0, 0, 255),   // meter clock
    code(1, 0, 1, 8, 0, 255),   // cumulative active import energy, Wh
    code(1, 0, 2, 8, 0, 255),   // cumulative active export energy, Wh
    code(1, 0, 3, 8, 0, 255),   // cumulative reactive import energy, varh
    code(1, 0, 4, 8, 0, 255),   // cumulative reactive export energy, varh
};
// KFM_001, 1-phase list 3 (list 2: the first 9): no IL2, IL3, UL2, UL3.
constexpr std::array<obis, 14> kfm_1p{
    kfm_3p[0], kfm_3p[1],  kfm_3p[2],  kfm_3p[3],  kfm_3p[4],  kfm_3p[5],  kfm_3p[6],
    kfm_3p[7], kfm_3p[10], kfm_3p[13], kfm_3p[14], kfm_3p[15], kfm_3p[16], kfm_3p[17],
};

constexpr obis list_identifier_code = code(1, 1, 0, 2, 129, 255);

bool is_obis_item(const data& d) {
    const auto* v = d.octets_value();
    return d.type == data_type::octet_string && v != nullptr && v->size() == 6;
}

bool is_clock(const obis& o) { return o.code[2] == 1 && o.code[3] == 0 && o.code[4] == 0; }

std::optional<scaler_unit> scaling_of(const data& d) {
    const auto* items = d.items();
    if (d.type != data_type::structure || items == nullptr || items->size() != 2) return std::nullopt;
    const auto scaler = (*items)[0].as_integer();
    const auto unit = (*items)[1].as_integer();
    if ((*items)[0].type != data_type::int8 || (*items)[1].type != data_type::enumeration || !scaler || !unit)
        return std::nullopt;
    return scaler_unit{static_cast<std::int8_t>(*scaler), static_cast<std::uint8_t>(*unit)};
}

result<object_list> aidon_objects(const std::vector<data>& items) {
    object_list list{body_layout::array_of_structures, {}};
    for (const auto& item : items) {
        const auto* parts = item.items();
        if (item.type != data_type::structure || parts == nullptr || parts->size() < 2 || parts->size() > 3 ||
            !is_obis_item((*parts)[0]))
            return errc::bad_value;
        cosem_object o{obis::from_bytes(*(*parts)[0].octets_value()), code_source::on_wire, (*parts)[1],
                       std::nullopt};
        if (parts->size() == 3) {
            o.scaling = scaling_of((*parts)[2]);
            if (!o.scaling) return errc::bad_value;
        }
        list.objects.push_back(std::move(o));
    }
    return list;
}

result<object_list> pair_objects(const std::vector<data>& items) {
    object_list list{body_layout::obis_value_pairs, {}};
    std::size_t at = 0;
    if (!items.empty() && !is_obis_item(items[0]) && items[0].type != data_type::null_data) {
        list.objects.push_back({list_identifier_code, code_source::list_identifier, items[0], std::nullopt});
        at = 1;
    }
    for (; at + 1 < items.size(); at += 2) {
        if (items[at].type == data_type::null_data && items[at + 1].type == data_type::null_data) {
            list.objects.push_back({std::nullopt, code_source::absent, data{}, std::nullopt});
            continue;
        }
        if (!is_obis_item(items[at])) return errc::bad_value;
        list.objects.push_back(
            {obis::from_bytes(*items[at].octets_value()), code_source::on_wire, items[at + 1], std::nullopt});
    }
    if (at != items.size()) return errc::bad_value; // an OBIS code without its value
    return list;
}

} // namespace

std::string obis::str() const {
    return fmt::format("{}.{}.{}.{}.{}.{}", code[0], code[1], code[2], code[3], code[4], code[5]);
}

std::optional<obis> obis::parse(std::string_view text) {
    obis o;
    std::size_t at = 0;
    for (std::size_t i = 0; i < 6; ++i) {
        unsigned v = 256;
        const auto* first = text.data() + at;
        const auto [end, ec] = std::from_chars(first, text.data() + text.size(), v);
        if (ec != std::errc{} || v > 255) return std::nullopt;
        o.code[i] = static_cast<std::uint8_t>(v);
        at = static_cast<std::size_t>(end - text.data());
        if (i < 5) {
            if (at >= text.size() ||
                (text[at] != '.' && text[at] != '-' && text[at] != ':' && text[at] != '*'))
                return std::nullopt;
            ++at;
        }
    }
    if (at != text.size()) return std::nullopt;
    return o;
}

std::optional<obis> obis::from_bytes(bytes_view six) {
    if (six.size() != 6) return std::nullopt;
    obis o;
    std::copy(six.begin(), six.end(), o.code.begin());
    return o;
}

std::ostream& operator<<(std::ostream& os, const obis& o) { return os << o.str(); }

std::string unit_name(std::uint8_t unit) {
    switch (unit) { // Blue Book 4.3.2, unit enumeration
    case 7: return "s";
    case 8: return "deg";
    case 9: return "degC";
    case 27: return "W";
    case 28: return "VA";
    case 29: return "var";
    case 30: return "Wh";
    case 31: return "VAh";
    case 32: return "varh";
    case 33: return "A";
    case 35: return "V";
    case 44: return "Hz";
    case 255: return "";
    default: return fmt::format("unit {}", unit);
    }
}

std::optional<double> cosem_object::number() const {
    auto n = value.as_number();
    if (!n) return std::nullopt;
    if (!scaling || scaling->scaler == 0) return n;
    // Dividing by an exact power of ten gives the nearest double to the decimal (2311 / 10 is 231.1;
    // 2311 * 0.1 is not).
    if (scaling->scaler < 0) return *n / std::pow(10.0, -scaling->scaler);
    return *n * std::pow(10.0, scaling->scaler);
}

std::string cosem_object::text() const {
    if (const auto* v = value.octets_value()) {
        if (code && is_clock(*code) && v->size() == 12)
            if (auto t = date_time::decode(*v)) return t->iso();
        if (value.type == data_type::date_time)
            if (auto t = date_time::decode(*v)) return t->iso();
        const bool printable =
            std::all_of(v->begin(), v->end(), [](byte b) { return b >= 0x20 && b < 0x7F; });
        if (printable) return std::string(v->begin(), v->end());
        return to_hex(*v, "");
    }
    if (auto n = number()) {
        if (const auto i = value.as_integer(); i && (!scaling || scaling->scaler >= 0) && std::abs(*n) < 9e15)
            return fmt::format("{}", static_cast<std::int64_t>(*n));
        return fmt::format("{}", *n);
    }
    if (value.type == data_type::null_data) return "null";
    return fmt::format("{}", name_of(value.type));
}

std::ostream& operator<<(std::ostream& os, const cosem_object& o) {
    os << (o.code ? o.code->str() : std::string("(absent)")) << " = " << o.text();
    if (o.scaling) os << " " << unit_name(o.scaling->unit) << " (scaler " << int{o.scaling->scaler} << ")";
    return os;
}

const char* name_of(body_layout l) noexcept {
    switch (l) {
    case body_layout::array_of_structures: return "array of structures (OBIS, value, scaler-unit)";
    case body_layout::obis_value_pairs: return "structure of OBIS, value pairs";
    case body_layout::positional: return "structure of values by position (KFM_001)";
    }
    return "unknown";
}

const cosem_object* object_list::find(const obis& c) const {
    for (const auto& o : objects)
        if (o.code == c) return &o;
    return nullptr;
}

std::optional<std::string> object_list::list_identifier() const {
    for (const auto& o : objects)
        if (o.code && o.code->code[2] == 0 && o.code->code[3] == 2 && o.code->code[4] == 129)
            if (const auto* v = o.value.octets_value()) return std::string(v->begin(), v->end());
    return std::nullopt;
}

std::string object_list::make() const {
    const auto id = list_identifier().value_or("");
    if (id.starts_with("AIDON") || layout == body_layout::array_of_structures) return "Aidon";
    if (id.starts_with("KFM") || layout == body_layout::positional) return "Kaifa";
    if (id.starts_with("Kamstrup")) return "Kamstrup";
    return "";
}

std::span<const obis> kfm_001_list(std::size_t elements) {
    switch (elements) {
    case 1: return std::span<const obis>(kfm_3p).subspan(3, 1);
    case 9: return std::span<const obis>(kfm_1p).first(9);
    case 13: return std::span<const obis>(kfm_3p).first(13);
    case 14: return kfm_1p;
    case 18: return kfm_3p;
    default: return {};
    }
}

result<object_list> objects_of(const data& body) {
    const auto* items = body.items();
    if (items == nullptr) return errc::bad_value;
    if (body.type == data_type::array) return aidon_objects(*items);
    // A flat structure: OBIS, value pairs when an OBIS code comes first or second (after Kamstrup's
    // list identifier), else Kaifa's values by position.
    const bool pairs =
        (!items->empty() && is_obis_item((*items)[0])) || (items->size() > 1 && is_obis_item((*items)[1]));
    if (pairs) return pair_objects(*items);
    const auto codes = kfm_001_list(items->size());
    if (codes.empty()) return errc::bad_value;
    object_list list{body_layout::positional, {}};
    for (std::size_t i = 0; i < items->size(); ++i)
        list.objects.push_back({codes[i], code_source::position, (*items)[i], std::nullopt});
    return list;
}

data body_of(const object_list& list) {
    std::vector<data> items;
    const auto code_item = [](const cosem_object& o) {
        const auto& c = o.code.value_or(obis{}).code;
        return data::octets(data_type::octet_string, bytes(c.begin(), c.end()));
    };
    for (const auto& o : list.objects) {
        switch (list.layout) {
        case body_layout::array_of_structures: {
            std::vector<data> parts{code_item(o), o.value};
            if (o.scaling)
                parts.push_back(data::list(
                    data_type::structure, {data::integer(data_type::int8, o.scaling->scaler),
                                           data::unsigned_integer(data_type::enumeration, o.scaling->unit)}));
            items.push_back(data::list(data_type::structure, std::move(parts)));
            break;
        }
        case body_layout::obis_value_pairs:
            if (o.source == code_source::absent) {
                items.emplace_back();
                items.emplace_back();
            } else {
                if (o.source != code_source::list_identifier) items.push_back(code_item(o));
                items.push_back(o.value);
            }
            break;
        case body_layout::positional: items.push_back(o.value); break;
        }
    }
    return data::list(list.layout == body_layout::array_of_structures ? data_type::array
                                                                      : data_type::structure,
                      std::move(items));
}

} // namespace mbus::han
