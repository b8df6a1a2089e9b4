#pragma once
// A [[meter.record]] as the record readers share it: the DIB and VIB read so far, and how a number
// in the file becomes the raw field. record_table.cpp reads the DIB and VIB, record_value_table.cpp
// the value. Internal to the loader.

#include <cstdint>
#include <optional>
#include <string>

#include <mbus/app/record_spec.hpp>
#include <mbus/scenario/detail/reader.hpp>
#include <mbus/sim/value_source.hpp>

namespace mbus::scenario::detail {

// A record's DIB and VIB as read, and how its value is written.
struct shape {
    app::record_spec spec; // everything but the value
    app::vib_meaning vib;
    // A number in the file means number * 10^value_exponent of the VIB's unit: the unit the author
    // wrote ("kWh": 3), or the VIB's own step when no unit was written (the number is the raw field).
    int value_exponent{0};
    std::string unit_text; // for messages
    bool signed_bcd{false};

    // From a number in the file to the raw field.
    app::value_scale scale() const { return {value_exponent - vib.exponent, unit_text}; }
};

// What app found wrong, reported at `at`; the value when nothing was.
template <class T>
std::optional<T> reported(sink& s, const toml::node& at, const std::string& path, const app::checked<T>& c) {
    if (c) return *c;
    s.error(at, path, c.problem().reason);
    return std::nullopt;
}

// `value` (or `data`) into the spec's value or a source. False when something was reported.
bool read_value(sink& s, const toml::table& t, const std::string& path, shape& sh,
                std::optional<sim::value_source>& source, std::uint64_t walk_seed);

} // namespace mbus::scenario::detail
