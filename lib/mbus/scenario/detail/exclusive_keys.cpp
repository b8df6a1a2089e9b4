#include <mbus/scenario/detail/exclusive_keys.hpp>

#include <fmt/format.h>

namespace mbus::scenario::detail {

bool both_given(sink& s, const toml::table& t, const std::string& path, std::string_view first,
                std::string_view second, std::string_view note) {
    const auto* n = t.get(second);
    if (t.get(first) == nullptr || n == nullptr) return false;
    s.error(*n, child(path, second), fmt::format("give either {} or {}{}, not both", first, second, note));
    return true;
}

} // namespace mbus::scenario::detail
