#include <mbus/core/crc.hpp>

namespace mbus {

std::uint16_t crc16_x25(bytes_view data) noexcept {
    std::uint16_t crc = 0xFFFF;
    for (const byte b : data) {
        crc = static_cast<std::uint16_t>(crc ^ b);
        for (int i = 0; i < 8; ++i)
            crc = static_cast<std::uint16_t>((crc & 1U) != 0 ? (crc >> 1) ^ 0x8408U : crc >> 1);
    }
    return static_cast<std::uint16_t>(~crc);
}

} // namespace mbus
