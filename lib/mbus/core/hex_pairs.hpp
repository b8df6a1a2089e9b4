#pragma once
// Hex digits written through a pointer, for the writers that put every exchange or record in text
// (the stream's JSON lines, JSON from a frame's bytes): a byte is one lookup and one two-byte move,
// with no string of its own (to_hex in bytes.hpp builds one).

#include <mbus/core/bytes.hpp>

#include <array>
#include <cstring>

namespace mbus {

// Both upper-case hex digits of every byte value.
inline constexpr std::array<std::array<char, 2>, 256> hex_pairs = [] {
    constexpr char digits[] = "0123456789ABCDEF";
    std::array<std::array<char, 2>, 256> t{};
    for (std::size_t b = 0; b < 256; ++b)
        t[b] = {digits[b >> 4], digits[b & 0x0F]};
    return t;
}();

// The digits of `b` at `p`; returns the end.
inline char* put_hex(char* p, byte b) {
    std::memcpy(p, hex_pairs[b].data(), 2);
    return p + 2;
}

// to_hex(data, "") at `p`, which has room for 2 x data.size(); returns the end. Two bytes (four
// digits) a store.
inline char* put_hex(char* p, bytes_view data) {
    std::size_t i = 0;
    for (; i + 2 <= data.size(); i += 2) {
        char four[4];
        std::memcpy(four, hex_pairs[data[i]].data(), 2);
        std::memcpy(four + 2, hex_pairs[data[i + 1]].data(), 2);
        std::memcpy(p, four, 4);
        p += 4;
    }
    return i < data.size() ? put_hex(p, data[i]) : p;
}

} // namespace mbus
