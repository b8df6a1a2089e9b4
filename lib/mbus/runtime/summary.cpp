#include <mbus/runtime/summary.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>

#include <fmt/format.h>

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

// Appended piece by piece, no format string: a stream subscriber has every reply summarised.
void append_app_summary(std::string& out, const app::user_data& ud) {
    std::visit(
        [&out](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, app::variable_data>) {
                if (const auto& a = v.header.address) {
                    out += "id=";
                    out += app::id_to_string(a->id);
                    out += " man=";
                    out += app::manufacturer_letters(a->manufacturer);
                    out += " ver=";
                    append_uint(out, a->version);
                    out += " medium=";
                    out += app::medium_name(a->medium);
                    out += ' ';
                }
                out += "records=";
                append_uint(out, v.records.size());
            } else if constexpr (std::is_same_v<T, app::fixed_data>) {
                out += "fixed id=";
                out += app::id_to_string(v.id);
            } else if constexpr (std::is_same_v<T, app::application_error>) {
                out += v.status ? fmt::format("application error {:02X}", *v.status)
                                : std::string("application error");
            } else {
                append_uint(out, v.data.size());
                out += " bytes";
            }
        },
        ud);
}

bool is_rsp_ud(const link::frame& f) {
    return f.kind == link::frame_kind::long_frame && link::c_field_name(f.c) == "RSP_UD";
}

// The summary of one frame, and whether its telegram announces more (DIF 1F last).
std::string summarize(const link::frame& f, bool& more) {
    auto out = link::describe(f);
    if (!is_rsp_ud(f)) return out;
    const auto ud = app::decode(f.ci, f.data);
    if (!ud) return out + fmt::format(" [undecodable: {}]", ud.error().message());
    if (const auto* v = std::get_if<app::variable_data>(&*ud))
        more = !v->records.empty() && v->records.back().dib.dif == 0x1F;
    out += " [";
    append_app_summary(out, *ud);
    out += ']';
    return out;
}

} // namespace

std::string summarize(const link::frame& f) {
    bool more = false;
    return summarize(f, more);
}

decoded_wire decode_wire(bytes_view wire) {
    decoded_wire out;
    const auto whole = wire.size();
    while (!wire.empty()) {
        if (!out.summary.empty()) out.summary += " + ";
        auto d = link::decode(wire);
        if (!d) {
            out.summary += fmt::format("? {} bytes ({})", wire.size(), d.error().message());
            break;
        }
        bool more = false;
        out.summary += summarize(d->value, more);
        if (d->size == whole) {
            out.more_follows = more;
            out.frame = std::move(d->value);
        }
        wire = wire.subspan(d->size);
    }
    return out;
}

} // namespace mbus::runtime
