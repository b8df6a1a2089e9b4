#include <mbus/wmbus/frame.hpp>

#include <mbus/app/manufacturer.hpp>
#include <mbus/wmbus/crc.hpp>

#include <fmt/format.h>

#include <ostream>

namespace mbus::wmbus {

namespace {

constexpr std::size_t max_l = 255;
constexpr std::size_t min_l = first_block_size - 1; // C M A: a frame without CI

std::size_t blocks_a(std::size_t l) { return 1 + (l - min_l + block_size_a - 1) / block_size_a; }
std::size_t wire_size_a(std::size_t l) { return l + 1 + crc_size * blocks_a(l); }

std::uint16_t crc_at(bytes_view wire, std::size_t at) {
    return static_cast<std::uint16_t>((wire[at] << 8) | wire[at + 1]);
}

// The data stretches of a frame with CRCs: [begin, end) and the CRC right after.
struct block {
    std::size_t begin;
    std::size_t end;
};

std::vector<block> blocks(std::size_t wire_size, frame_format fmt) {
    std::vector<block> out;
    if (fmt == frame_format::a) {
        std::size_t at = 0;
        std::size_t size = first_block_size;
        while (at < wire_size) {
            const auto end = std::min(at + size, wire_size - crc_size);
            out.push_back({at, end});
            at = end + crc_size;
            size = block_size_a;
        }
    } else if (wire_size <= block12_size_b + crc_size) {
        out.push_back({0, wire_size - crc_size});
    } else {
        out.push_back({0, block12_size_b});
        out.push_back({block12_size_b + crc_size, wire_size - crc_size});
    }
    return out;
}

// The size a frame with CRCs must have, from its L field; nullopt when L cannot be such a frame.
std::optional<std::size_t> expected_size(byte l, frame_format fmt) {
    if (fmt == frame_format::a) return l < min_l ? std::nullopt : std::optional<std::size_t>(wire_size_a(l));
    const std::size_t size = std::size_t{l} + 1;
    if (size < first_block_size + crc_size) return std::nullopt;
    // Past 128 bytes block 3 holds at least one byte.
    if (size > block12_size_b + crc_size && size < block12_size_b + 2 * crc_size + 1) return std::nullopt;
    return size;
}

result<void> check_size(bytes_view wire, layout l) {
    if (wire.empty()) return errc::truncated;
    std::optional<std::size_t> want;
    if (l == layout::no_crc)
        want = wire[0] < min_l ? std::nullopt : std::optional<std::size_t>(std::size_t{wire[0]} + 1);
    else
        want = expected_size(wire[0], l == layout::a ? frame_format::a : frame_format::b);
    if (!want) return errc::length_mismatch;
    if (wire.size() < *want) return errc::truncated;
    if (wire.size() > *want) return errc::length_mismatch;
    return {};
}

frame_format format_of(layout l) { return l == layout::b ? frame_format::b : frame_format::a; }

} // namespace

std::string c_field_name(byte c) {
    switch (c) {
    case c_field::snd_nke: return "SND_NKE";
    case c_field::snd_ud: return "SND_UD";
    case c_field::snd_ud2: return "SND_UD2";
    case c_field::snd_nr: return "SND_NR";
    case c_field::snd_ud3: return "SND_UD3";
    case c_field::snd_ir: return "SND_IR";
    case c_field::acc_nr: return "ACC_NR";
    case c_field::acc_dmd: return "ACC_DMD";
    case c_field::ack: return "ACK";
    case c_field::nack: return "NACK";
    case c_field::cnf_ir: return "CNF_IR";
    case c_field::rsp_ud: return "RSP_UD";
    default: return fmt::format("C={:02X}", c);
    }
}

std::ostream& operator<<(std::ostream& os, const frame& f) {
    return os << fmt::format("{} {} {} v{:02X} t{:02X} [{}]", c_field_name(f.c),
                             app::manufacturer_letters(f.manufacturer), app::id_to_string(f.id), f.version,
                             f.device_type, to_hex(f.data));
}

std::string_view to_string(layout l) {
    switch (l) {
    case layout::a: return "A";
    case layout::b: return "B";
    case layout::no_crc: return "none";
    }
    return "?";
}

bytes address_bytes(const frame& f) {
    return {static_cast<byte>(f.manufacturer & 0xFF),
            static_cast<byte>(f.manufacturer >> 8),
            static_cast<byte>(f.id & 0xFF),
            static_cast<byte>((f.id >> 8) & 0xFF),
            static_cast<byte>((f.id >> 16) & 0xFF),
            static_cast<byte>(f.id >> 24),
            f.version,
            f.device_type};
}

result<bytes> encode_plain(const frame& f) {
    const std::size_t l = min_l + f.data.size();
    if (l > max_l) return errc::frame_too_long;
    bytes out;
    out.reserve(l + 1);
    out.push_back(static_cast<byte>(l));
    out.push_back(f.c);
    const auto a = address_bytes(f);
    out.insert(out.end(), a.begin(), a.end());
    out.insert(out.end(), f.data.begin(), f.data.end());
    return out;
}

result<bytes> add_crcs(bytes_view plain, frame_format fmt) {
    if (auto ok = check_size(plain, layout::no_crc); !ok) return unexpected(ok.error());
    bytes out;
    if (fmt == frame_format::a) {
        out.reserve(wire_size_a(plain[0]));
        std::size_t at = 0;
        std::size_t size = first_block_size;
        while (at < plain.size()) {
            const auto chunk = plain.subspan(at, std::min(size, plain.size() - at));
            out.insert(out.end(), chunk.begin(), chunk.end());
            append_crc(out, chunk);
            at += chunk.size();
            size = block_size_a;
        }
        return out;
    }
    const std::size_t crcs = plain.size() + crc_size <= block12_size_b + crc_size ? 1 : 2;
    const std::size_t size = plain.size() + crc_size * crcs;
    if (size - 1 > max_l) return errc::frame_too_long;
    out.assign(plain.begin(), plain.end());
    out[0] = static_cast<byte>(size - 1);
    if (crcs == 1) {
        append_crc(out, out);
        return out;
    }
    bytes tail(out.begin() + static_cast<std::ptrdiff_t>(block12_size_b), out.end());
    out.resize(block12_size_b);
    append_crc(out, out);
    out.insert(out.end(), tail.begin(), tail.end());
    append_crc(out, tail);
    return out;
}

result<bytes> encode(const frame& f, frame_format fmt) {
    auto plain = encode_plain(f);
    if (!plain) return plain;
    return add_crcs(*plain, fmt);
}

std::optional<crc_fault> first_crc_fault(bytes_view wire, frame_format fmt) {
    // Blocks exist only for a size the L field allows.
    if (!check_size(wire, fmt == frame_format::a ? layout::a : layout::b)) return std::nullopt;
    std::size_t index = 0;
    for (const auto& b : blocks(wire.size(), fmt)) {
        ++index;
        const auto computed = crc16_en13757(wire.subspan(b.begin, b.end - b.begin));
        const auto received = crc_at(wire, b.end);
        if (computed != received) return crc_fault{index, b.end, computed, received};
    }
    return std::nullopt;
}

result<bytes> strip_crcs(bytes_view wire, frame_format fmt) {
    const auto l = fmt == frame_format::a ? layout::a : layout::b;
    if (auto ok = check_size(wire, l); !ok) return unexpected(ok.error());
    if (first_crc_fault(wire, fmt)) return errc::crc_mismatch;
    bytes out;
    out.reserve(wire.size());
    for (const auto& b : blocks(wire.size(), fmt))
        out.insert(out.end(), wire.begin() + static_cast<std::ptrdiff_t>(b.begin),
                   wire.begin() + static_cast<std::ptrdiff_t>(b.end));
    out[0] = static_cast<byte>(out.size() - 1);
    return out;
}

result<frame> decode_plain(bytes_view plain) {
    if (auto ok = check_size(plain, layout::no_crc); !ok) return unexpected(ok.error());
    frame f;
    f.c = plain[1];
    f.manufacturer = static_cast<std::uint16_t>(plain[2] | (plain[3] << 8));
    f.id = static_cast<std::uint32_t>(plain[4]) | (static_cast<std::uint32_t>(plain[5]) << 8) |
           (static_cast<std::uint32_t>(plain[6]) << 16) | (static_cast<std::uint32_t>(plain[7]) << 24);
    f.version = plain[8];
    f.device_type = plain[9];
    f.data.assign(plain.begin() + first_block_size, plain.end());
    return f;
}

result<frame> decode(bytes_view wire, frame_format fmt) {
    auto plain = strip_crcs(wire, fmt);
    if (!plain) return unexpected(plain.error());
    return decode_plain(*plain);
}

result<frame> decode(bytes_view wire, layout l) {
    if (l == layout::no_crc) return decode_plain(wire);
    return decode(wire, format_of(l));
}

std::optional<layout> detect_layout(bytes_view wire) {
    if (wire.empty()) return std::nullopt;
    const byte l = wire[0];
    if (const auto a = expected_size(l, frame_format::a); a && *a == wire.size()) return layout::a;
    if (wire.size() != std::size_t{l} + 1) return std::nullopt;
    if (expected_size(l, frame_format::b) && !first_crc_fault(wire, frame_format::b)) return layout::b;
    return l >= min_l ? std::optional<layout>(layout::no_crc) : std::nullopt;
}

std::string describe(bytes_view wire, layout l, std::error_code ec) {
    const auto name =
        l == layout::no_crc ? std::string("without CRCs") : fmt::format("format {}", to_string(l));
    if (ec == errc::crc_mismatch && l != layout::no_crc) {
        if (const auto f = first_crc_fault(wire, format_of(l)))
            return fmt::format(
                "CRC error in block {} ({}; CRC at bytes {}-{}): computed {:04X}, frame has {:04X}", f->block,
                name, f->offset, f->offset + 1, f->computed, f->received);
    }
    if ((ec == errc::truncated || ec == errc::length_mismatch) && !wire.empty()) {
        std::optional<std::size_t> want;
        if (l == layout::no_crc)
            want = wire[0] < min_l ? std::nullopt : std::optional<std::size_t>(std::size_t{wire[0]} + 1);
        else
            want = expected_size(wire[0], format_of(l));
        if (!want) return fmt::format("L field {:02X} cannot start a frame ({})", wire[0], name);
        return fmt::format("{}: L field {:02X} announces {} bytes ({}), got {}",
                           ec == errc::truncated ? "truncated frame" : "length mismatch", wire[0], *want,
                           name, wire.size());
    }
    if (ec == errc::truncated) return "truncated frame: no bytes";
    return ec.message();
}

} // namespace mbus::wmbus
