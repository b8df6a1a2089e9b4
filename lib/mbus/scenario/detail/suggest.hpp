#pragma once
// "Did you mean" for scenario keys and names: the known word nearest to what was typed.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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

// Names a scenario refers to (its meters, its faults): found by hash, and "did you mean" at a bounded
// cost. A file with 100,000 meters and thousands of misspelt references must not compare every
// reference with every name: the edit distances of one index share one budget, and once it is spent
// references get no suggestion. The views point into the caller's strings, which must outlive it.
class name_index {
  public:
    explicit name_index(std::vector<std::string_view> names);
    // The position of `name` in the list given, or nullopt.
    std::optional<std::size_t> find(std::string_view name) const;
    bool contains(std::string_view name) const { return find(name).has_value(); }
    // `; did you mean "x"?` (as the free function), or nothing.
    std::string did_you_mean(std::string_view wanted) const;
    // did_you_mean(), or else `; the <plural> are "a", "b" or "c"` while the list is short enough
    // to print (a message must not grow with the number of meters), or nothing.
    std::string suggest(std::string_view wanted, std::string_view plural) const;
    std::size_t size() const { return names_.size(); }

  private:
    std::vector<std::string_view> names_;
    std::unordered_map<std::string_view, std::size_t> index_;
    mutable std::size_t budget_; // characters compared (length x length per pair) that are left
};

} // namespace mbus::scenario::detail
