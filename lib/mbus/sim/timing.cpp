#include <mbus/sim/timing.hpp>

#include <algorithm>
#include <array>
#include <ostream>

#include <mbus/core/time.hpp>

namespace mbus::sim {

std::ostream& operator<<(std::ostream& os, const delay_range& r) {
    return os << r.min.count() << "us.." << r.max.count() << "us";
}

delay_range response_window(unsigned baud) {
    const unsigned b = baud == 0 ? 2400 : baud;
    const auto bit = std::chrono::duration<double, std::micro>(1e6 / b);
    const auto lo = std::chrono::ceil<microseconds>(11 * bit);
    const auto hi = std::chrono::floor<microseconds>(330 * bit) + microseconds{50'000};
    return {lo, hi};
}

microseconds choose_delay(const delay_range& wanted, unsigned baud, std::uint64_t random) {
    const auto window = response_window(baud);
    auto lo = std::max(wanted.min, window.min);
    auto hi = std::min(wanted.max, window.max);
    if (lo > hi) { // no overlap (or an inverted range): the window's end nearest to what was wanted
        const auto pick = wanted.min > window.max ? window.max : window.min;
        return pick;
    }
    const auto span = static_cast<std::uint64_t>((hi - lo).count()) + 1;
    return lo + microseconds{static_cast<microseconds::rep>(random % span)};
}

unsigned baud_for_ci(std::uint8_t ci) {
    static constexpr std::array<unsigned, 8> rates{300, 600, 1200, 2400, 4800, 9600, 19200, 38400};
    if (ci < 0xB8 || ci > 0xBF) return 0;
    return rates[static_cast<std::size_t>(ci - 0xB8)];
}

} // namespace mbus::sim
