#pragma once
// [[replay]] tables. Internal to the loader.

#include <cstddef>
#include <optional>
#include <string>

#include <mbus/capture/replay.hpp>
#include <mbus/scenario/detail/reader.hpp>

namespace mbus::scenario::detail {

// One [[replay]] table: its file read and cut into chunks, or nullopt after reporting (the file's own
// problems with the file's line and column). `from` is the scenario's path, to which `file` is relative.
std::optional<capture::replay_config> parse_replay(sink& s, const toml::table& t, const std::string& path,
                                                   const std::string& from, unsigned baud);

} // namespace mbus::scenario::detail
