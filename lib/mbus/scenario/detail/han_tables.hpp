#pragma once
// [[han_meter]] tables. Internal to the loader.

#include <cstddef>
#include <optional>
#include <string>

#include <mbus/scenario/detail/reader.hpp>
#include <mbus/sim/han_meter.hpp>

namespace mbus::scenario::detail {

// One [[han_meter]] table (the `index`th): the meter, or nullopt after reporting.
std::optional<sim::han_meter_config> parse_han_meter(sink& s, const toml::table& t, const std::string& path,
                                                     std::size_t index);

} // namespace mbus::scenario::detail
