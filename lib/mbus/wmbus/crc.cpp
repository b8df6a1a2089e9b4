#include <mbus/wmbus/crc.hpp>

#include <array>

namespace mbus::wmbus {

namespace {
constexpr std::uint16_t polynomial = 0x3D65;

constexpr std::array<std::uint16_t, 256> make_table() {
    std::array<std::uint16_t, 256> t{};
    for (unsigned i = 0; i < 256; ++i) {
        auto c = static_cast<std::uint16_t>(i << 8);
        for (int bit = 0; bit < 8; ++bit)
            c = (c & 0x8000) ? static_cast<std::uint16_t>((c << 1) ^ polynomial)
                             : static_cast<std::uint16_t>(c << 1);
        t[i] = c;
    }
    return t;
}
constexpr auto table = make_table();
} // namespace

std::uint16_t crc16_en13757(bytes_view data) noexcept {
    std::uint16_t crc = 0;
    for (const byte b : data)
        crc = static_cast<std::uint16_t>((crc << 8) ^ table[((crc >> 8) ^ b) & 0xFF]);
    return static_cast<std::uint16_t>(~crc);
}

void append_crc(bytes& out, bytes_view data) {
    const auto crc = crc16_en13757(data);
    out.push_back(static_cast<byte>(crc >> 8));
    out.push_back(static_cast<byte>(crc & 0xFF));
}

} // namespace mbus::wmbus
