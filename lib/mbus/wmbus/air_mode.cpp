#include <mbus/wmbus/air_mode.hpp>

#include <array>
#include <cctype>

namespace mbus::wmbus {

std::string_view name_of(air_mode m) {
    switch (m) {
    case air_mode::s1: return "S1";
    case air_mode::t1: return "T1";
    case air_mode::c1: return "C1";
    }
    return "?";
}

air_mode_set modes_of(const std::vector<air_mode>& modes) {
    air_mode_set out;
    for (const auto m : modes) {
        out.s1 = out.s1 || m == air_mode::s1;
        out.t1 = out.t1 || m == air_mode::t1;
        out.c1 = out.c1 || m == air_mode::c1;
    }
    return out;
}

std::optional<air_mode> air_mode_from_name(std::string_view s) {
    for (const auto m : {air_mode::s1, air_mode::t1, air_mode::c1}) {
        const auto n = name_of(m);
        if (s.size() == n.size() && std::toupper(static_cast<unsigned char>(s[0])) == n[0] && s[1] == n[1])
            return m;
    }
    return std::nullopt;
}

} // namespace mbus::wmbus
