#include <mbus/scenario/demo.hpp>
#include <mbus/scenario/load.hpp>

#include <sstream>
#include <stdexcept>

namespace mbus::scenario {

namespace {
// The same bytes as scenarios/demo.toml (a unit test compares them).
constexpr std::string_view text =
    R"toml(# The built-in demo: what `mbus-sim run` serves when given no scenario.
# One meter at primary address 3, secondary address 12345678 / TST / version 1 / water.
# (This text is compiled into mbus-sim: lib/mbus/scenario/demo.cpp holds the same bytes.)

[bus]
name = "demo"
baud = 2400
timing = "fast"

[[meter]]
name = "demo"
address = 3
id = "12345678"
manufacturer = "TST"
version = 1
medium = "water"

# Volume: 12.345 m3 at start, growing 10 litres an hour, sent in litres as 8 BCD digits (0C 13).
[[meter.record]]
quantity = "volume"
unit = "m3"
resolution = 0.001
type = "bcd8"
value = { counter = { start = 12.345, rate = 0.01, per = "h" } }

# Mains voltage: 230 V give or take 3 over an hour, sent in 0.1 V steps (02 FD 48).
[[meter.record]]
quantity = "voltage"
unit = "V"
resolution = 0.1
type = "int16"
value = { sine = { offset = 230, amplitude = 3, period = "1h" } }

# The meter's clock: date and time to the minute (04 6D, type F).
[[meter.record]]
quantity = "date_time"
type = "int32"
value = "now"
)toml";
} // namespace

std::string_view demo_text() { return text; }

scenario builtin_demo() {
    auto r = load_string(text, "<built-in demo>");
    if (!r) {
        std::ostringstream ss;
        ss << "the built-in demo does not load:\n" << r;
        throw std::logic_error(ss.str());
    }
    return std::move(*r.value);
}

} // namespace mbus::scenario
