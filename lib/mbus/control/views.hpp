#pragma once
// The JSON the control API answers with (docs/http-api.md): meters with their records' values now,
// faults, fault kinds, timeline events and counters. Read from the runner between two requests of the
// bus, on its io_context.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <mbus/runtime/runner.hpp>
#include <mbus/sim/han_fault.hpp>

namespace mbus::control {

// {"name","primary","id","manufacturer","version","medium","secondary","present","status","alarm",
//  "selected","fcb","baud","records":[...]}
nlohmann::json meter_view(runtime::runner& r, std::size_t meter);

// A record's name for `ctl set` and the page: its quantity for the first record of that quantity
// ("energy"), with its rank for the others ("energy_2"); nullopt for a record given as bytes.
std::optional<std::string> record_name(const sim::meter_config& m, std::size_t record);
// The record a name or an index ("0", "energy") points to; nullopt when none does.
std::optional<std::size_t> find_record(const sim::meter_config& m, std::string_view name_or_index);

// A generator as a scenario writes it ({"counter":{"start":..,"rate":..,"per":"3600s"}}); null for a
// constant.
nlohmann::json generator_view(const sim::value_source& s);

// {"name","kind","active","meter":name|null,"requests":[...],"probability",...,"description"}
nlohmann::json fault_view(const sim::fault_spec& f);
nlohmann::json fault_view(const sim::han_fault_spec& f);
// [{"kind","parameters":[{"name","type","default"}],"description"}], from scenario/fault_kinds.hpp.
nlohmann::json fault_kinds_view();
// {"index","when","meter","action","text"}
nlohmann::json event_view(const sim::timeline_event& e, std::size_t index);
// {"kinds":{"REQ_UD2":n,...},"meters":{"heat-1":{"requests":n,"answers":n}},"requests":n,"totals":{...}}
nlohmann::json counters_view(runtime::runner& r);

} // namespace mbus::control
