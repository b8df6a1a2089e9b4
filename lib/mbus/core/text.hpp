#pragma once
// Small text helpers shared by the tables that look names up case-blind.

#include <string>
#include <string_view>

namespace mbus {

// `s` in lower case, ASCII only: names in tables and scenarios are ASCII, and the C locale's
// tolower keeps other bytes as they are.
std::string lower(std::string_view s);

} // namespace mbus
