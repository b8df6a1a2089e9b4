#pragma once
// The fault kinds a [[fault]] table may name, with the keys each kind reads besides the common ones:
// one table that the scenario loader checks keys against and the control API lists
// (GET /api/v1/fault-kinds), so that the two never disagree.

#include <string_view>
#include <vector>

namespace mbus::scenario {

struct fault_parameter {
    std::string_view name;
    std::string_view type;          // "integer", "number", "hex", "string", "milliseconds"
    std::string_view default_value; // as a scenario writes it; empty: required or none
};

struct fault_kind_info {
    std::string_view kind; // as sim::name(fault_action) spells it
    std::vector<fault_parameter> parameters;
    std::string_view description;
};

// Every kind, in sim::fault_action's order, then the HAN kinds (han_*) in sim::han_fault_action's,
// then the wireless ones (wm_*) in sim::wmbus_fault_action's.
const std::vector<fault_kind_info>& fault_kinds();
// The entry for `kind` (exact spelling); null when there is none.
const fault_kind_info* find_fault_kind(std::string_view kind);
// Whether `kind` is for [[han_meter]]s (sim::han_fault_action) rather than M-Bus meters.
bool is_han_fault_kind(std::string_view kind);
// Whether `kind` is for [[wmbus_meter]]s (sim::wmbus_fault_action).
bool is_wmbus_fault_kind(std::string_view kind);
// The keys every fault takes: name, meter, kind, requests, ...
const std::vector<fault_parameter>& common_fault_keys();

} // namespace mbus::scenario
