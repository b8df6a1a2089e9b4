#include <mbus/han/meter.hpp>

#include <cmath>

namespace mbus::han {

namespace {

constexpr std::uint8_t unit_w = 27, unit_var = 29, unit_wh = 30, unit_varh = 32, unit_a = 33, unit_v = 35;

obis code(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t e, std::uint8_t f) {
    return obis{{a, b, c, d, e, f}};
}

// The common order of the Norwegian lists (NVE's HAN requirement): identifiers, powers, currents,
// voltages, then the hourly clock and energy registers. `b` is the B group (Kamstrup 1, others 0).
std::vector<list_item> nordic(make m, int number) {
    const bool kamstrup = m == make::kamstrup;
    const bool aidon = m == make::aidon;
    const std::uint8_t b = kamstrup ? 1 : 0;
    const auto text_type = aidon || kamstrup ? data_type::visible_string : data_type::octet_string;
    const auto power = [&](std::uint8_t c, std::uint8_t unit) {
        return list_item{code(1, b, c, 7, 0, 255), data_type::uint32, 0,
                         aidon ? std::optional<std::uint8_t>(unit) : std::nullopt};
    };
    std::vector<list_item> items;
    if (number == 1 && !kamstrup) return {power(1, unit_w)};
    items.push_back({code(1, 1, 0, 2, 129, 255), text_type, 0, std::nullopt});
    items.push_back(
        {kamstrup ? code(1, 1, 0, 0, 5, 255) : code(0, 0, 96, 1, 0, 255), text_type, 0, std::nullopt});
    items.push_back(
        {kamstrup ? code(1, 1, 96, 1, 1, 255) : code(0, 0, 96, 1, 7, 255), text_type, 0, std::nullopt});
    items.push_back(power(1, unit_w));
    items.push_back(power(2, unit_w));
    items.push_back(power(3, unit_var));
    items.push_back(power(4, unit_var));
    for (const std::uint8_t c : std::initializer_list<std::uint8_t>{31, 51, 71}) // currents
        items.push_back({code(1, b, c, 7, 0, 255), aidon ? data_type::int16 : data_type::uint32,
                         static_cast<std::int8_t>(aidon      ? -1
                                                  : kamstrup ? -2
                                                             : -3),
                         aidon ? std::optional<std::uint8_t>(unit_a) : std::nullopt});
    for (const std::uint8_t c : std::initializer_list<std::uint8_t>{32, 52, 72}) // voltages
        items.push_back({code(1, b, c, 7, 0, 255), aidon || kamstrup ? data_type::uint16 : data_type::uint32,
                         static_cast<std::int8_t>(kamstrup ? 0 : -1),
                         aidon ? std::optional<std::uint8_t>(unit_v) : std::nullopt});
    const bool hourly = kamstrup ? number == 2 : number == 3;
    if (!hourly) return items;
    items.push_back({kamstrup ? code(0, 1, 1, 0, 0, 255) : code(0, 0, 1, 0, 0, 255), data_type::octet_string,
                     0, std::nullopt});
    for (const std::uint8_t c : std::initializer_list<std::uint8_t>{1, 2, 3, 4}) // energy registers
        items.push_back({code(1, b, c, 8, 0, 255), data_type::uint32,
                         static_cast<std::int8_t>(aidon || kamstrup ? 1 : 0),
                         aidon ? std::optional<std::uint8_t>(c <= 2 ? unit_wh : unit_varh) : std::nullopt});
    return items;
}

result<data> value_for(const list_item& item, const push_value& v, const date_time& now) {
    if (item.code.code[2] == 1 && item.code.code[3] == 0 && item.code.code[4] == 0) // the clock
        return data::octets(data_type::octet_string,
                            (std::holds_alternative<date_time>(v) ? std::get<date_time>(v) : now).encode());
    if (const auto* s = std::get_if<std::string>(&v)) {
        if (item.type != data_type::visible_string && item.type != data_type::octet_string)
            return errc::bad_value;
        return data::octets(item.type, bytes(s->begin(), s->end()));
    }
    const auto* x = std::get_if<double>(&v);
    if (x == nullptr) return errc::bad_value;
    const double raw = std::round(item.resolution < 0 ? *x * std::pow(10.0, -item.resolution)
                                                      : *x / std::pow(10.0, item.resolution));
    if (item.type == data_type::int16 || item.type == data_type::int32 || item.type == data_type::int8)
        return data::integer(item.type, static_cast<std::int64_t>(raw));
    if (raw < 0) return errc::bad_value;
    return data::unsigned_integer(item.type, static_cast<std::uint64_t>(raw));
}

} // namespace

std::optional<list_spec> norwegian_list(make m, int number) {
    const int lists = m == make::kamstrup ? 2 : 3;
    if (number < 1 || number > lists) return std::nullopt;
    const body_layout layout = m == make::aidon   ? body_layout::array_of_structures
                               : m == make::kaifa ? body_layout::positional
                                                  : body_layout::obis_value_pairs;
    return list_spec{m, number, layout, nordic(m, number)};
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

result<bytes> encode_push(const list_spec& spec, const std::map<std::string, push_value>& values,
                          const date_time& now) {
    object_list list{spec.layout, {}};
    for (const auto& item : spec.items) {
        const auto v = values.find(item.code.str());
        const bool clock = item.code.code[2] == 1 && item.code.code[3] == 0 && item.code.code[4] == 0;
        if (v == values.end() && !clock) return errc::bad_value;
        auto d = value_for(item, v == values.end() ? push_value{now} : v->second, now);
        if (!d) return unexpected(d.error());
        cosem_object o{item.code, code_source::on_wire, std::move(*d), std::nullopt};
        if (item.unit) o.scaling = scaler_unit{item.resolution, *item.unit};
        if (spec.layout == body_layout::positional) o.source = code_source::position;
        if (spec.layout == body_layout::obis_value_pairs && item.code == obis{{1, 1, 0, 2, 129, 255}})
            o.source = code_source::list_identifier;
        list.objects.push_back(std::move(o));
    }
    const auto h = header_of(spec.maker);
    data_notification n{h.invoke_id_and_priority, h.encoding,
                        h.encoding == datetime_encoding::absent ? bytes{} : now.encode(), body_of(list)};
    auto apdu = encode_notification(n);
    if (!apdu) return unexpected(apdu.error());
    auto f = h.frame;
    f.information = with_llc(*apdu);
    return encode_hdlc(f);
}

} // namespace mbus::han
