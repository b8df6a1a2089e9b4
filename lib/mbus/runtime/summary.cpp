#include <mbus/runtime/summary.hpp>

#include <mbus/app/medium.hpp>
#include <mbus/app/outline.hpp>

#include <charconv>
#include <iterator>
#include <type_traits>
#include <variant>

namespace mbus::runtime {

namespace {

void append_uint(std::string& out, std::uint64_t v) {
    char digits[20];
    out.append(digits, std::to_chars(std::begin(digits), std::end(digits), v).ptr);
}

constexpr char hex_digits[] = "0123456789ABCDEF";

// app::id_to_string's text ("12345678", wildcard nibbles as F).
void append_id(std::string& out, std::uint32_t bcd) {
    char text[8];
    for (int i = 0; i < 8; ++i)
        text[i] = hex_digits[(bcd >> (28 - 4 * i)) & 0x0F];
    out.append(text, 8);
}

// app::manufacturer_letters's text.
void append_manufacturer(std::string& out, std::uint16_t code) {
    const char letters[3] = {static_cast<char>(((code >> 10) & 0x1F) + 64),
                             static_cast<char>(((code >> 5) & 0x1F) + 64),
                             static_cast<char>((code & 0x1F) + 64)};
    out.append(letters, 3);
}

// Appended piece by piece, no format string: a stream subscriber has every reply summarised.
void append_outline(std::string& out, const app::outline& o) {
    std::visit(
        [&out](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, app::variable_outline>) {
                if (const auto& a = v.address) {
                    out += "id=";
                    append_id(out, a->id);
                    out += " man=";
                    append_manufacturer(out, a->manufacturer);
                    out += " ver=";
                    append_uint(out, a->version);
                    out += " medium=";
                    out += app::medium_name(a->medium);
                    out += ' ';
                }
                out += "records=";
                append_uint(out, v.records);
            } else if constexpr (std::is_same_v<T, app::fixed_outline>) {
                out += "fixed id=";
                append_id(out, v.id);
            } else if constexpr (std::is_same_v<T, app::application_error>) {
                out += "application error";
                if (v.status) {
                    const char two[3] = {' ', hex_digits[*v.status >> 4], hex_digits[*v.status & 0x0F]};
                    out.append(two, 3);
                }
            } else {
                append_uint(out, v.size);
                out += " bytes";
            }
        },
        o);
}

bool is_rsp_ud(const link::frame_view& f) {
    return f.kind == link::frame_kind::long_frame && link::c_field_name(f.c) == "RSP_UD";
}

// The summary of one frame appended; returns whether its telegram announces more (DIF 1F last).
bool append_frame_summary(std::string& out, const link::frame_view& f) {
    link::append_description(out, f);
    if (!is_rsp_ud(f)) return false;
    const auto o = app::outline_of(f.ci, f.data);
    if (!o) {
        out += " [undecodable: ";
        out += o.error().message();
        out += ']';
        return false;
    }
    out += " [";
    append_outline(out, *o);
    out += ']';
    const auto* v = std::get_if<app::variable_outline>(&*o);
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
