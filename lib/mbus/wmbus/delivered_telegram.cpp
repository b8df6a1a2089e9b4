#include <mbus/wmbus/crc.hpp>
#include <mbus/wmbus/delivered_telegram.hpp>
#include <mbus/wmbus/receiver_errc.hpp>

#include <algorithm>

namespace mbus::wmbus {

namespace {
constexpr std::size_t first_block = 10;
constexpr std::size_t next_block = 16;
} // namespace

result<bytes> without_block_crcs(bytes_view frame) {
    if (frame.empty()) return receiver_errc::telegram_length;
    const std::size_t data = std::size_t{frame[0]} + 1; // L counts the bytes after it, CRCs excluded
    if (frame.size() == data) return bytes(frame.begin(), frame.end());
    if (data < first_block) return receiver_errc::telegram_length;
    const std::size_t rest = data - first_block;
    const std::size_t blocks = 1 + (rest + next_block - 1) / next_block;
    if (frame.size() != data + 2 * blocks) return receiver_errc::telegram_length;

    bytes out;
    out.reserve(data);
    std::size_t at = 0;
    std::size_t left = data;
    for (std::size_t b = 0; b < blocks; ++b) {
        const std::size_t n = std::min(left, b == 0 ? first_block : next_block);
        const auto block = frame.subspan(at, n);
        const auto crc = crc16_en13757(block);
        if (frame[at + n] != static_cast<byte>(crc >> 8) ||
            frame[at + n + 1] != static_cast<byte>(crc & 0xFF))
            return receiver_errc::bad_crc;
        out.insert(out.end(), block.begin(), block.end());
        at += n + 2;
        left -= n;
    }
    return out;
}

} // namespace mbus::wmbus
