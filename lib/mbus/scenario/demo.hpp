#pragma once
// The demo `mbus-sim run` serves when given no scenario: one meter at primary address 3 (ID 12345678,
// manufacturer TST) with a voltage, a slowly growing volume and the current date and time. Its text
// is scenarios/demo.toml, compiled in so that the binary needs no file.

#include <string_view>

#include <mbus/scenario/scenario.hpp>

namespace mbus::scenario {

// The TOML text; a test checks it equals scenarios/demo.toml byte for byte.
std::string_view demo_text();

// demo_text() loaded, with source "<built-in demo>". The text is ours and a test loads it, so a
// failure here is a bug: it throws std::logic_error with the diagnostics.
scenario builtin_demo();

} // namespace mbus::scenario
