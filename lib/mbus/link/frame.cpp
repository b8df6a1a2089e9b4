#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/link/frame_view.hpp>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <ostream>

#include <fmt/format.h>

namespace mbus::link {

namespace {

// L counts C, A and CI besides the data.
constexpr std::size_t long_overhead = 3;
constexpr std::size_t max_data = max_long_l - long_overhead;
constexpr std::size_t short_size = 5;
constexpr std::size_t long_header_size = 4; // 68 L L 68

// Every frame read sums its body: eight bytes at a time in four 16-bit lanes, each lane brought
// back under 256 before the next word so that no carry crosses into its neighbour (at most
// 255 + 2 x 255 per lane), then the lanes added by one multiplication and the tail byte by byte.
byte sum(byte start, bytes_view data) {
    constexpr std::uint64_t low_bytes = 0x00FF00FF00FF00FFU;
    const std::size_t n = data.size();
    std::size_t i = 0;
    std::uint64_t lanes = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, data.data() + i, sizeof w);
        lanes = (lanes & low_bytes) + (w & low_bytes) + ((w >> 8) & low_bytes);
    }
    unsigned s = start + static_cast<unsigned>((lanes * 0x0001000100010001U) >> 48);
    for (; i < n; ++i)
        s += data[i];
    return static_cast<byte>(s & 0xFFU);
}

bool is_master_to_slave(byte c) { return (c & c_field::prm) != 0; }

} // namespace

std::string_view c_field_name(byte c) {
    // Bit 7 is reserved (0) in both directions; a C field with it set names nothing we know.
    if ((c & 0x80U) != 0) return {};
    const unsigned function = c & 0x0FU;
    if (is_master_to_slave(c)) {
        switch (function) {
        case c_field::snd_nke & 0x0FU: return "SND_NKE";
        case c_field::snd_ud & 0x0FU: return "SND_UD";
        case c_field::req_ud2 & 0x0FU: return "REQ_UD2";
        case c_field::req_ud1 & 0x0FU: return "REQ_UD1";
        default: return {};
        }
    }
    return function == c_field::rsp_ud ? "RSP_UD" : std::string_view{};
}

std::string describe(const frame& f) {
    std::string out;
    out.reserve(48);
    append_description(out, view_of(f));
    return out;
}

std::ostream& operator<<(std::ostream& os, const frame& f) {
    os << describe(f);
    if (!f.data.empty() && f.kind != frame_kind::ack && f.kind != frame_kind::short_frame)
        os << " data=" << to_hex(f.data);
    return os;
}

byte checksum(const frame& f) {
    switch (f.kind) {
    case frame_kind::ack: return 0;
    case frame_kind::short_frame: return static_cast<byte>((f.c + f.a) & 0xFF);
    case frame_kind::control:
    case frame_kind::long_frame: break;
    }
    return sum(static_cast<byte>((f.c + f.a + f.ci) & 0xFF), f.data);
}

result<bytes> encode(const frame& f) {
    switch (f.kind) {
    case frame_kind::ack: return bytes{ack_byte};
    case frame_kind::short_frame: return bytes{short_start, f.c, f.a, checksum(f), stop_byte};
    case frame_kind::control:
    case frame_kind::long_frame: break;
    }
    if (f.data.size() > max_data) return errc::too_long;
    const auto l = static_cast<byte>(f.data.size() + long_overhead);
    bytes out;
    out.reserve(f.data.size() + long_overhead + 6);
    out.insert(out.end(), {long_start, l, l, long_start, f.c, f.a, f.ci});
    out.insert(out.end(), f.data.begin(), f.data.end());
    out.push_back(checksum(f));
    out.push_back(stop_byte);
    return out;
}

result<std::size_t> frame_size(bytes_view wire) {
    if (wire.empty()) return errc::need_more;
    switch (wire[0]) {
    case ack_byte: return std::size_t{1};
    case short_start: return short_size;
    case long_start: break;
    default: return errc::bad_start;
    }
    if (wire.size() < 2) return errc::need_more;
    const byte l = wire[1];
    if (l < long_overhead) return errc::length_mismatch;
    if (wire.size() < 3) return errc::need_more;
    if (wire[2] != l) return errc::length_mismatch;
    if (wire.size() < 4) return errc::need_more;
    if (wire[3] != long_start) return errc::bad_second_start;
    return std::size_t{l} + long_header_size + 2;
}

result<decoded> decode(bytes_view wire) {
    const auto d = decode_view(wire);
    if (!d) return unexpected(d.error());
    return decoded{d->value.to_frame(), d->size};
}

frame frame_view::to_frame() const { return {kind, c, a, ci, bytes(data.begin(), data.end())}; }

frame_view view_of(const frame& f) { return {f.kind, f.c, f.a, f.ci, f.data}; }

result<decoded_view> decode_view(bytes_view wire) {
    const auto size = frame_size(wire);
    if (!size) return unexpected(size.error());
    const std::size_t n = *size;
    if (n == 1) return decoded_view{{}, 1};

    // Everything the checksum covers sits between the header and the CS byte.
    const std::size_t body_begin = wire[0] == short_start ? 1 : long_header_size;
    const std::size_t cs_index = n - 2;
    if (wire.size() <= cs_index) return errc::need_more;
    if (sum(0, wire.subspan(body_begin, cs_index - body_begin)) != wire[cs_index]) return errc::bad_checksum;
    if (wire.size() < n) return errc::need_more;
    if (wire[n - 1] != stop_byte) return errc::bad_stop;

    if (wire[0] == short_start) return decoded_view{{frame_kind::short_frame, wire[1], wire[2], 0, {}}, n};
    const auto data = wire.subspan(long_header_size + 3, cs_index - long_header_size - 3);
    // A long frame with no data is a control frame (as frame::long_frame picks it).
    const auto kind = data.empty() ? frame_kind::control : frame_kind::long_frame;
    return decoded_view{{kind, wire[4], wire[5], wire[6], data}, n};
}

namespace {

template <std::size_t N>
char* put(char* p, const char (&literal)[N]) {
    std::memcpy(p, literal, N - 1);
    return p + N - 1;
}

char* put_hex2(char* p, byte b) {
    static constexpr char digits[] = "0123456789ABCDEF";
    p[0] = digits[b >> 4];
    p[1] = digits[b & 0x0F];
    return p + 2;
}

} // namespace

char* put_description(char* p, const frame_view& f) {
    // Written through a pointer, no format string and no append per piece: the log and a stream
    // subscriber describe every frame.
    if (f.kind == frame_kind::ack) return put(p, "ACK");
    if (const auto name = c_field_name(f.c); !name.empty()) {
        std::memcpy(p, name.data(), name.size());
        p += name.size();
    } else {
        p = put_hex2(put(p, "C="), f.c);
    }
    p = put(p, " a=");
    p = std::to_chars(p, p + 3, f.a).ptr;
    if (is_master_to_slave(f.c)) {
        p = (f.c & c_field::fcb) != 0 ? put(p, " fcb=1") : put(p, " fcb=0");
        p = (f.c & c_field::fcv) != 0 ? put(p, " fcv=1") : put(p, " fcv=0");
    } else {
        if ((f.c & c_field::acd) != 0) p = put(p, " acd=1");
        if ((f.c & c_field::dfc) != 0) p = put(p, " dfc=1");
    }
    if (f.kind == frame_kind::control || f.kind == frame_kind::long_frame) {
        p = put_hex2(put(p, " ci="), f.ci);
        p = put(p, " len=");
        p = std::to_chars(p, p + 20, f.data.size()).ptr;
    }
    return p;
}

void append_description(std::string& out, const frame_view& f) {
    const auto at = out.size();
    out.resize(at + description_bound);
    out.resize(static_cast<std::size_t>(put_description(out.data() + at, f) - out.data()));
}

} // namespace mbus::link
