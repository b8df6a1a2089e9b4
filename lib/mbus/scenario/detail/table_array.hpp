#pragma once
// Arrays of tables ([[meter]], [[fault]], a meter's [[meter.write_rule]], ...) are all read the same way.

#include <mbus/scenario/detail/reader.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace mbus::scenario::detail {

using table_visitor = std::function<void(const toml::table& t, const std::string& path, std::size_t index)>;

// Calls `each(table, path[index], index)` for every table of the array `n` at `path`; an `n` that is not
// an array, and an element that is not a table, are reported and skipped.
void for_each_table(sink& s, const toml::node& n, const std::string& path, const table_visitor& each);

// The same for a top-level array of tables under `key`, where a single table ([fault] for [[fault]]) is
// reported with how to write it, `one` naming what each table stands for ("one table per fault").
// Nothing happens when `n` is null.
void for_each_top_table(sink& s, const toml::node* n, const std::string& key, std::string_view one,
                        const table_visitor& each);

} // namespace mbus::scenario::detail
