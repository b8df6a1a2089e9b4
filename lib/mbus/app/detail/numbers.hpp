// The arithmetic that reading a record's value needs, shared by the full decode (value.cpp) and the
// lean records (decoded_record.cpp): little-endian integers, their sign, exact powers of ten, dates.
#pragma once

#include <mbus/app/value.hpp>
#include <mbus/core/bytes.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace mbus::app::detail {

// Exact powers of ten up to 10^22 (the largest a double holds exactly), else std::pow.
inline double pow10(int n) {
    static constexpr std::array<double, 23> table{1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (n >= 0 && n < static_cast<int>(table.size())) return table[static_cast<std::size_t>(n)];
    return std::pow(10.0, n);
}

// Up to 8 bytes, least significant first.
inline std::uint64_t read_le(bytes_view b) {
    std::uint64_t v = 0;
    for (std::size_t i = b.size(); i > 0; --i)
        v = v << 8 | b[i - 1];
    return v;
}

// The two's complement value of an n-byte integer (1 <= n <= 8).
inline std::int64_t sign_extend(std::uint64_t v, std::size_t n) {
    if (n >= 8) return static_cast<std::int64_t>(v);
    const std::uint64_t sign = std::uint64_t{1} << (8 * n - 1);
    if ((v & sign) != 0) v |= ~((sign << 1) - 1);
    return static_cast<std::int64_t>(v);
}

// EN 13757-3 types G (2 bytes), J (3), F (4) and I (6): `put` is called with the date,
// time_of_day or date_time read; false for another length or when the pattern has bits the type
// leaves reserved (bits a type must have 0 to be read as that type). A template so that the lean
// records take the value without building an app::value.
template <class Put>
bool decode_time_point(std::size_t n, bytes_view b, Put&& put) {
    if (n == 2) { // type G
        put(date{static_cast<std::uint8_t>((b[0] >> 5) | (b[1] & 0xF0) >> 1),
                 static_cast<std::uint8_t>(b[1] & 0x0F), static_cast<std::uint8_t>(b[0] & 0x1F)});
        return true;
    }
    if (n == 3) { // type J
        if ((b[0] & 0xC0) != 0 || (b[1] & 0xC0) != 0 || (b[2] & 0xE0) != 0) return false;
        put(time_of_day{static_cast<std::uint8_t>(b[2] & 0x1F), static_cast<std::uint8_t>(b[1] & 0x3F),
                        static_cast<std::uint8_t>(b[0] & 0x3F)});
        return true;
    }
    if (n == 4) { // type F; bit 6 is reserved
        if ((b[0] & 0x40) != 0) return false;
        date_time d;
        d.minute = static_cast<std::uint8_t>(b[0] & 0x3F);
        d.invalid = (b[0] & 0x80) != 0;
        d.hour = static_cast<std::uint8_t>(b[1] & 0x1F);
        d.hundred_year = static_cast<std::uint8_t>((b[1] >> 5) & 0x03);
        d.summer_time = (b[1] & 0x80) != 0;
        d.day = static_cast<std::uint8_t>(b[2] & 0x1F);
        d.year = static_cast<std::uint8_t>((b[2] >> 5) | (b[3] & 0xF0) >> 1);
        d.month = static_cast<std::uint8_t>(b[3] & 0x0F);
        put(d);
        return true;
    }
    if (n == 6) { // type I; the flag bits whose places we have not verified must be 0
        if ((b[0] & 0xC0) != 0 || (b[1] & 0xC0) != 0 || (b[5] & 0xC0) != 0) return false;
        date_time d;
        d.second = static_cast<std::uint8_t>(b[0] & 0x3F);
        d.minute = static_cast<std::uint8_t>(b[1] & 0x3F);
        d.hour = static_cast<std::uint8_t>(b[2] & 0x1F);
        d.day_of_week = static_cast<std::uint8_t>(b[2] >> 5);
        d.day = static_cast<std::uint8_t>(b[3] & 0x1F);
        d.year = static_cast<std::uint8_t>((b[3] >> 5) | (b[4] & 0xF0) >> 1);
        d.month = static_cast<std::uint8_t>(b[4] & 0x0F);
        d.week = static_cast<std::uint8_t>(b[5] & 0x3F);
        put(d);
        return true;
    }
    return false;
}

} // namespace mbus::app::detail
