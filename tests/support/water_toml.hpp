#pragma once
// The scenario most runtime and system tests serve: one water meter at primary address 5 (ID
// 12345678, KAM, version 1) whose one record 0C 13 (volume in litres, 8 BCD digits) is 12345678.

#include <string>
#include <string_view>

namespace mbus::test {

inline std::string water_scenario_toml(std::string_view bus_name) {
    return "\n[bus]\nname = \"" + std::string(bus_name) + "\"\n" + R"(
[[meter]]
name = "water"
address = 5
id = "12345678"
manufacturer = "KAM"
version = 1
medium = "water"

[[meter.record]]
raw = "0C 13"
data = "78 56 34 12"
)";
}

} // namespace mbus::test
