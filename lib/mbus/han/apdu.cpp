#include <mbus/crypto/aes.hpp>
#include <mbus/han/apdu.hpp>

#include <algorithm>
#include <ostream>

namespace mbus::han {

namespace {

constexpr std::size_t tag_size = 12;
constexpr byte sc_encrypted = 0x20;
constexpr byte sc_authenticated = 0x10;
constexpr byte sc_key_set_mask = 0x0F; // suite and key-set bits we accept as they come

std::uint32_t read_u32(bytes_view in) {
    return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) | in[3];
}
void write_u32(bytes& out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8)
        out.push_back(static_cast<byte>((v >> s) & 0xFF));
}

bytes iv_of(const glo_ciphered& c) {
    bytes iv = c.system_title;
    write_u32(iv, c.frame_counter);
    return iv;
}

} // namespace

result<bytes_view> strip_llc(bytes_view information) {
    if (information.size() < llc_header.size() ||
        !std::equal(llc_header.begin(), llc_header.end(), information.begin()))
        return errc::bad_llc;
    return information.subspan(llc_header.size());
}

bytes with_llc(bytes_view apdu) {
    // Sized once and copied into: gcc 12 at -O3 warns (falsely) about an insert after a 3-byte start.
    bytes out(llc_header.size() + apdu.size());
    const auto rest = std::copy(llc_header.begin(), llc_header.end(), out.begin());
    std::copy(apdu.begin(), apdu.end(), rest);
    return out;
}

const char* name_of(datetime_encoding e) noexcept {
    switch (e) {
    case datetime_encoding::absent: return "absent (00)";
    case datetime_encoding::octet_string: return "octet string (0C + 12 bytes)";
    case datetime_encoding::tagged_octet_string: return "tagged octet string (09 0C + 12 bytes)";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, const data_notification& n) {
    os << "data-notification{invoke " << std::hex << n.invoke_id_and_priority << std::dec;
    if (auto t = n.time()) os << " time " << *t;
    return os << " body " << n.body << "}";
}

result<data_notification> decode_notification(bytes_view in) {
    if (in.empty()) return errc::truncated;
    if (in[0] != tag_data_notification) return errc::unknown_apdu;
    if (in.size() < 6) return errc::truncated;
    data_notification n;
    n.invoke_id_and_priority = read_u32(in.subspan(1, 4));
    std::size_t at = 5;
    if (in[at] == 0x00) {
        n.encoding = datetime_encoding::absent;
        ++at;
    } else if (in[at] == 0x0C) {
        n.encoding = datetime_encoding::octet_string;
        ++at;
    } else if (in[at] == 0x09 && at + 1 < in.size() && in[at + 1] == 0x0C) {
        n.encoding = datetime_encoding::tagged_octet_string;
        at += 2;
    } else {
        return errc::bad_datetime;
    }
    if (n.encoding != datetime_encoding::absent) {
        if (in.size() < at + 12) return errc::truncated;
        n.datetime.assign(in.begin() + static_cast<std::ptrdiff_t>(at),
                          in.begin() + static_cast<std::ptrdiff_t>(at + 12));
        at += 12;
    }
    std::size_t used = 0;
    auto body = decode_data(in.subspan(at), used);
    if (!body) return unexpected(body.error());
    if (at + used != in.size()) return errc::trailing_bytes;
    n.body = std::move(*body);
    return n;
}

result<bytes> encode_notification(const data_notification& n) {
    bytes out{tag_data_notification};
    write_u32(out, n.invoke_id_and_priority);
    switch (n.encoding) {
    case datetime_encoding::absent:
        if (!n.datetime.empty()) return errc::bad_value;
        out.push_back(0x00);
        break;
    case datetime_encoding::tagged_octet_string: out.push_back(0x09); [[fallthrough]];
    case datetime_encoding::octet_string:
        if (n.datetime.size() != 12) return errc::bad_value;
        out.push_back(0x0C);
        out.insert(out.end(), n.datetime.begin(), n.datetime.end());
        break;
    }
    if (auto r = encode_data(n.body, out); !r) return unexpected(r.error());
    return out;
}

result<glo_ciphered> decode_glo_ciphered(bytes_view in) {
    if (in.empty()) return errc::truncated;
    if (in[0] != tag_general_glo_ciphering) return errc::unknown_apdu;
    std::size_t at = 1;
    auto title = read_length(in, at);
    if (!title) return unexpected(title.error());
    if (*title != 8) return errc::bad_system_title;
    if (in.size() - at < 8) return errc::truncated;
    glo_ciphered c;
    c.system_title.assign(in.begin() + static_cast<std::ptrdiff_t>(at),
                          in.begin() + static_cast<std::ptrdiff_t>(at + 8));
    at += 8;
    auto length = read_length(in, at);
    if (!length) return unexpected(length.error());
    if (in.size() - at < *length) return errc::truncated;
    if (in.size() - at > *length) return errc::trailing_bytes;
    if (*length < 5) return errc::truncated;
    c.security_control = in[at];
    c.frame_counter = read_u32(in.subspan(at + 1, 4));
    c.cipher.assign(in.begin() + static_cast<std::ptrdiff_t>(at + 5), in.end());
    return c;
}

bytes encode_glo_ciphered(const glo_ciphered& c) {
    bytes out{tag_general_glo_ciphering};
    append_length(out, c.system_title.size());
    out.insert(out.end(), c.system_title.begin(), c.system_title.end());
    append_length(out, 5 + c.cipher.size());
    out.push_back(c.security_control);
    write_u32(out, c.frame_counter);
    out.insert(out.end(), c.cipher.begin(), c.cipher.end());
    return out;
}

result<bytes> decrypt(const glo_ciphered& c, bytes_view key, bytes_view auth_key) {
    if (c.system_title.size() != 8) return errc::bad_system_title;
    const byte sc = static_cast<byte>(c.security_control & ~sc_key_set_mask);
    const bytes iv = iv_of(c);
    if (sc == (sc_encrypted | sc_authenticated)) {
        if (c.cipher.size() < tag_size) return errc::truncated;
        bytes aad{c.security_control};
        aad.insert(aad.end(), auth_key.begin(), auth_key.end());
        const bytes_view all(c.cipher);
        return crypto::gcm_decrypt(key, iv, aad, all.first(all.size() - tag_size), all.last(tag_size));
    }
    if (sc == sc_encrypted) { // GCM without the tag is CTR from the counter block IV || 00000002
        bytes counter = iv;
        write_u32(counter, 2);
        return crypto::ctr_crypt(key, counter, c.cipher);
    }
    return errc::bad_security;
}

result<glo_ciphered> encrypt(bytes_view plain, const glo_ciphered& header, bytes_view key,
                             bytes_view auth_key) {
    if (header.system_title.size() != 8) return errc::bad_system_title;
    glo_ciphered c = header;
    const byte sc = static_cast<byte>(c.security_control & ~sc_key_set_mask);
    const bytes iv = iv_of(c);
    if (sc == (sc_encrypted | sc_authenticated)) {
        bytes aad{c.security_control};
        aad.insert(aad.end(), auth_key.begin(), auth_key.end());
        auto sealed = crypto::gcm_encrypt(key, iv, aad, plain, tag_size);
        if (!sealed) return unexpected(sealed.error());
        c.cipher = std::move(sealed->cipher);
        c.cipher.insert(c.cipher.end(), sealed->tag.begin(), sealed->tag.end());
        return c;
    }
    if (sc == sc_encrypted) {
        bytes counter = iv;
        write_u32(counter, 2);
        auto cipher = crypto::ctr_crypt(key, counter, plain);
        if (!cipher) return unexpected(cipher.error());
        c.cipher = std::move(*cipher);
        return c;
    }
    return errc::bad_security;
}

result<apdu> decode_apdu(bytes_view in, const keys& k) {
    if (!in.empty() && in[0] == tag_general_glo_ciphering) {
        auto c = decode_glo_ciphered(in);
        if (!c) return unexpected(c.error());
        if (k.key.empty()) return errc::ciphered;
        auto plain = decrypt(*c, k.key, k.auth_key);
        if (!plain) return unexpected(plain.error());
        auto n = decode_notification(*plain);
        if (!n) return unexpected(n.error());
        return apdu{std::move(*c), std::move(*n)};
    }
    auto n = decode_notification(in);
    if (!n) return unexpected(n.error());
    return apdu{std::nullopt, std::move(*n)};
}

} // namespace mbus::han
