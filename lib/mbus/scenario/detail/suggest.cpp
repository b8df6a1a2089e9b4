#include <mbus/scenario/detail/suggest.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace mbus::scenario::detail {

namespace {
char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
} // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            const std::size_t change = diagonal + (fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1);
            row[j] = std::min({above + 1, row[j - 1] + 1, change});
            diagonal = above;
        }
    }
    return row[b.size()];
}

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

} // namespace mbus::scenario::detail
