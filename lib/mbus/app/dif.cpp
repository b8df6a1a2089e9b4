#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/meaning_errc.hpp>
#include <mbus/core/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ostream>
#include <string>

namespace mbus::app {

bool more_records_follow(const variable_data& v) {
    return !v.records.empty() && v.records.back().dib.dif == special_dif::more_records_follow;
}

bool more_records_follow(const user_data& ud) {
    const auto* v = std::get_if<variable_data>(&ud);
    return v != nullptr && more_records_follow(*v);
}

namespace {
constexpr byte extension_bit = 0x80;

} // namespace

std::optional<std::size_t> coding_size(data_coding c) {
    static constexpr std::array<std::uint8_t, 16> sizes{0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, 0, 6, 0};
    if (c == data_coding::variable || c == data_coding::special) return std::nullopt;
    return sizes[static_cast<std::size_t>(c)];
}

bool is_bcd(data_coding c) {
    switch (c) {
    case data_coding::bcd2:
    case data_coding::bcd4:
    case data_coding::bcd6:
    case data_coding::bcd8:
    case data_coding::bcd12: return true;
    default: return false;
    }
}

bool is_integer(data_coding c) {
    switch (c) {
    case data_coding::int8:
    case data_coding::int16:
    case data_coding::int24:
    case data_coding::int32:
    case data_coding::int48:
    case data_coding::int64: return true;
    default: return false;
    }
}

dib_meaning describe(const dib& d) { return describe_dib(d.dif, d.dife); }

dib_meaning describe_dib(byte dif, bytes_view dife) {
    dib_meaning m;
    m.coding = coding_of(dif);
    m.function = function_of(dif);
    m.storage = (dif >> 6) & 0x01;
    unsigned i = 0;
    for (const byte e : dife) {
        // Past 10 DIFE the bits no longer fit the fields; the codec refuses such records anyway.
        if (i >= 10) break;
        m.storage |= static_cast<std::uint64_t>(e & 0x0F) << (1 + 4 * i);
        m.tariff |= static_cast<std::uint32_t>((e >> 4) & 0x03) << (2 * i);
        m.subunit = static_cast<std::uint16_t>(m.subunit | ((e >> 6) & 0x01) << i);
        ++i;
    }
    // As many DIFE as encode_dib writes for these fields (10 at most, so always in range); it
    // refuses the special coding, which keeps min_dife 0.
    if (m.coding != data_coding::special && !dife.empty()) {
        std::size_t canonical = 0;
        for (std::uint64_t storage = m.storage >> 1, tariff = m.tariff, subunit = m.subunit;
             storage != 0 || tariff != 0 || subunit != 0; storage >>= 4, tariff >>= 2, subunit >>= 1)
            ++canonical;
        if (canonical < dife.size())
            m.min_dife = static_cast<std::uint8_t>(std::min<std::size_t>(dife.size(), 10));
    }
    return m;
}

result<dib> encode_dib(const dib_meaning& m) {
    if (m.coding == data_coding::special) return errc::invalid_value;
    if (m.storage > max_storage || m.tariff > max_tariff || m.subunit > max_subunit || m.min_dife > 10)
        return meaning_errc::dib_out_of_range;
    dib d;
    d.dif = static_cast<byte>(static_cast<byte>(m.coding) | static_cast<byte>(m.function) << 4 |
                              static_cast<byte>(m.storage & 0x01) << 6);
    std::uint64_t storage = m.storage >> 1;
    std::uint32_t tariff = m.tariff;
    std::uint32_t subunit = m.subunit;
    while (storage != 0 || tariff != 0 || subunit != 0) {
        d.dife.push_back(static_cast<byte>((storage & 0x0F) | (tariff & 0x03) << 4 | (subunit & 0x01) << 6));
        storage >>= 4;
        tariff >>= 2;
        subunit >>= 1;
    }
    while (d.dife.size() < m.min_dife)
        d.dife.push_back(0);
    if (!d.dife.empty()) {
        d.dif |= extension_bit;
        for (std::size_t i = 0; i + 1 < d.dife.size(); ++i)
            d.dife[i] |= extension_bit;
    }
    return d;
}

std::string_view name(function_kind f) {
    switch (f) {
    case function_kind::instantaneous: return "instantaneous";
    case function_kind::maximum: return "maximum";
    case function_kind::minimum: return "minimum";
    case function_kind::error_state: return "error_state";
    }
    return "?";
}

std::string_view description(function_kind f) {
    switch (f) {
    case function_kind::instantaneous: return "Instantaneous value";
    case function_kind::maximum: return "Maximum value";
    case function_kind::minimum: return "Minimum value";
    case function_kind::error_state: return "Value during error state";
    }
    return "?";
}

std::string_view name(data_coding c) {
    static constexpr std::array<std::string_view, 16> names{
        "none",      "int8", "int16", "int24", "int32", "real32",   "int48", "int64",
        "selection", "bcd2", "bcd4",  "bcd6",  "bcd8",  "variable", "bcd12", "special"};
    return names[static_cast<std::size_t>(c)];
}

std::optional<function_kind> function_from_name(std::string_view s) {
    const auto l = lower(s);
    if (l == "instantaneous" || l == "inst" || l == "actual") return function_kind::instantaneous;
    if (l == "maximum" || l == "max") return function_kind::maximum;
    if (l == "minimum" || l == "min") return function_kind::minimum;
    if (l == "error_state" || l == "error" || l == "value_during_error_state")
        return function_kind::error_state;
    return std::nullopt;
}

std::optional<data_coding> coding_from_name(std::string_view s) {
    const auto l = lower(s);
    if (l == "real" || l == "float" || l == "float32") return data_coding::real32;
    for (unsigned i = 0; i < 16; ++i) {
        const auto c = static_cast<data_coding>(i);
        if (l == name(c)) return c;
    }
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, function_kind f) { return os << name(f); }
std::ostream& operator<<(std::ostream& os, data_coding c) { return os << name(c); }
std::ostream& operator<<(std::ostream& os, const dib_meaning& m) {
    return os << fmt::format("{} storage={} tariff={} subunit={} {}", name(m.function), m.storage, m.tariff,
                             m.subunit, name(m.coding));
}

} // namespace mbus::app
