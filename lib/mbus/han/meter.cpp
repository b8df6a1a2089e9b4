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

// The Swedish HAN data profile as Aidon sends it (aidon_se_rj12_doc_list): clock, total powers, currents,
// voltages, then per phase (L1, L2, L3) active import/export and reactive import/export power, then
// the four energy registers in Wh and varh; scaler and unit with every number.
std::vector<list_item> aidon_swedish(unsigned phases) {
    const auto with = [](obis c, data_type t, std::int8_t res, std::uint8_t unit, quantity q,
                         bool absent = false) {
        return list_item{c, t, res, std::optional<std::uint8_t>(unit), q, absent};
    };
    std::vector<list_item> items;
    items.push_back({code(0, 0, 1, 0, 0, 255), data_type::octet_string, 0, std::nullopt, quantity::clock});
    const std::array<std::uint8_t, 4> power_unit{unit_w, unit_w, unit_var, unit_var};
    for (std::size_t i = 0; i < 4; ++i)
        items.push_back(with(code(1, 0, static_cast<std::uint8_t>(1 + i), 7, 0, 255), data_type::uint32, 0,
                             power_unit[i], nth(quantity::import_w, i)));
    const std::size_t places = phases == 3 ? 3 : 1;
    const std::array<std::uint8_t, 3> current_c{31, 51, 71}, voltage_c{32, 52, 72}, phase_c{21, 41, 61};
    for (std::size_t i = 0; i < places; ++i)
        items.push_back(with(code(1, 0, current_c[i], 7, 0, 255), data_type::int16, -1, unit_a,
                             nth(quantity::current_l1, i)));
    for (std::size_t i = 0; i < places; ++i)
        items.push_back(with(code(1, 0, voltage_c[i], 7, 0, 255), data_type::uint16, -1, unit_v,
                             nth(quantity::voltage_l1, i)));
    const std::array<quantity, 4> per_phase{quantity::import_w_l1, quantity::export_w_l1,
                                            quantity::import_var_l1, quantity::export_var_l1};
    for (std::size_t i = 0; i < places; ++i)
        for (std::size_t k = 0; k < 4; ++k)
            items.push_back(with(code(1, 0, static_cast<std::uint8_t>(phase_c[i] + k), 7, 0, 255),
                                 data_type::uint32, 0, power_unit[k], nth(per_phase[k], i)));
    for (std::size_t i = 0; i < 4; ++i)
        items.push_back(with(code(1, 0, static_cast<std::uint8_t>(1 + i), 8, 0, 255), data_type::uint32, 0,
                             i < 2 ? unit_wh : unit_varh, nth(quantity::import_wh, i)));
    return items;
}

// Kamstrup's Danish/Swiss "DLMS push 1" (amsreader_kamstrup_dk_push1_ct_gh216, _push1_plain_gh350;
// 1-phase _dk_push1_1p_gh517, which leaves L2 and L3 out): list identifier, energy registers (Wh),
// the meter number, powers, the clock, voltages (V), currents (0.01 A), per-phase import power, power
// factors (0.01) per phase and in all, per-phase export power, per-phase export then import energy.
std::vector<list_item> kamstrup_push1(unsigned phases) {
    const auto item = [](std::uint8_t c, std::uint8_t d, data_type t, std::int8_t res, quantity q) {
        return list_item{code(1, 1, c, d, 0, 255), t, res, std::nullopt, q};
    };
    std::vector<list_item> items;
    items.push_back(
        {code(1, 1, 0, 2, 129, 255), data_type::visible_string, 0, std::nullopt, quantity::list_version});
    for (std::size_t i = 0; i < 4; ++i)
        items.push_back(
            item(static_cast<std::uint8_t>(1 + i), 8, data_type::uint32, 0, nth(quantity::import_wh, i)));
    items.push_back({code(1, 1, 0, 0, 1, 255), data_type::uint32, 0, std::nullopt, quantity::meter_number});
    for (std::size_t i = 0; i < 4; ++i)
        items.push_back(
            item(static_cast<std::uint8_t>(1 + i), 7, data_type::uint32, 0, nth(quantity::import_w, i)));
    items.push_back({code(0, 1, 1, 0, 0, 255), data_type::octet_string, 0, std::nullopt, quantity::clock});
    const std::size_t n = phases == 3 ? 3 : 1;
    const auto each = [&](std::array<std::uint8_t, 3> c, std::uint8_t d, data_type t, std::int8_t res,
                          quantity first) {
        for (std::size_t i = 0; i < n; ++i)
            items.push_back(item(c[i], d, t, res, nth(first, i)));
    };
    each({32, 52, 72}, 7, data_type::uint16, 0, quantity::voltage_l1);
    each({31, 51, 71}, 7, data_type::uint32, -2, quantity::current_l1);
    each({21, 41, 61}, 7, data_type::uint32, 0, quantity::import_w_l1);
    each({33, 53, 73}, 7, data_type::uint16, -2, quantity::power_factor_l1);
    items.push_back(item(13, 7, data_type::uint16, -2, quantity::power_factor));
    each({22, 42, 62}, 7, data_type::uint32, 0, quantity::export_w_l1);
    each({22, 42, 62}, 8, data_type::uint32, 0, quantity::export_wh_l1);
    each({21, 41, 61}, 8, data_type::uint32, 0, quantity::import_wh_l1);
    return items;
}

// Kaifa's Swedish list with OBIS codes (amshan_kaifa_se_list, amsreader_kaifa_se_obis_list3_gh242): the
// KFM_001 list 3 with each value after its code, the identifier under 1.0.0.2.129.255.
std::vector<list_item> kaifa_coded(unsigned phases) {
    auto items = nordic(make::kaifa, variant::se, 3, phases);
    items.front().code = code(1, 0, 0, 2, 129, 255);
    return items;
}

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

bool is_energy(quantity q) noexcept {
    return (q >= quantity::import_wh && q <= quantity::export_varh) || q >= quantity::import_wh_l1;
}

bool has_lists(make m, variant v) noexcept {
    return v == variant::no || v == variant::se || m == make::kamstrup;
}

std::string supported_lists() {
    return "Aidon NO, Aidon SE, Kaifa NO, Kaifa SE, Kamstrup NO, Kamstrup SE, Kamstrup DK, Kamstrup CH";
}

int list_count(make m, variant v) noexcept {
    if (m == make::aidon) return v == variant::se ? 1 : 3;
    if (m == make::kaifa) return v == variant::se ? 4 : 3;
    return v == variant::dk || v == variant::ch ? 3 : 2;
}

int hourly_list(make m, variant v) noexcept {
    if (m == make::aidon && v == variant::se) return 0;
    if (m == make::kamstrup && (v == variant::dk || v == variant::ch)) return 0;
    return m == make::kamstrup ? 2 : 3;
}

std::optional<list_spec> push_list(make m, variant v, int number, unsigned phases) {
    if (!has_lists(m, v) || number < 1 || number > list_count(m, v) || (phases != 1 && phases != 3))
        return std::nullopt;
    const auto encoding = header_of(m).encoding;
    if (m == make::aidon && v == variant::se)
        return list_spec{m, v, number, body_layout::array_of_structures, encoding, aidon_swedish(phases)};
    if (m == make::kaifa && number == 4)
        return list_spec{
            m, v, number, body_layout::obis_value_pairs, datetime_encoding::absent, kaifa_coded(phases)};
    if (m == make::kamstrup && number == 3)
        return list_spec{m, v, number, body_layout::obis_value_pairs, encoding, kamstrup_push1(phases)};
    const body_layout layout = m == make::aidon   ? body_layout::array_of_structures
                               : m == make::kaifa ? body_layout::positional
                                                  : body_layout::obis_value_pairs;
    return list_spec{m, v, number, layout, encoding, nordic(m, v, number, phases)};
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

push_header header_of(make m, variant v) {
    auto h = header_of(m);
    if (m == make::kaifa && v == variant::se) h.frame.source = {0x00, 0x01};
    return h;
}

date_time clock_of(make m, variant v, date_time t) {
    t = clock_of(m, t);
    if (m == make::aidon && v == variant::se) {
        t.deviation = date_time::deviation_unspecified;
        t.clock_status = 0xFF;
    } else if (m == make::kaifa && v == variant::se) {
        t.deviation = -60;
    }
    return t;
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
        if (spec.layout == body_layout::obis_value_pairs && item.what == quantity::list_version &&
            spec.maker == make::kamstrup)
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

data_notification push_notification(const list_spec& spec, const object_list& objects, const date_time& now) {
    return {header_of(spec.maker).invoke_id_and_priority, spec.encoding,
            spec.encoding == datetime_encoding::absent ? bytes{} : now.encode(), body_of(objects)};
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
    auto apdu = encode_notification(push_notification(spec, *list, now));
    if (!apdu) return unexpected(apdu.error());
    auto f = header_of(spec.maker, spec.var).frame;
    f.information = with_llc(*apdu);
    return encode_hdlc(f);
}

} // namespace mbus::han
