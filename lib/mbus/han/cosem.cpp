#include <mbus/han/cosem.hpp>

#include <fmt/format.h>

#include <bit>
#include <cstdlib>
#include <limits>
#include <ostream>

namespace mbus::han {

namespace {

constexpr int max_depth = 16; // HAN lists nest three deep; this bounds a hostile input's recursion

// Size of the fixed-size types, 0 for the others.
std::size_t fixed_size(data_type t) {
    switch (t) {
    case data_type::boolean:
    case data_type::int8:
    case data_type::uint8:
    case data_type::enumeration:
    case data_type::bcd: return 1;
    case data_type::int16:
    case data_type::uint16: return 2;
    case data_type::int32:
    case data_type::uint32:
    case data_type::float32:
    case data_type::time: return 4;
    case data_type::date: return 5;
    case data_type::int64:
    case data_type::uint64:
    case data_type::float64: return 8;
    case data_type::date_time: return 12;
    default: return 0;
    }
}

bool is_signed(data_type t) {
    return t == data_type::int8 || t == data_type::int16 || t == data_type::int32 || t == data_type::int64;
}
bool is_unsigned(data_type t) {
    return t == data_type::uint8 || t == data_type::uint16 || t == data_type::uint32 ||
           t == data_type::uint64 || t == data_type::enumeration || t == data_type::bcd;
}

std::uint64_t read_be(bytes_view in, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v = (v << 8) | in[i];
    return v;
}
void write_be(bytes& out, std::uint64_t v, std::size_t n) {
    for (std::size_t i = n; i-- > 0;)
        out.push_back(static_cast<byte>((v >> (8 * i)) & 0xFF));
}

result<data> decode_at(bytes_view in, std::size_t& at, int depth) {
    if (depth > max_depth) return errc::too_deep;
    if (at >= in.size()) return errc::truncated;
    const auto type = static_cast<data_type>(in[at++]);
    switch (type) {
    case data_type::null_data: return data{};
    case data_type::array:
    case data_type::structure: {
        auto n = read_length(in, at);
        if (!n) return unexpected(n.error());
        if (*n > in.size() - at) return errc::truncated; // each item takes a byte at least
        std::vector<data> items;
        items.reserve(*n);
        for (std::size_t i = 0; i < *n; ++i) {
            auto item = decode_at(in, at, depth + 1);
            if (!item) return unexpected(item.error());
            items.push_back(std::move(*item));
        }
        return data::list(type, std::move(items));
    }
    case data_type::octet_string:
    case data_type::visible_string:
    case data_type::utf8_string: {
        auto n = read_length(in, at);
        if (!n) return unexpected(n.error());
        if (*n > in.size() - at) return errc::truncated;
        bytes v(in.begin() + static_cast<std::ptrdiff_t>(at),
                in.begin() + static_cast<std::ptrdiff_t>(at + *n));
        at += *n;
        return data::octets(type, std::move(v));
    }
    case data_type::bit_string: {
        auto n = read_length(in, at);
        if (!n) return unexpected(n.error());
        const std::size_t size = (*n + 7) / 8;
        if (size > in.size() - at) return errc::truncated;
        data d = data::octets(type, bytes(in.begin() + static_cast<std::ptrdiff_t>(at),
                                          in.begin() + static_cast<std::ptrdiff_t>(at + size)));
        d.bits = *n;
        at += size;
        return d;
    }
    default: break;
    }
    const std::size_t size = fixed_size(type);
    if (size == 0) return errc::unknown_data_type;
    if (size > in.size() - at) return errc::truncated;
    const bytes_view v = in.subspan(at, size);
    at += size;
    const std::uint64_t raw = read_be(v, size);
    if (type == data_type::boolean) return data{type, v[0] != 0, 0};
    if (is_unsigned(type)) return data::unsigned_integer(type, raw);
    if (is_signed(type)) {
        const unsigned shift = static_cast<unsigned>(64 - 8 * size);
        return data::integer(type, static_cast<std::int64_t>(raw << shift) >> shift);
    }
    if (type == data_type::float32) {
        const auto bits = static_cast<std::uint32_t>(raw);
        return data{type, static_cast<double>(std::bit_cast<float>(bits)), 0};
    }
    if (type == data_type::float64) return data{type, std::bit_cast<double>(raw), 0};
    return data::octets(type, bytes(v.begin(), v.end())); // date-time, date, time
}

} // namespace

const char* name_of(data_type t) noexcept {
    switch (t) {
    case data_type::null_data: return "null-data";
    case data_type::array: return "array";
    case data_type::structure: return "structure";
    case data_type::boolean: return "boolean";
    case data_type::bit_string: return "bit-string";
    case data_type::int32: return "double-long";
    case data_type::uint32: return "double-long-unsigned";
    case data_type::octet_string: return "octet-string";
    case data_type::visible_string: return "visible-string";
    case data_type::utf8_string: return "utf8-string";
    case data_type::bcd: return "bcd";
    case data_type::int8: return "integer";
    case data_type::int16: return "long";
    case data_type::uint8: return "unsigned";
    case data_type::uint16: return "long-unsigned";
    case data_type::int64: return "long64";
    case data_type::uint64: return "long64-unsigned";
    case data_type::enumeration: return "enum";
    case data_type::float32: return "float32";
    case data_type::float64: return "float64";
    case data_type::date_time: return "date-time";
    case data_type::date: return "date";
    case data_type::time: return "time";
    }
    return "unknown";
}

std::optional<std::int64_t> data::as_integer() const {
    if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
    if (const auto* u = std::get_if<std::uint64_t>(&value)) {
        if (*u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return static_cast<std::int64_t>(*u);
    }
    if (const auto* b = std::get_if<bool>(&value)) return *b ? 1 : 0;
    return std::nullopt;
}

std::optional<double> data::as_number() const {
    if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
    if (const auto* u = std::get_if<std::uint64_t>(&value)) return static_cast<double>(*u);
    if (const auto* f = std::get_if<double>(&value)) return *f;
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, const data& d) {
    os << name_of(d.type);
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
            } else if constexpr (std::is_same_v<T, bytes>) {
                os << " " << to_hex(v, "");
            } else if constexpr (std::is_same_v<T, std::vector<data>>) {
                os << "[";
                for (std::size_t i = 0; i < v.size(); ++i)
                    os << (i ? ", " : "") << v[i];
                os << "]";
            } else {
                os << " " << v;
            }
        },
        d.value);
    return os;
}

void append_length(bytes& out, std::size_t n) {
    if (n < 0x80) {
        out.push_back(static_cast<byte>(n));
        return;
    }
    std::size_t size = 1;
    while (size < sizeof(n) && (n >> (8 * size)) != 0)
        ++size;
    out.push_back(static_cast<byte>(0x80 | size));
    write_be(out, n, size);
}

result<std::size_t> read_length(bytes_view in, std::size_t& at) {
    if (at >= in.size()) return errc::truncated;
    const byte first = in[at++];
    if (first < 0x80) return std::size_t{first};
    const std::size_t size = first & 0x7FU;
    if (size == 0 || size > 4) return errc::bad_length;
    if (size > in.size() - at) return errc::truncated;
    const auto n = static_cast<std::size_t>(read_be(in.subspan(at, size), size));
    at += size;
    return n;
}

result<data> decode_data(bytes_view in, std::size_t& used) {
    std::size_t at = 0;
    auto d = decode_at(in, at, 0);
    used = at;
    return d;
}

result<void> encode_data(const data& d, bytes& out) {
    out.push_back(static_cast<byte>(d.type));
    switch (d.type) {
    case data_type::null_data: return {};
    case data_type::array:
    case data_type::structure: {
        const auto* items = d.items();
        if (items == nullptr) return errc::bad_value;
        append_length(out, items->size());
        for (const auto& item : *items)
            if (auto r = encode_data(item, out); !r) return r;
        return {};
    }
    case data_type::octet_string:
    case data_type::visible_string:
    case data_type::utf8_string: {
        const auto* v = d.octets_value();
        if (v == nullptr) return errc::bad_value;
        append_length(out, v->size());
        out.insert(out.end(), v->begin(), v->end());
        return {};
    }
    case data_type::bit_string: {
        const auto* v = d.octets_value();
        if (v == nullptr || v->size() != (d.bits + 7) / 8) return errc::bad_value;
        append_length(out, d.bits);
        out.insert(out.end(), v->begin(), v->end());
        return {};
    }
    default: break;
    }
    const std::size_t size = fixed_size(d.type);
    if (size == 0) return errc::unknown_data_type;
    if (const auto* v = d.octets_value()) { // date-time, date, time
        if (v->size() != size) return errc::bad_value;
        out.insert(out.end(), v->begin(), v->end());
        return {};
    }
    if (d.type == data_type::boolean) {
        const auto* b = std::get_if<bool>(&d.value);
        if (b == nullptr) return errc::bad_value;
        out.push_back(*b ? 1 : 0);
        return {};
    }
    if (d.type == data_type::float32 || d.type == data_type::float64) {
        const auto* f = std::get_if<double>(&d.value);
        if (f == nullptr) return errc::bad_value;
        if (d.type == data_type::float32)
            write_be(out, std::bit_cast<std::uint32_t>(static_cast<float>(*f)), 4);
        else
            write_be(out, std::bit_cast<std::uint64_t>(*f), 8);
        return {};
    }
    const unsigned bits = static_cast<unsigned>(8 * size);
    if (is_unsigned(d.type)) {
        const auto* u = std::get_if<std::uint64_t>(&d.value);
        if (u == nullptr || (bits < 64 && (*u >> bits) != 0)) return errc::bad_value;
        write_be(out, *u, size);
        return {};
    }
    const auto* i = std::get_if<std::int64_t>(&d.value);
    if (i == nullptr) return errc::bad_value;
    if (bits < 64) {
        const std::int64_t lo = -(std::int64_t{1} << (bits - 1));
        const std::int64_t hi = (std::int64_t{1} << (bits - 1)) - 1;
        if (*i < lo || *i > hi) return errc::bad_value;
    }
    write_be(out, static_cast<std::uint64_t>(*i), size);
    return {};
}

std::optional<date_time> date_time::decode(bytes_view in) {
    if (in.size() != 12) return std::nullopt;
    date_time t;
    t.year = static_cast<std::uint16_t>((in[0] << 8) | in[1]);
    t.month = in[2];
    t.day = in[3];
    t.day_of_week = in[4];
    t.hour = in[5];
    t.minute = in[6];
    t.second = in[7];
    t.hundredths = in[8];
    t.deviation = static_cast<std::int16_t>(static_cast<std::uint16_t>((in[9] << 8) | in[10]));
    t.clock_status = in[11];
    return t;
}

bytes date_time::encode() const {
    const auto dev = static_cast<std::uint16_t>(deviation);
    return {static_cast<byte>(year >> 8),
            static_cast<byte>(year & 0xFF),
            month,
            day,
            day_of_week,
            hour,
            minute,
            second,
            hundredths,
            static_cast<byte>(dev >> 8),
            static_cast<byte>(dev & 0xFF),
            clock_status};
}

std::string date_time::iso() const {
    std::string s =
        fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year, month, day, hour, minute, second);
    if (hundredths < 100) s += fmt::format(".{:02}", hundredths);
    if (deviation != deviation_unspecified) {
        const int offset = -deviation; // the Blue Book's deviation is UTC minus local time
        s += fmt::format("{}{:02}:{:02}", offset < 0 ? '-' : '+', std::abs(offset) / 60,
                         std::abs(offset) % 60);
    }
    return s;
}

bool date_time::plausible() const {
    const bool month_ok = (month >= 1 && month <= 12) || month >= 0xFD;
    const bool day_ok = (day >= 1 && day <= 31) || day >= 0xFD;
    const bool dow_ok = (day_of_week >= 1 && day_of_week <= 7) || day_of_week == 0xFF;
    const bool hour_ok = hour < 24 || hour == 0xFF;
    const bool minute_ok = minute < 60 || minute == 0xFF;
    const bool second_ok = second < 60 || second == 0xFF;
    const bool dev_ok = deviation == deviation_unspecified || (deviation >= -720 && deviation <= 840);
    return month_ok && day_ok && dow_ok && hour_ok && minute_ok && second_ok && dev_ok;
}

std::ostream& operator<<(std::ostream& os, const date_time& t) { return os << t.iso(); }

} // namespace mbus::han
