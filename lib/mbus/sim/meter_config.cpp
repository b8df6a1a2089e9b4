#include <mbus/sim/meter_config.hpp>

#include <chrono>
#include <ostream>
#include <set>

#include <fmt/format.h>

namespace mbus::sim {

std::ostream& operator<<(std::ostream& os, const recorded_telegram& t) {
    if (const auto* ud = std::get_if<recorded_user_data>(&t))
        return os << fmt::format("CI {:02X} {}", ud->ci, to_hex(ud->data));
    return os << "frame " << to_hex(std::get<recorded_frame>(t).wire);
}

std::ostream& operator<<(std::ostream& os, const meter_config& m) {
    os << fmt::format("{} a={} ", m.name.empty() ? std::string("(unnamed)") : m.name, m.primary_address)
       << m.identity;
    os << fmt::format(" records={} baud={}", m.records.size(), m.baud);
    if (!m.recorded.empty()) os << fmt::format(" recorded={}", m.recorded.size());
    if (m.alarm_pending) os << " alarm";
    return os;
}

} // namespace mbus::sim
