#include <mbus/app/secondary_address.hpp>

#include <mbus/app/codec.hpp>

#include <algorithm>
#include <ostream>

#include <fmt/format.h>

namespace mbus::app {

namespace {

constexpr std::size_t address_size = 8;
constexpr byte dif_bcd8 = 0x0C;
constexpr byte vif_fabrication = 0x78;
constexpr std::size_t enhanced_size = address_size + 2 + 4;

// CI 56 sends each multi-byte field MSB first; the field order stays.
bytes swap_fields(bytes_view eight) {
    bytes out(eight.begin(), eight.end());
    std::reverse(out.begin(), out.begin() + 4);
    std::reverse(out.begin() + 4, out.begin() + 6);
    return out;
}

bool nibbles_match(std::uint32_t mask, std::uint32_t value, int nibbles) {
    for (int i = 0; i < nibbles; ++i) {
        const auto m = (mask >> (4 * i)) & 0xFU;
        if (m != 0xF && m != ((value >> (4 * i)) & 0xFU)) return false;
    }
    return true;
}

std::uint64_t pack(const secondary_address& a) {
    return std::uint64_t{a.id} << 32 | std::uint64_t{a.manufacturer} << 16 | std::uint64_t{a.version} << 8 |
           a.medium;
}
secondary_address unpack(std::uint64_t v) {
    return {static_cast<std::uint32_t>(v >> 32), static_cast<std::uint16_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
unsigned shift_of(std::size_t pos) { return static_cast<unsigned>(4 * (address_nibbles - 1 - pos)); }

template <class T>
bool field_matches(T mask, T value, wildcard_style style) {
    constexpr int nibbles = static_cast<int>(sizeof(T) * 2);
    if (style == wildcard_style::nibbles_everywhere) return nibbles_match(mask, value, nibbles);
    return mask == static_cast<T>(~T{0}) || mask == value;
}

} // namespace

std::ostream& operator<<(std::ostream& os, const select_mask& m) {
    os << fmt::format("{:08X} {:04X} {:02X} {:02X}", m.address.id, m.address.manufacturer, m.address.version,
                      m.address.medium);
    if (m.fabrication) os << fmt::format(" fabrication {:08X}", *m.fabrication);
    return os;
}

std::optional<select_mask> parse_select(byte ci, bytes_view data) {
    if (ci != ci::select && ci != ci::select_msb) return std::nullopt;
    if (data.size() != address_size && data.size() != enhanced_size) return std::nullopt;
    select_mask m;
    const auto head = data.first(address_size);
    m.address = decode_address(ci == ci::select ? bytes(head.begin(), head.end()) : swap_fields(head));
    if (data.size() == enhanced_size) {
        if (data[8] != dif_bcd8 || data[9] != vif_fabrication) return std::nullopt;
        // The appended record keeps the M-Bus byte order (LSB first) whichever CI carried it.
        m.fabrication = static_cast<std::uint32_t>(data[10]) | static_cast<std::uint32_t>(data[11]) << 8 |
                        static_cast<std::uint32_t>(data[12]) << 16 |
                        static_cast<std::uint32_t>(data[13]) << 24;
    }
    return m;
}

bytes encode_select(byte ci, const select_mask& mask) {
    bytes out = encode_address(mask.address);
    if (ci == ci::select_msb) out = swap_fields(out);
    if (mask.fabrication) {
        out.push_back(dif_bcd8);
        out.push_back(vif_fabrication);
        for (int shift = 0; shift < 32; shift += 8)
            out.push_back(static_cast<byte>(*mask.fabrication >> shift));
    }
    return out;
}

bool matches(const select_mask& mask, const secondary_address& meter,
             std::optional<std::uint32_t> fabrication, wildcard_style style) {
    if (mask.fabrication && fabrication && !nibbles_match(*mask.fabrication, *fabrication, 8)) return false;
    return nibbles_match(mask.address.id, meter.id, 8) &&
           field_matches(mask.address.manufacturer, meter.manufacturer, style) &&
           field_matches(mask.address.version, meter.version, style) &&
           field_matches(mask.address.medium, meter.medium, style);
}

unsigned nibble(const secondary_address& a, std::size_t pos) {
    return static_cast<unsigned>(pack(a) >> shift_of(pos)) & 0xFU;
}

secondary_address with_nibble(const secondary_address& a, std::size_t pos, unsigned v) {
    const auto s = shift_of(pos);
    return unpack((pack(a) & ~(std::uint64_t{0xF} << s)) | std::uint64_t{v & 0xFU} << s);
}

unsigned open_nibbles(const secondary_address& a) {
    unsigned n = 0;
    for (std::size_t p = 0; p < address_nibbles; ++p)
        n += nibble(a, p) == wildcard_nibble ? 1U : 0U;
    return n;
}

std::string secondary_string(const secondary_address& a) {
    static constexpr char hex[] = "0123456789ABCDEF";
    // libmbus order: id, manufacturer low byte, high byte, version, medium.
    const std::uint64_t v = std::uint64_t{a.id} << 32 |
                            std::uint64_t{static_cast<byte>(a.manufacturer)} << 24 |
                            std::uint64_t{static_cast<byte>(a.manufacturer >> 8)} << 16 |
                            std::uint64_t{a.version} << 8 | a.medium;
    std::string s(16, '0');
    for (std::size_t i = 0; i < 16; ++i)
        s[i] = hex[(v >> (4 * (15 - i))) & 0xFU];
    return s;
}

} // namespace mbus::app
