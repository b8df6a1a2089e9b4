#include <mbus/runtime/summary.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>

#include <fmt/format.h>

#include <type_traits>
#include <variant>

namespace mbus::runtime {

namespace {

std::string app_summary(const app::user_data& ud) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, app::variable_data>) {
                std::string out;
                if (const auto& a = v.header.address)
                    out = fmt::format("id={} man={} ver={} medium={} ", app::id_to_string(a->id),
                                      app::manufacturer_letters(a->manufacturer), a->version,
                                      app::medium_name(a->medium));
                return out + fmt::format("records={}", v.records.size());
            } else if constexpr (std::is_same_v<T, app::fixed_data>) {
                return fmt::format("fixed id={}", app::id_to_string(v.id));
            } else if constexpr (std::is_same_v<T, app::application_error>) {
                return v.status ? fmt::format("application error {:02X}", *v.status)
                                : std::string("application error");
            } else {
                return fmt::format("{} bytes", v.data.size());
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
    return out + " [" + app_summary(*ud) + "]";
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
