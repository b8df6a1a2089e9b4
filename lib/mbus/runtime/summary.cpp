#include <mbus/runtime/summary.hpp>

#include <mbus/app/medium.hpp>
#include <mbus/app/outline.hpp>

#include <charconv>
#include <cstring>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <variant>

namespace mbus::runtime {

namespace {

void append_uint(std::string& out, std::uint64_t v) {
    char digits[20];
    out.append(digits, std::to_chars(std::begin(digits), std::end(digits), v).ptr);
}

// A frame's words are written through a pointer into room made for them at once (their bound below),
// then cut to what was written: no call and no capacity check per piece, as a stream subscriber has
// every frame in words.
template <std::size_t N>
char* put(char* p, const char (&literal)[N]) {
    std::memcpy(p, literal, N - 1);
    return p + N - 1;
}

char* put(char* p, std::string_view s) {
    if (s.empty()) return p; // an empty view may have no data: memcpy's source must not be null
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

char* put_uint(char* p, std::uint64_t v) { return std::to_chars(p, p + 20, v).ptr; }

constexpr char hex_digits[] = "0123456789ABCDEF";

// app::id_to_string's text ("12345678", wildcard nibbles as F).
char* put_id(char* p, std::uint32_t bcd) {
    for (int i = 0; i < 8; ++i)
        p[i] = hex_digits[(bcd >> (28 - 4 * i)) & 0x0F];
    return p + 8;
}

// app::manufacturer_letters's text.
char* put_manufacturer(char* p, std::uint16_t code) {
    p[0] = static_cast<char>(((code >> 10) & 0x1F) + 64);
    p[1] = static_cast<char>(((code >> 5) & 0x1F) + 64);
    p[2] = static_cast<char>((code & 0x1F) + 64);
    return p + 3;
}

// The most an outline takes besides its medium's name: " [id=12345678 man=ABC ver=255 medium= records="
// with twenty digits and the closing bracket, rounded up.
constexpr std::size_t outline_bound = 96;

// " [...]" for an RSP_UD's outline, within outline_bound + medium.size().
char* put_outline(char* p, const app::outline& o, const std::string& medium) {
    p = put(p, " [");
    std::visit(
        [&p, &medium](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, app::variable_outline>) {
                if (const auto& a = v.address) {
                    p = put_id(put(p, "id="), a->id);
                    p = put_manufacturer(put(p, " man="), a->manufacturer);
                    p = put_uint(put(p, " ver="), a->version);
                    p = put(put(p, " medium="), medium);
                    *p++ = ' ';
                }
                p = put_uint(put(p, "records="), v.records);
            } else if constexpr (std::is_same_v<T, app::fixed_outline>) {
                p = put_id(put(p, "fixed id="), v.id);
            } else if constexpr (std::is_same_v<T, app::application_error>) {
                p = put(p, "application error");
                if (v.status) {
                    p[0] = ' ';
                    p[1] = hex_digits[*v.status >> 4];
                    p[2] = hex_digits[*v.status & 0x0F];
                    p += 3;
                }
            } else {
                p = put(put_uint(p, v.size), " bytes");
            }
        },
        o);
    *p++ = ']';
    return p;
}

// link::c_field_name(f.c) == "RSP_UD", from the bits: a slave's (PRM clear) RSP_UD function, bit 7 clear.
bool is_rsp_ud(const link::frame_view& f) {
    return f.kind == link::frame_kind::long_frame && (f.c & 0x80U) == 0 && (f.c & link::c_field::prm) == 0 &&
           (f.c & 0x0FU) == link::c_field::rsp_ud;
}

// The summary of one frame appended; returns whether its telegram announces more (DIF 1F last).
bool append_frame_summary(std::string& out, const link::frame_view& f) {
    const auto at = out.size();
    if (!is_rsp_ud(f)) {
        out.resize(at + link::description_bound);
        out.resize(static_cast<std::size_t>(link::put_description(out.data() + at, f) - out.data()));
        return false;
    }
    const auto o = app::outline_of(f.ci, f.data);
    if (!o) {
        link::append_description(out, f);
        out += " [undecodable: ";
        out += o.error().message();
        out += ']';
        return false;
    }
    const auto* v = std::get_if<app::variable_outline>(&*o);
    const std::string medium =
        v != nullptr && v->address ? app::medium_name(v->address->medium) : std::string();
    out.resize(at + link::description_bound + outline_bound + medium.size());
    char* p = link::put_description(out.data() + at, f);
    p = put_outline(p, *o, medium);
    out.resize(static_cast<std::size_t>(p - out.data()));
    return v != nullptr && v->more_follows;
}

// Every frame of `wire` in words; `whole` gets the frame when the bytes are exactly one.
bool append_wire(std::string& out, bytes_view wire, std::optional<link::frame>* whole) {
    const auto size = wire.size();
    const auto first = out.size();
    bool more_follows = false;
    while (!wire.empty()) {
        if (out.size() != first) out += " + ";
        const auto d = link::decode_view(wire);
        if (!d) {
            out += "? ";
            append_uint(out, wire.size());
            out += " bytes (";
            out += d.error().message();
            out += ')';
            break;
        }
        const bool more = append_frame_summary(out, d->value);
        if (d->size == size) {
            more_follows = more;
            if (whole != nullptr) *whole = d->value.to_frame();
        }
        wire = wire.subspan(d->size);
    }
    return more_follows;
}

} // namespace

void append_summary(std::string& out, const link::frame_view& f) { append_frame_summary(out, f); }

std::string summarize(const link::frame& f) {
    std::string out;
    append_frame_summary(out, link::view_of(f));
    return out;
}

decoded_wire decode_wire(bytes_view wire) {
    decoded_wire out;
    out.more_follows = append_wire(out.summary, wire, &out.frame);
    return out;
}

bool append_wire_summary(std::string& out, bytes_view wire) { return append_wire(out, wire, nullptr); }

} // namespace mbus::runtime
