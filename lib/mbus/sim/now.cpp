#include <mbus/sim/now.hpp>

#include <ostream>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace mbus::sim {

std::ostream& operator<<(std::ostream& os, const sim_now& n) {
    return os << fmt::format("mono={}ns wall={:%F %T}", n.mono.time_since_epoch().count(),
                             std::chrono::floor<std::chrono::seconds>(n.wall));
}

} // namespace mbus::sim
