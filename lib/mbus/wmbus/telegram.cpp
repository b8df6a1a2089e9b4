#include <mbus/wmbus/telegram.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/crypto/aes.hpp>
#include <mbus/wmbus/crc.hpp>
#include <mbus/wmbus/errc.hpp>
#include <mbus/wmbus/security.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace mbus::wmbus {

namespace {

std::uint16_t le16(bytes_view b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}
std::uint32_t le32(bytes_view b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at]) | (static_cast<std::uint32_t>(b[at + 1]) << 8) |
           (static_cast<std::uint32_t>(b[at + 2]) << 16) | (static_cast<std::uint32_t>(b[at + 3]) << 24);
}
bytes le32_bytes(std::uint32_t v) {
    return {static_cast<byte>(v & 0xFF), static_cast<byte>((v >> 8) & 0xFF),
            static_cast<byte>((v >> 16) & 0xFF), static_cast<byte>(v >> 24)};
}

constexpr std::uint32_t ell_enc_none = 0;
constexpr std::uint32_t ell_enc_ctr = 1;

// AFL fragmentation control bits (OMS vol. 2, AFL.FCL).
constexpr std::uint16_t fcl_more_fragments = 0x4000;
constexpr std::uint16_t fcl_mcl_present = 0x2000;
constexpr std::uint16_t fcl_ml_present = 0x1000;
constexpr std::uint16_t fcl_mcr_present = 0x0800;
constexpr std::uint16_t fcl_mac_present = 0x0400;
constexpr std::uint16_t fcl_ki_present = 0x0200;

// The ELL, decrypting the rest of `data` in place when it is AES-CTR encrypted. Returns the offset
// of the next CI.
result<std::size_t> read_ell(telegram& t, bytes& data, std::optional<bytes_view> key) {
    ell_header e;
    e.ci = data[0];
    const bool has_address = e.ci == ci::ell_address || e.ci == ci::ell_address_session;
    const bool has_session = e.ci == ci::ell_session || e.ci == ci::ell_address_session;
    const std::size_t sn_at = 3 + (has_address ? 8 : 0);
    const std::size_t size = sn_at + (has_session ? 6 : 0);
    if (data.size() < size) return errc::bad_header;
    e.cc = data[1];
    e.access_number = data[2];
    if (has_address) e.address = bytes(data.begin() + 3, data.begin() + 11);
    if (has_session) {
        const auto sn = le32(data, sn_at);
        e.session_number = sn;
        const auto enc = sn >> 29;
        if (enc != ell_enc_none && enc != ell_enc_ctr) return errc::unsupported_security;
        if (enc == ell_enc_ctr) {
            if (!key) return errc::key_missing;
            const auto iv = ell_iv(address_bytes(t.link), e.cc, bytes_view(data).subspan(sn_at, 4));
            auto plain = crypto::ctr_crypt(*key, iv, bytes_view(data).subspan(sn_at + 4));
            if (!plain) return unexpected(plain.error());
            std::copy(plain->begin(), plain->end(), data.begin() + static_cast<std::ptrdiff_t>(sn_at + 4));
            t.ell_decrypted = true;
        }
        e.payload_crc = le16(data, sn_at + 4);
        if (crc16_en13757(bytes_view(data).subspan(size)) != *e.payload_crc) return errc::ell_crc_mismatch;
    }
    t.ell = e;
    return size;
}

result<std::size_t> read_afl(telegram& t, bytes_view data) {
    if (data.size() < 4) return errc::bad_header;
    const std::size_t len = data[1];
    if (data.size() < 2 + len || len < 2) return errc::bad_header;
    afl_header a;
    a.fcl = le16(data, 2);
    if (a.fcl & fcl_more_fragments) return errc::unsupported_ci; // fragments: not read
    std::size_t at = 4;
    const std::size_t end = 2 + len;
    auto need = [&](std::size_t n) { return at + n <= end; };
    if (a.fcl & fcl_mcl_present) {
        if (!need(1)) return errc::bad_header;
        a.mcl = data[at++];
    }
    if (a.fcl & fcl_ki_present) {
        if (!need(2)) return errc::bad_header;
        a.key_info = le16(data, at);
        at += 2;
    }
    if (a.fcl & fcl_mcr_present) {
        if (!need(4)) return errc::bad_header;
        a.counter = le32(data, at);
        at += 4;
    }
    const std::size_t ml = (a.fcl & fcl_ml_present) ? 2 : 0;
    if (a.fcl & fcl_mac_present) {
        // The MAC takes what AFL.L leaves: its length follows the authentication type.
        if (end < at + ml) return errc::bad_header;
        a.mac.assign(data.begin() + static_cast<std::ptrdiff_t>(at),
                     data.begin() + static_cast<std::ptrdiff_t>(end - ml));
        at = end - ml;
    }
    if (ml) {
        if (!need(2)) return errc::bad_header;
        a.message_length = le16(data, at);
        at += 2;
    }
    t.afl = std::move(a);
    return end;
}

// Mode 7: the MAC over MCL, MCR, (ML,) and the transport layer from its CI to the end.
result<void> check_mac(const afl_header& a, bytes_view mac_key, bytes_view tpl) {
    bytes input;
    input.reserve(1 + 4 + 2 + tpl.size());
    input.push_back(a.mcl.value_or(0));
    const auto counter = le32_bytes(a.counter.value_or(0));
    input.insert(input.end(), counter.begin(), counter.end());
    if (a.message_length) {
        input.push_back(static_cast<byte>(*a.message_length & 0xFF));
        input.push_back(static_cast<byte>(*a.message_length >> 8));
    }
    input.insert(input.end(), tpl.begin(), tpl.end());
    auto mac = crypto::cmac(mac_key, input);
    if (!mac) return unexpected(mac.error());
    if (a.mac.empty() || a.mac.size() > mac->size() || !std::equal(a.mac.begin(), a.mac.end(), mac->begin()))
        return errc::mac_mismatch;
    return {};
}

result<void> read_tpl(telegram& t, bytes_view tpl, std::optional<bytes_view> key) {
    const byte tci = tpl[0];
    if (tci == ci::tpl_short_no_data) {
        // ACC_NR's header alone: read as a short header with no records, its CI kept.
        if (tpl.size() != 5) return errc::bad_header;
        auto ud = app::decode(ci::tpl_short, tpl.subspan(1));
        if (!ud) return unexpected(ud.error());
        if (auto* vd = std::get_if<app::variable_data>(&*ud)) vd->ci = tci;
        t.security.mode = static_cast<std::uint8_t>(tpl[4] & 0x1F);
        t.user_data = std::move(*ud);
        return {};
    }
    if (tci != ci::tpl_short && tci != ci::tpl_long) {
        auto ud = app::decode(tci, tpl.subspan(1));
        if (!ud) return unexpected(ud.error());
        t.user_data = std::move(*ud);
        return {};
    }
    const std::size_t address_size = tci == ci::tpl_long ? 8 : 0;
    const std::size_t header = 1 + address_size + 4;
    if (tpl.size() < header) return errc::bad_header;
    const std::uint8_t acc = tpl[1 + address_size];
    const std::uint16_t cfg = le16(tpl, 1 + address_size + 2);
    auto& s = t.security;
    s.mode = static_cast<std::uint8_t>((cfg >> 8) & 0x1F);
    s.encrypted_blocks = static_cast<std::uint8_t>((cfg >> 4) & 0x0F);
    if (s.mode == 0) {
        auto ud = app::decode(tci, tpl.subspan(1));
        if (!ud) return unexpected(ud.error());
        t.user_data = std::move(*ud);
        return {};
    }
    if (s.mode != 5 && s.mode != 7) return errc::unsupported_security;
    std::size_t at = header;
    if (s.mode == 7) {
        if (tpl.size() < at + 1) return errc::bad_header;
        s.cfg_ext = tpl[at++];
    }
    const std::size_t enc_size = std::size_t{s.encrypted_blocks} * crypto::block_size;
    if (enc_size == 0 || tpl.size() < at + enc_size) return errc::not_block_aligned;
    const auto encrypted = tpl.subspan(at, enc_size);
    // The address the IV and the key derivation use: the transport layer's when it has one (a radio
    // adapter sends the meter's), else the link layer's.
    // The long header holds it as a secondary address (ID first): IV order is M, ID, version, type.
    const bytes address = address_size ? bytes{tpl[5], tpl[6], tpl[1], tpl[2], tpl[3], tpl[4], tpl[7], tpl[8]}
                                       : address_bytes(t.link);

    bytes plain;
    if (!key && encrypted[0] == filler && encrypted[1] == filler) {
        s.plain_on_air = true;
        plain.assign(encrypted.begin(), encrypted.end());
    } else if (!key) {
        return errc::key_missing;
    } else if (s.mode == 5) {
        auto p = crypto::cbc_decrypt(*key, mode5_iv(address, acc), encrypted);
        if (!p) return unexpected(p.error());
        plain = std::move(*p);
    } else {
        if (!t.afl || !t.afl->counter) return errc::bad_header; // mode 7 needs the AFL's counter
        const auto counter = le32_bytes(*t.afl->counter);
        const auto id = bytes_view(address).subspan(2, 4);
        auto kenc = derive_key(*key, dc_enc_from_meter, counter, id);
        auto kmac = derive_key(*key, dc_mac_from_meter, counter, id);
        if (!kenc) return unexpected(kenc.error());
        if (!kmac) return unexpected(kmac.error());
        if (auto ok = check_mac(*t.afl, *kmac, tpl); !ok) return ok;
        s.mac_verified = true;
        auto p = crypto::cbc_decrypt(*kenc, bytes(crypto::block_size, 0), encrypted);
        if (!p) return unexpected(p.error());
        plain = std::move(*p);
    }
    if (plain[0] != filler || plain[1] != filler) return errc::decryption_failed;
    s.decrypted = !s.plain_on_air;

    // The records follow the header as in a plain telegram: header (without mode 7's extension),
    // decrypted blocks, then what was sent unencrypted after them.
    bytes rebuilt(tpl.begin() + 1, tpl.begin() + static_cast<std::ptrdiff_t>(header));
    rebuilt.insert(rebuilt.end(), plain.begin(), plain.end());
    rebuilt.insert(rebuilt.end(), tpl.begin() + static_cast<std::ptrdiff_t>(at + enc_size), tpl.end());
    auto ud = app::decode(tci, rebuilt);
    if (!ud) return unexpected(ud.error());
    t.user_data = std::move(*ud);
    return {};
}

std::string hex2(unsigned v) { return fmt::format("{:02X}", v); }

} // namespace

result<telegram> decode(const frame& f, std::optional<bytes_view> key) {
    telegram t;
    t.link = f;
    bytes data = f.data;
    std::size_t at = 0;
    if (at < data.size() && data[at] >= ci::ell_short && data[at] <= ci::ell_address_session) {
        auto n = read_ell(t, data, key);
        if (!n) return unexpected(n.error());
        at += *n;
    }
    if (at < data.size() && data[at] == ci::afl) {
        auto n = read_afl(t, bytes_view(data).subspan(at));
        if (!n) return unexpected(n.error());
        at += *n;
    }
    if (at < data.size()) {
        if (auto ok = read_tpl(t, bytes_view(data).subspan(at), key); !ok) return unexpected(ok.error());
    }
    return t;
}

nlohmann::json to_json(const frame& f) {
    nlohmann::json j;
    j["c"] = hex2(f.c);
    j["c_name"] = c_field_name(f.c);
    j["manufacturer"] = app::manufacturer_letters(f.manufacturer);
    j["manufacturer_code"] = fmt::format("{:04X}", f.manufacturer);
    j["id"] = app::id_to_string(f.id);
    j["version"] = f.version;
    j["device_type"] = f.device_type;
    j["device_type_name"] = app::medium_name(f.device_type);
    return j;
}

nlohmann::json to_json(const telegram& t) {
    nlohmann::json j = t.user_data ? app::to_json(*t.user_data) : nlohmann::json::object();
    j["link"] = to_json(t.link);
    if (t.ell) {
        nlohmann::json e{
            {"ci", hex2(t.ell->ci)}, {"cc", hex2(t.ell->cc)}, {"access_number", t.ell->access_number}};
        if (t.ell->address) e["address"] = to_hex(*t.ell->address, "");
        if (t.ell->session_number) {
            e["session_number"] = fmt::format("{:08X}", *t.ell->session_number);
            e["encryption"] = (*t.ell->session_number >> 29) == ell_enc_ctr ? "aes_ctr" : "none";
            e["decrypted"] = t.ell_decrypted;
        }
        j["ell"] = e;
    }
    if (t.afl) {
        nlohmann::json a{{"fcl", fmt::format("{:04X}", t.afl->fcl)}};
        if (t.afl->mcl) a["mcl"] = hex2(*t.afl->mcl);
        if (t.afl->key_info) a["key_info"] = fmt::format("{:04X}", *t.afl->key_info);
        if (t.afl->counter) a["counter"] = *t.afl->counter;
        if (!t.afl->mac.empty()) a["mac"] = to_hex(t.afl->mac, "");
        if (t.afl->message_length) a["message_length"] = *t.afl->message_length;
        j["afl"] = a;
    }
    const auto& s = t.security;
    nlohmann::json sec{{"mode", s.mode}, {"encrypted_blocks", s.encrypted_blocks}};
    if (s.mode != 0) {
        sec["decrypted"] = s.decrypted;
        sec["plain_on_air"] = s.plain_on_air;
    }
    if (s.cfg_ext) sec["cfg_ext"] = hex2(*s.cfg_ext);
    if (s.mode == 7) sec["mac_verified"] = s.mac_verified;
    j["security"] = sec;
    return j;
}

} // namespace mbus::wmbus
