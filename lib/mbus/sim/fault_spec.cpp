#include <mbus/sim/fault_spec.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <ostream>

#include <fmt/format.h>

namespace mbus::sim {

namespace {
constexpr std::array<std::string_view, fault_kind_count> kind_names{
    "no_answer",     "late",         "gap",       "bad_checksum", "bad_stop",   "bad_length",    "truncate",
    "bit_errors",    "garbage",      "ack_junk",  "echo",         "duplicate",  "wrong_address", "ignore_fcb",
    "access_number", "status_flags", "app_error", "any_address",  "wrong_baud", "wake_up",       "preamble"};
}

std::string_view name(fault_kind k) { return kind_names.at(static_cast<std::size_t>(k)); }

std::optional<fault_kind> parse_fault_kind(std::string_view text) {
    for (std::size_t i = 0; i < kind_names.size(); ++i)
        if (std::equal(text.begin(), text.end(), kind_names[i].begin(), kind_names[i].end(),
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
            return static_cast<fault_kind>(i);
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, fault_kind k) { return os << name(k); }

std::ostream& operator<<(std::ostream& os, const fault_spec& f) {
    os << fmt::format("fault '{}' {} on {}", f.name, name(f.kind), f.meter.empty() ? "the bus" : f.meter);
    if (!f.when.requests.empty()) {
        os << " for";
        for (const auto k : f.when.requests)
            os << ' ' << name(k);
    }
    if (f.when.probability) os << fmt::format(" p={}", *f.when.probability);
    if (f.when.every != 0) os << fmt::format(" every {}", f.when.every);
    if (f.when.after != 0) os << fmt::format(" after {}", f.when.after);
    if (f.when.from) os << fmt::format(" from {}us", f.when.from->count());
    if (f.when.until) os << fmt::format(" until {}us", f.when.until->count());
    if (!f.active) os << " (inactive)";
    return os;
}

} // namespace mbus::sim
