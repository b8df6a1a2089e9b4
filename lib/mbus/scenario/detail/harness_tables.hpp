#pragma once
// The scenario's [[fault]], [[event]] and [[expect]] arrays, each read by its own file
// (fault_table.cpp, event_table.cpp, expect_table.cpp). They run after the meters are read, so that
// they can check meter names against `sc.meters`; each reports problems to `s` with file:line:col.
// `n` is the top-level node under the key (null when the file has none).

#include <mbus/scenario/detail/reader.hpp>
#include <mbus/scenario/scenario.hpp>

namespace mbus::scenario::detail {

void parse_faults(sink& s, const toml::node* n, scenario& sc);
void parse_events(sink& s, const toml::node* n, scenario& sc);
void parse_expectations(sink& s, const toml::node* n, scenario& sc);

} // namespace mbus::scenario::detail
