#include <mbus/wmbus/meter_telegram.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/crypto/aes.hpp>
#include <mbus/wmbus/errc.hpp>
#include <mbus/wmbus/security.hpp>
#include <mbus/wmbus/telegram.hpp>

#include <algorithm>

namespace mbus::wmbus {

namespace {
constexpr std::size_t short_header_size = 4; // ACC, ST, CFG (2)
constexpr std::uint16_t mode_mask = 0x1F00;
constexpr std::uint16_t blocks_mask = 0x00F0;
constexpr std::size_t max_blocks = 15;

// Mode 7's AFL as OMS Annex N.2.2 sends it (OMS vol. 2, AFL): FCL 2C00 says MCL (bit 13), MCR (bit
// 11) and MAC (bit 10) present; MCL 25 says authentication type 5 (AES-CMAC-128, 8 bytes) and a
// message counter present (bit 5).
constexpr std::uint16_t afl_fcl = 0x2C00;
constexpr byte afl_mcl = 0x25;
constexpr std::size_t afl_mac_size = 8;
constexpr byte cfg_ext_kdf_a = 0x10; // KDF selection (bits 4-5) = 1: KDF-A

void put_le16(bytes& b, std::uint16_t v) {
    b.push_back(static_cast<byte>(v & 0xFF));
    b.push_back(static_cast<byte>(v >> 8));
}
bytes le32(std::uint32_t v) {
    return {static_cast<byte>(v & 0xFF), static_cast<byte>((v >> 8) & 0xFF),
            static_cast<byte>((v >> 16) & 0xFF), static_cast<byte>(v >> 24)};
}

// ELL, AFL and the mode 7 TPL in front of `cipher`, the MAC computed over the finished TPL.
result<bytes> mode7_layers(const meter_telegram& m, const frame& f, std::uint16_t cfg, bytes_view cipher) {
    // Sized at once: growing it by push_back then insert made GCC 12 at -O2 warn of an overflow
    // (-Wstringop-overflow, a false positive that -Werror turns into a failed build).
    bytes tpl(6 + cipher.size());
    tpl[0] = ci::tpl_short;
    tpl[1] = m.access_number;
    tpl[2] = m.status;
    tpl[3] = static_cast<byte>(cfg & 0xFF);
    tpl[4] = static_cast<byte>(cfg >> 8);
    tpl[5] = cfg_ext_kdf_a;
    std::copy(cipher.begin(), cipher.end(), tpl.begin() + 6);

    const auto counter = le32(m.message_counter);
    const auto address = address_bytes(f);
    auto kmac = derive_key(*m.key, dc_mac_from_meter, counter, bytes_view(address).subspan(2, 4));
    if (!kmac) return unexpected(kmac.error());
    bytes mac_input{afl_mcl};
    mac_input.insert(mac_input.end(), counter.begin(), counter.end());
    mac_input.insert(mac_input.end(), tpl.begin(), tpl.end());
    auto mac = crypto::cmac(*kmac, mac_input);
    if (!mac) return unexpected(mac.error());

    bytes out{ci::ell_short, m.ell_cc, m.access_number, ci::afl};
    out.push_back(static_cast<byte>(2 + 1 + 4 + afl_mac_size)); // AFL.L: FCL, MCL, MCR, MAC
    put_le16(out, afl_fcl);
    out.push_back(afl_mcl);
    out.insert(out.end(), counter.begin(), counter.end());
    out.insert(out.end(), mac->begin(), mac->begin() + afl_mac_size);
    out.insert(out.end(), tpl.begin(), tpl.end());
    return out;
}
} // namespace

result<frame> encode_frame(const meter_telegram& m) {
    if (m.c == c_field::acc_nr) {
        frame f{m.c, m.manufacturer, m.id, m.version, m.device_type, {}};
        const auto cfg = static_cast<std::uint16_t>(m.cfg_flags & ~(mode_mask | blocks_mask));
        f.data = {ci::tpl_short_no_data, m.access_number, m.status, static_cast<byte>(cfg & 0xFF),
                  static_cast<byte>(cfg >> 8)};
        return f;
    }
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
    if (!m.key) {
        f.data.push_back(encoded.ci);
        f.data.insert(f.data.end(), encoded.data.begin(), encoded.data.end());
    } else if (m.mode7) {
        const bytes_view plain = bytes_view(encoded.data).subspan(short_header_size);
        auto kenc = derive_key(*m.key, dc_enc_from_meter, le32(m.message_counter),
                               bytes_view(address_bytes(f)).subspan(2, 4));
        if (!kenc) return unexpected(kenc.error());
        auto cipher = encrypt_padded(*kenc, bytes(crypto::block_size, 0), plain);
        if (!cipher) return unexpected(cipher.error());
        const auto blocks = cipher->size() / crypto::block_size;
        if (blocks > max_blocks) return errc::frame_too_long;
        const auto cfg = static_cast<std::uint16_t>(vd.header.signature | 0x0700U | (blocks << 4));
        auto layers = mode7_layers(m, f, cfg, *cipher);
        if (!layers) return unexpected(layers.error());
        f.data = std::move(*layers);
    } else {
        f.data.push_back(encoded.ci);
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
