#include <mbus/han/crc.hpp>

namespace mbus::han {

void append_crc(bytes& out, bytes_view data) {
    const std::uint16_t crc = crc16_x25(data);
    out.push_back(static_cast<byte>(crc & 0xFF));
    out.push_back(static_cast<byte>(crc >> 8));
}

} // namespace mbus::han
