#include <mbus/core/text.hpp>
#include <mbus/scenario/detail/suggest.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace mbus::scenario::detail {

std::size_t edit_distance(std::string_view a, std::string_view b) { return mbus::edit_distance(a, b, true); }

std::optional<std::string> closest(std::string_view wanted, std::span<const std::string_view> known) {
    const std::size_t limit = std::max<std::size_t>(2, wanted.size() / 3);
    std::optional<std::string> best;
    std::size_t best_distance = limit + 1;
    for (const auto k : known) {
        const auto d = edit_distance(wanted, k);
        if (d < best_distance) {
            best_distance = d;
            best = std::string(k);
        }
    }
    return best;
}

std::string did_you_mean(std::string_view wanted, std::span<const std::string_view> known) {
    const auto c = closest(wanted, known);
    return c ? "; did you mean \"" + *c + "\"?" : std::string();
}

std::string one_of(std::span<const std::string_view> known) {
    std::string s;
    for (std::size_t i = 0; i < known.size(); ++i) {
        if (i > 0) s += i + 1 == known.size() ? " or " : ", ";
        s += '"' + std::string(known[i]) + '"';
    }
    return s;
}

namespace {
// A fraction of a second of edit distances, whatever the file holds.
constexpr std::size_t suggestion_budget = 50'000'000;
constexpr std::size_t max_listed = 20;
} // namespace

name_index::name_index(std::vector<std::string_view> names)
    : names_(std::move(names)), budget_(suggestion_budget) {
    index_.reserve(names_.size());
    for (std::size_t i = 0; i < names_.size(); ++i)
        index_.emplace(names_[i], i); // the first of equal names wins, as a scan would find it
}

std::optional<std::size_t> name_index::find(std::string_view name) const {
    const auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
}

std::string name_index::did_you_mean(std::string_view wanted) const {
    // As closest(): the nearest within the limit, ties to the first; a name whose length alone
    // differs by more than the limit cannot be near, and costs no distance.
    const std::size_t limit = std::max<std::size_t>(2, wanted.size() / 3);
    std::optional<std::string_view> best;
    std::size_t best_distance = limit + 1;
    for (const auto k : names_) {
        const auto gap = k.size() > wanted.size() ? k.size() - wanted.size() : wanted.size() - k.size();
        const auto cost = 1 + (gap > limit ? 0 : (wanted.size() + 1) * (k.size() + 1));
        if (cost > budget_) {
            budget_ = 0;
            return {};
        }
        budget_ -= cost;
        if (gap > limit) continue;
        const auto d = edit_distance(wanted, k);
        if (d < best_distance) {
            best_distance = d;
            best = k;
        }
    }
    return best ? "; did you mean \"" + std::string(*best) + "\"?" : std::string();
}

std::string name_index::suggest(std::string_view wanted, std::string_view plural) const {
    auto hint = did_you_mean(wanted);
    if (hint.empty() && !names_.empty() && names_.size() <= max_listed)
        hint = "; the " + std::string(plural) + " are " + one_of(names_);
    return hint;
}

} // namespace mbus::scenario::detail
