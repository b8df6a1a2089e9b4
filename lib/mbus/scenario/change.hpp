#pragma once
// Changes to a running bus as the control API receives them (JSON request bodies), read into the
// same values a scenario file gives: a [[meter]] or [[fault]] table as JSON is turned into a TOML
// table and read by the scenario loader's own table readers, so that it is checked exactly as in a
// file and its mistakes are told in the same words. No I/O: the control layer applies the result.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mbus/scenario/scenario.hpp>

namespace mbus::scenario {

// What is wrong with a body: the key at fault (as the scenario checker names it: "kind",
// "record[0].unit"; empty for the body as a whole) and why.
struct body_error {
    std::string field;
    std::string reason;
    friend bool operator==(const body_error&, const body_error&) = default;
};

template <class T>
struct body_result {
    std::optional<T> value;
    body_error error; // when value is empty
    explicit operator bool() const { return value.has_value(); }
};

// The body as a JSON object; malformed JSON, or anything but an object, is an error.
body_result<nlohmann::json> parse_body(std::string_view text);

// PATCH .../meters/{meter}: any of status, alarm, primary, id.
struct meter_patch {
    std::optional<std::uint8_t> status;
    std::optional<bool> alarm;
    std::optional<std::uint8_t> primary;
    std::optional<std::uint32_t> id; // BCD, as app::secondary_address holds it
    friend bool operator==(const meter_patch&, const meter_patch&) = default;
};
body_result<meter_patch> read_meter_patch(const nlohmann::json& body);

// PUT .../records/{index}: {"value": number} or {"generator": {"counter": {...}}}, read as an [[event]]
// with action "value" for record `index` (from 0) of meter `m` is read: checked against the record's
// coding. The event's trigger is "at 0s" (the caller fires it now).
body_result<sim::timeline_event> read_record_change(const nlohmann::json& body, const sim::meter_config& m,
                                                    std::size_t index);

// POST .../faults: one [[fault]] table. `meters` are the bus's meter names (a fault names one of them);
// without "name" the fault is called `default_name`.
body_result<sim::fault_spec> read_fault(const nlohmann::json& body, std::span<const std::string> meters,
                                        const std::string& default_name);

// POST .../faults on a HAN port: one [[fault]] table of a han_* kind; `meters` are the port's HAN
// meters' names.
body_result<sim::han_fault_spec> read_han_fault(const nlohmann::json& body,
                                                std::span<const std::string> meters,
                                                const std::string& default_name);

// POST .../meters: one [[meter]] table (model paths relative to the folder of `scenario_file`, as in
// the scenario); without "name" the meter is called `default_name`. `repeat` is refused: one meter
// per request. `present` is read as the scenario reads it.
struct new_meter {
    sim::meter_config config;
    bool present{true};
};
body_result<new_meter> read_meter(const nlohmann::json& body, const bus_settings& bus,
                                  const std::string& scenario_file, std::size_t index,
                                  const std::string& default_name);

} // namespace mbus::scenario
