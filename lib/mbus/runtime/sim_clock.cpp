#include <mbus/runtime/sim_clock.hpp>

#include <chrono>

namespace mbus::runtime {

sim::sim_now sim_clock::at(time_point mono) const {
    if (!start_) return {mono, std::chrono::system_clock::now()};
    return {mono, *start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(mono - at_)};
}

} // namespace mbus::runtime
