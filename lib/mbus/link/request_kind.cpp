#include <mbus/link/request_kind.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace mbus::link {

namespace {
constexpr std::array<std::string_view, request_kind_count> names{"SND_NKE", "REQ_UD2", "REQ_UD1",
                                                                 "SELECT",  "SND_UD",  "OTHER"};
}

request_kind kind_of(const link::frame& f) {
    if (f.kind == link::frame_kind::ack) return request_kind::other;
    const auto name = link::c_field_name(f.c);
    if (f.kind == link::frame_kind::short_frame) {
        if (name == "SND_NKE") return request_kind::snd_nke;
        if (name == "REQ_UD2") return request_kind::req_ud2;
        if (name == "REQ_UD1") return request_kind::req_ud1;
        return request_kind::other;
    }
    if (name != "SND_UD") return request_kind::other;
    if (f.ci == ci_select || f.ci == ci_select_msb) return request_kind::select;
    return request_kind::snd_ud;
}

std::string_view name(request_kind k) { return names.at(static_cast<std::size_t>(k)); }

std::optional<request_kind> parse_request_kind(std::string_view text) {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (std::equal(text.begin(), text.end(), names[i].begin(), names[i].end(),
                       [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; }))
            return static_cast<request_kind>(i);
    return std::nullopt;
}

} // namespace mbus::link
