#include <mbus/wmbus/meter_telegram.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/crypto/aes.hpp>
#include <mbus/wmbus/errc.hpp>
#include <mbus/wmbus/security.hpp>
#include <mbus/wmbus/telegram.hpp>

namespace mbus::wmbus {

namespace {
constexpr std::size_t short_header_size = 4; // ACC, ST, CFG (2)
constexpr std::uint16_t mode_mask = 0x1F00;
constexpr std::uint16_t blocks_mask = 0x00F0;
constexpr std::size_t max_blocks = 15;
} // namespace

result<frame> encode_frame(const meter_telegram& m) {
    app::variable_data vd;
    vd.ci = ci::tpl_short;
    vd.header.access_number = m.access_number;
    vd.header.status = m.status;
    vd.header.signature = static_cast<std::uint16_t>(m.cfg_flags & ~(mode_mask | blocks_mask));
    if (m.key) {
        // The 2F 2F check bytes the receiver tests after decryption.
        vd.records.push_back(app::idle_filler_record());
        vd.records.push_back(app::idle_filler_record());
    }
    vd.records.insert(vd.records.end(), m.records.begin(), m.records.end());
    auto encoded = app::encode(vd);

    frame f{m.c, m.manufacturer, m.id, m.version, m.device_type, {}};
    f.data.reserve(1 + encoded.data.size() + crypto::block_size); // room for mode 5's padding
    f.data.push_back(encoded.ci);
    if (!m.key) {
        f.data.insert(f.data.end(), encoded.data.begin(), encoded.data.end());
    } else {
        const bytes_view plain = bytes_view(encoded.data).subspan(short_header_size);
        auto cipher = encrypt_padded(*m.key, mode5_iv(address_bytes(f), m.access_number), plain);
        if (!cipher) return unexpected(cipher.error());
        const auto blocks = cipher->size() / crypto::block_size;
        if (blocks > max_blocks) return errc::frame_too_long;
        const auto cfg = static_cast<std::uint16_t>(vd.header.signature | 0x0500U | (blocks << 4));
        f.data.push_back(m.access_number);
        f.data.push_back(m.status);
        f.data.push_back(static_cast<byte>(cfg & 0xFF));
        f.data.push_back(static_cast<byte>(cfg >> 8));
        f.data.insert(f.data.end(), cipher->begin(), cipher->end());
    }
    if (!encode_plain(f)) return errc::frame_too_long;
    return f;
}

} // namespace mbus::wmbus
