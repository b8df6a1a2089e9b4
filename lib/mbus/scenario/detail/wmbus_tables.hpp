#pragma once
// [[wmbus_meter]] tables and the [receiver] they are heard through. Internal to the loader.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <mbus/scenario/detail/reader.hpp>
#include <mbus/scenario/detail/tables.hpp>
#include <mbus/scenario/scenario.hpp>

namespace mbus::scenario::detail {

// One [[wmbus_meter]] table (the `index`th of `file`) with its model: the meter, or nullopt after
// reporting.
std::optional<sim::wmbus_meter_config> parse_wmbus_meter(sink& s, const toml::table& t,
                                                         const std::string& path, model_store& models,
                                                         const std::string& file, std::size_t index,
                                                         std::uint64_t bus_seed);

// [receiver]; the default (an iM871A) when `n` is null.
receiver_settings parse_receiver(sink& s, const toml::node* n);

} // namespace mbus::scenario::detail
