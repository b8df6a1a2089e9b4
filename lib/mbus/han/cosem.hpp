#pragma once
// COSEM data as A-XDR encodes it (IEC 62056-6-2, DLMS UA Blue Book "Data" CHOICE): a tag, then the
// value, fixed size by type or length-prefixed for strings, item count for arrays and structures.
// Lengths are A-XDR: one byte below 0x80, else 0x8N and N bytes big-endian.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/han/errc.hpp>

namespace mbus::han {

// The Blue Book's tags for the types HAN lists use.
enum class data_type : std::uint8_t {
    null_data = 0,
    array = 1,
    structure = 2,
    boolean = 3,
    bit_string = 4,
    int32 = 5,  // double-long
    uint32 = 6, // double-long-unsigned
    octet_string = 9,
    visible_string = 10,
    utf8_string = 12,
    bcd = 13,
    int8 = 15,   // integer
    int16 = 16,  // long
    uint8 = 17,  // unsigned
    uint16 = 18, // long-unsigned
    int64 = 20,  // long64
    uint64 = 21, // long64-unsigned
    enumeration = 22,
    float32 = 23,
    float64 = 24,
    date_time = 25, // 12 bytes
    date = 26,      // 5 bytes
    time = 27,      // 4 bytes
};
const char* name_of(data_type t) noexcept;

// One value: its wire type and what it holds. Integers keep their sign class; strings, bit strings
// and the fixed date/time types hold their bytes (bit_string: the bit count in `bits`); floats their
// value; arrays and structures their items.
struct data {
    data_type type = data_type::null_data;
    std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, bytes, std::vector<data>> value;
    std::size_t bits = 0; // bit_string only

    bool operator==(const data&) const = default;

    static data integer(data_type t, std::int64_t v) { return {t, v, 0}; }
    static data unsigned_integer(data_type t, std::uint64_t v) { return {t, v, 0}; }
    static data octets(data_type t, bytes v) { return {t, std::move(v), 0}; }
    static data list(data_type t, std::vector<data> items) { return {t, std::move(items), 0}; }

    const std::vector<data>* items() const { return std::get_if<std::vector<data>>(&value); }
    const bytes* octets_value() const { return std::get_if<bytes>(&value); }
    // Integers, enum and boolean as a signed number (uint64 above INT64_MAX: nullopt); floats truncated.
    std::optional<std::int64_t> as_integer() const;
    // Any number as double.
    std::optional<double> as_number() const;
};
std::ostream& operator<<(std::ostream& os, const data& d);

// Decodes one value at the start of `in`; `used` tells how many bytes it took.
result<data> decode_data(bytes_view in, std::size_t& used);
// Appends the value's encoding. errc::bad_value when a value does not fit its type.
result<void> encode_data(const data& d, bytes& out);

// A-XDR length.
void append_length(bytes& out, std::size_t n);
// Reads a length at `at`, moving `at` past it.
result<std::size_t> read_length(bytes_view in, std::size_t& at);

// COSEM date-time (Blue Book 4.1.6.1): year (2, FFFF = not specified), month, day of month, day of
// week, hour, minute, second, hundredths (FF = not specified), deviation in minutes (int16, 8000 = not
// specified; local time = UTC - deviation), clock status.
struct date_time {
    std::uint16_t year = 0xFFFF;
    std::uint8_t month = 0xFF;
    std::uint8_t day = 0xFF;
    std::uint8_t day_of_week = 0xFF;
    std::uint8_t hour = 0xFF;
    std::uint8_t minute = 0xFF;
    std::uint8_t second = 0xFF;
    std::uint8_t hundredths = 0xFF;
    std::int16_t deviation = -0x8000;
    std::uint8_t clock_status = 0xFF;
    bool operator==(const date_time&) const = default;

    static constexpr std::int16_t deviation_unspecified = -0x8000;
    // 12 bytes exactly, else nullopt. Fields are not range-checked: meters send what they send.
    static std::optional<date_time> decode(bytes_view twelve);
    bytes encode() const;
    // "2020-01-21T16:00:00", with "+HH:MM" when the deviation is specified (deviation -60 is +01:00),
    // ".hh" when hundredths are.
    std::string iso() const;
    // Plausible as a date-time: month 1-12 or FF, day 1-31 or FD-FF, hour < 24 or FF, ...
    bool plausible() const;
};
std::ostream& operator<<(std::ostream& os, const date_time& t);

} // namespace mbus::han
