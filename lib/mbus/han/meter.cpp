#include <mbus/han/meter.hpp>

#include <algorithm>
#include <cmath>

namespace mbus::han {

namespace {

constexpr std::uint8_t unit_w = 27, unit_var = 29, unit_wh = 30, unit_varh = 32, unit_a = 33, unit_v = 35;

obis code(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t e, std::uint8_t f) {
    return obis{{a, b, c, d, e, f}};
}

quantity nth(quantity first, std::size_t i) {
    return static_cast<quantity>(static_cast<std::size_t>(first) + i);
}

// The common order of the Norwegian lists (NVE's HAN requirement): identifiers, powers, currents,
// voltages, then the hourly clock and energy registers. `b` is the B group (Kamstrup 1, others 0).
std::vector<list_item> nordic(make m, variant v, int number, unsigned phases) {
    const bool kamstrup = m == make::kamstrup;
    const bool aidon = m == make::aidon;
    const std::uint8_t b = kamstrup ? 1 : 0;
    const auto text_type = aidon || kamstrup ? data_type::visible_string : data_type::octet_string;
    const auto power = [&](std::uint8_t c, std::uint8_t unit, quantity q) {
        return list_item{code(1, b, c, 7, 0, 255), data_type::uint32, 0,
                         aidon ? std::optional<std::uint8_t>(unit) : std::nullopt, q};
    };
    std::vector<list_item> items;
    if (number == 1 && !kamstrup) return {power(1, unit_w, quantity::import_w)};
    items.push_back({code(1, 1, 0, 2, 129, 255), text_type, 0, std::nullopt, quantity::list_version});
    items.push_back({kamstrup ? code(1, 1, 0, 0, 5, 255) : code(0, 0, 96, 1, 0, 255), text_type, 0,
                     std::nullopt, quantity::meter_id});
    items.push_back({kamstrup ? code(1, 1, 96, 1, 1, 255) : code(0, 0, 96, 1, 7, 255), text_type, 0,
                     std::nullopt, quantity::meter_type});
    items.push_back(power(1, unit_w, quantity::import_w));
    items.push_back(power(2, unit_w, quantity::export_w));
    items.push_back(power(3, unit_var, quantity::import_var));
    items.push_back(power(4, unit_var, quantity::export_var));
    // Kamstrup keeps three phases' places on a 1-phase meter (null pairs); the others drop them.
    const std::size_t places = kamstrup || phases == 3 ? 3 : 1;
    const std::array<std::uint8_t, 3> current_c{31, 51, 71}, voltage_c{32, 52, 72};
    for (std::size_t i = 0; i < places; ++i)
        items.push_back({code(1, b, current_c[i], 7, 0, 255), aidon ? data_type::int16 : data_type::uint32,
                         static_cast<std::int8_t>(aidon      ? -1
                                                  : kamstrup ? -2
                                                             : -3),
                         aidon ? std::optional<std::uint8_t>(unit_a) : std::nullopt,
                         nth(quantity::current_l1, i), i >= phases});
    for (std::size_t i = 0; i < places; ++i)
        items.push_back({code(1, b, voltage_c[i], 7, 0, 255),
                         aidon || kamstrup ? data_type::uint16 : data_type::uint32,
                         static_cast<std::int8_t>(kamstrup ? 0 : -1),
                         aidon ? std::optional<std::uint8_t>(unit_v) : std::nullopt,
                         nth(quantity::voltage_l1, i), i >= phases});
    if (number != hourly_list(m)) return items;
    items.push_back({kamstrup ? code(0, 1, 1, 0, 0, 255) : code(0, 0, 1, 0, 0, 255), data_type::octet_string,
                     0, std::nullopt, quantity::clock});
    // Energy: Aidon and Norwegian Kamstrup in 10 Wh, Kaifa and Swedish Kamstrup in Wh.
    const bool tens = aidon || (kamstrup && v == variant::no);
    for (std::size_t i = 0; i < 4; ++i)
        items.push_back({code(1, b, static_cast<std::uint8_t>(1 + i), 8, 0, 255), data_type::uint32,
                         static_cast<std::int8_t>(tens ? 1 : 0),
                         aidon ? std::optional<std::uint8_t>(i < 2 ? unit_wh : unit_varh) : std::nullopt,
                         nth(quantity::import_wh, i)});
    return items;
}

bool is_energy(quantity q) { return q >= quantity::import_wh; }

std::pair<double, double> range_of(data_type t) {
    switch (t) {
    case data_type::int8: return {-128, 127};
    case data_type::int16: return {-32768, 32767};
    case data_type::int32: return {-2147483648.0, 2147483647.0};
    case data_type::uint8: return {0, 255};
    case data_type::uint16: return {0, 65535};
    default: return {0, 4294967295.0};
    }
}

result<data> value_for(const list_item& item, const push_value& v, const date_time& now) {
    if (item.what == quantity::clock)
        return data::octets(data_type::octet_string,
                            (std::holds_alternative<date_time>(v) ? std::get<date_time>(v) : now).encode());
    if (const auto* s = std::get_if<std::string>(&v)) {
        if (item.type != data_type::visible_string && item.type != data_type::octet_string)
            return errc::bad_value;
        return data::octets(item.type, bytes(s->begin(), s->end()));
    }
    const auto* x = std::get_if<double>(&v);
    if (x == nullptr || !std::isfinite(*x)) return errc::bad_value;
    const double scaled = *x / std::pow(10.0, item.resolution);
    // A register counts whole units (the 1e-9 forgives a value that is a whole unit less a rounding).
    const double raw = is_energy(item.what) ? std::floor(scaled + 1e-9) : std::round(scaled);
    const auto [lo, hi] = range_of(item.type);
    const double held = std::clamp(raw, lo, hi);
    if (item.type == data_type::int16 || item.type == data_type::int32 || item.type == data_type::int8)
        return data::integer(item.type, static_cast<std::int64_t>(held));
    return data::unsigned_integer(item.type, static_cast<std::uint64_t>(held));
}

} // namespace

const char* name_of(make m) noexcept {
    switch (m) {
    case make::aidon: return "Aidon";
    case make::kaifa: return "Kaifa";
    case make::kamstrup: return "Kamstrup";
    }
    return "?";
}

const char* name_of(variant v) noexcept {
    switch (v) {
    case variant::no: return "NO";
    case variant::se: return "SE";
    case variant::dk: return "DK";
    case variant::ch: return "CH";
    }
    return "?";
}

bool has_lists(make m, variant v) noexcept {
    return v == variant::no || (m == make::kamstrup && v == variant::se);
}

std::string supported_lists() { return "Aidon NO, Kaifa NO, Kamstrup NO, Kamstrup SE"; }

int list_count(make m) noexcept { return m == make::kamstrup ? 2 : 3; }
int hourly_list(make m) noexcept { return list_count(m); }

std::optional<list_spec> push_list(make m, variant v, int number, unsigned phases) {
    if (!has_lists(m, v) || number < 1 || number > list_count(m) || (phases != 1 && phases != 3))
        return std::nullopt;
    const body_layout layout = m == make::aidon   ? body_layout::array_of_structures
                               : m == make::kaifa ? body_layout::positional
                                                  : body_layout::obis_value_pairs;
    return list_spec{m, v, number, layout, nordic(m, v, number, phases)};
}

std::optional<list_spec> norwegian_list(make m, int number) { return push_list(m, variant::no, number, 3); }

std::string default_list_version(make m) {
    switch (m) {
    case make::aidon: return "AIDON_V0001";
    case make::kaifa: return "KFM_001";
    case make::kamstrup: return "Kamstrup_V0001";
    }
    return {};
}

line_settings line_of(make m) noexcept {
    return m == make::kamstrup ? line_settings{2400, 'N', 1} : line_settings{2400, 'E', 1};
}

push_header header_of(make m) {
    switch (m) {
    case make::aidon: return {{false, {0x41}, {0x08, 0x83}, 0x13, {}}, 0x40000000, datetime_encoding::absent};
    case make::kaifa:
        return {{false, {0x01}, {0x02, 0x01}, 0x10, {}}, 0x40000000, datetime_encoding::tagged_octet_string};
    case make::kamstrup: return {{false, {0x2B}, {0x21}, 0x13, {}}, 0, datetime_encoding::octet_string};
    }
    return {};
}

date_time clock_of(make m, date_time t) {
    t.hundredths = 0xFF;
    t.clock_status = 0x00;
    if (m == make::aidon) {
        t.deviation = 0;
        if (t.day_of_week == 7) t.day_of_week = 0;
    } else {
        t.deviation = date_time::deviation_unspecified;
    }
    return t;
}

result<object_list> push_objects(const list_spec& spec,
                                 const std::function<std::optional<push_value>(const list_item&)>& value_of,
                                 const date_time& now) {
    object_list list{spec.layout, {}};
    for (const auto& item : spec.items) {
        if (item.absent) {
            list.objects.push_back({std::nullopt, code_source::absent, data{}, std::nullopt});
            continue;
        }
        auto v = value_of(item);
        if (!v && item.what != quantity::clock) return errc::bad_value;
        auto d = value_for(item, v ? *v : push_value{now}, now);
        if (!d) return unexpected(d.error());
        cosem_object o{item.code, code_source::on_wire, std::move(*d), std::nullopt};
        if (item.unit) o.scaling = scaler_unit{item.resolution, *item.unit};
        if (spec.layout == body_layout::positional) o.source = code_source::position;
        if (spec.layout == body_layout::obis_value_pairs && item.what == quantity::list_version)
            o.source = code_source::list_identifier;
        list.objects.push_back(std::move(o));
    }
    return list;
}

data_notification push_notification(make m, const object_list& objects, const date_time& now) {
    const auto h = header_of(m);
    return {h.invoke_id_and_priority, h.encoding,
            h.encoding == datetime_encoding::absent ? bytes{} : now.encode(), body_of(objects)};
}

result<bytes> encode_push(const list_spec& spec, const std::map<std::string, push_value>& values,
                          const date_time& now) {
    const auto list = push_objects(
        spec,
        [&](const list_item& item) -> std::optional<push_value> {
            const auto v = values.find(item.code.str());
            if (v == values.end()) return std::nullopt;
            return v->second;
        },
        now);
    if (!list) return unexpected(list.error());
    auto apdu = encode_notification(push_notification(spec.maker, *list, now));
    if (!apdu) return unexpected(apdu.error());
    auto f = header_of(spec.maker).frame;
    f.information = with_llc(*apdu);
    return encode_hdlc(f);
}

} // namespace mbus::han
