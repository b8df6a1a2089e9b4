#include <mbus/scenario/detail/table_array.hpp>

#include <fmt/format.h>

namespace mbus::scenario::detail {

void for_each_table(sink& s, const toml::node& n, const std::string& path, const table_visitor& each) {
    const auto* a = read_array(s, n, path);
    if (a == nullptr) return;
    for (std::size_t i = 0; i < a->size(); ++i) {
        const auto p = child(path, i);
        if (const auto* t = read_table(s, (*a)[i], p)) each(*t, p, i);
    }
}

void for_each_top_table(sink& s, const toml::node* n, const std::string& key, std::string_view one,
                        const table_visitor& each) {
    if (n == nullptr) return;
    if (n->is_table()) {
        s.error(*n, key, fmt::format("write [[{0}]] (one table per {1}), not [{0}]", key, one));
        return;
    }
    for_each_table(s, *n, key, each);
}

} // namespace mbus::scenario::detail
