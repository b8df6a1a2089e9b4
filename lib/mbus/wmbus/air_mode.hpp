#pragma once
// The modes a meter transmits in (EN 13757-4): S1 (868.3 MHz, 32.768 kcps Manchester), T1 (868.95
// MHz, 100 kcps 3-of-6) and C1 (868.95 MHz, 100 kcps NRZ, frame format A or B). A receiver hears a
// transmission only in a mode it listens in: a stick set to T1 does not demodulate C1's NRZ, one
// set to S2 hears neither (im871a::device::hears, amb8465::device::hears).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mbus::wmbus {

enum class air_mode : std::uint8_t { s1, t1, c1 };
std::string_view name_of(air_mode m); // "S1", "T1", "C1"
// Which modes a list of meters sends in (what a receiver must hear for all of them).
struct air_mode_set {
    bool s1{false}, t1{false}, c1{false};
};
air_mode_set modes_of(const std::vector<air_mode>& modes);
// "S1", "t1", ...: case does not matter.
std::optional<air_mode> air_mode_from_name(std::string_view s);

} // namespace mbus::wmbus
