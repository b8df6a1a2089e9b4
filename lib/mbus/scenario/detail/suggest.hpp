#pragma once
// "Did you mean" for scenario keys and names: the known word nearest to what was typed.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mbus::scenario::detail {

// Levenshtein distance, case-blind (people type "Address" for "address").
std::size_t edit_distance(std::string_view a, std::string_view b);

// The nearest of `known` when it is near enough to be a typo: at most 2 edits, or a third of the
// word's length for long words. Ties go to the first in `known`.
std::optional<std::string> closest(std::string_view wanted, std::span<const std::string_view> known);

// `; did you mean "x"?`, or nothing.
std::string did_you_mean(std::string_view wanted, std::span<const std::string_view> known);

// `a, b or c` with each name quoted: for "expected one of" messages.
std::string one_of(std::span<const std::string_view> known);

} // namespace mbus::scenario::detail
