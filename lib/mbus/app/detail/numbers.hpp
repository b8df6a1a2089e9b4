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

// EN 13757-3 types G (2 bytes), J (3), F (4) and I (6) into `out`; false for another length or when
// the pattern has bits the type leaves reserved (value.cpp).
bool decode_time_point(std::size_t n, bytes_view b, value& out);

} // namespace mbus::app::detail
