#include <mbus/sim/fault_spec.hpp>

#include <algorithm>
#include <cctype>
#include <ostream>

#include <fmt/format.h>

namespace mbus::sim {

std::string_view name(const fault_action& a) { return alternative_name(a); }

std::optional<fault_action> parse_fault_kind(std::string_view text) {
    return alternative_named<fault_action>(text, [](std::string_view typed, std::string_view known) {
        return std::equal(typed.begin(), typed.end(), known.begin(), known.end(),
                          [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == y; });
    });
}

std::ostream& operator<<(std::ostream& os, const fault_action& a) { return os << name(a); }

std::ostream& operator<<(std::ostream& os, const fault_spec& f) {
    os << fmt::format("fault '{}' {} on {}", f.name, name(f.action), f.meter.empty() ? "the bus" : f.meter);
    if (!f.trigger.requests.empty()) {
        os << " for";
        for (const auto k : f.trigger.requests)
            os << ' ' << name(k);
    }
    if (f.trigger.probability) os << fmt::format(" p={}", *f.trigger.probability);
    if (f.trigger.every != 0) os << fmt::format(" every {}", f.trigger.every);
    if (f.trigger.after != 0) os << fmt::format(" after {}", f.trigger.after);
    if (f.trigger.from) os << fmt::format(" from {}us", f.trigger.from->count());
    if (f.trigger.until) os << fmt::format(" until {}us", f.trigger.until->count());
    if (!f.active) os << " (inactive)";
    return os;
}

std::uint64_t fault_seed(const fault_trigger& t, std::uint64_t bus_seed, std::size_t index) {
    if (t.seed) return *t.seed;
    std::uint64_t x = bus_seed + index + 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

bool trigger_fires(const fault_trigger& t, std::uint64_t n, microseconds since, std::mt19937_64& rng) {
    if (t.from && since < *t.from) return false;
    if (t.until && since >= *t.until) return false;
    if (n <= t.after) return false;
    if (t.every != 0 && (n - t.after) % t.every != 0) return false;
    return !t.probability || uniform01(rng) < *t.probability;
}

} // namespace mbus::sim
