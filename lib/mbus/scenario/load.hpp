#pragma once
// Reading a scenario from TOML (the format is in scenarios/README.md). Loading never throws and
// never stops at the first problem: it returns the scenario, or every diagnostic it found.

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string_view>
#include <vector>

#include <mbus/scenario/diagnostic.hpp>
#include <mbus/scenario/scenario.hpp>

namespace mbus::scenario {

// mbus::result carries one error_code; a scenario has many findings with places, hence its own type.
struct load_result {
    std::optional<scenario> value; // set exactly when `errors` is empty
    std::vector<diagnostic> errors;
    explicit operator bool() const { return value.has_value(); }
};

// Reads `file` and the model files it names (paths relative to the naming file). Diagnostics name
// files as `file` names them.
load_result load(const std::filesystem::path& file);

// The same for text in memory; `source_name` is the file name diagnostics show, and model paths
// are taken relative to its folder.
load_result load_string(std::string_view toml, std::string_view source_name);

// Each diagnostic on its own line (to_string(diagnostic)).
std::ostream& operator<<(std::ostream& os, const load_result& r);

} // namespace mbus::scenario
