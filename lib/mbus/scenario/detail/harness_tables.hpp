#pragma once
// The scenario's [[fault]], [[event]] and [[expect]] arrays, each read by its own file
// (fault_table.cpp, event_table.cpp, expect_table.cpp). They run after the meters are read, so that
// they can check meter names against `meters` (the names of `sc.meters`, indexed once); each reports
// problems to `s` with file:line:col. `n` is the top-level node under the key (null when the file has
// none).

#include <mbus/scenario/detail/reader.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/scenario.hpp>

namespace mbus::scenario::detail {

void parse_faults(sink& s, const toml::node* n, scenario& sc, const name_index& meters);
void parse_events(sink& s, const toml::node* n, scenario& sc, const name_index& meters);
void parse_expectations(sink& s, const toml::node* n, scenario& sc, const name_index& meters);

} // namespace mbus::scenario::detail
