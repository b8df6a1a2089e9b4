#pragma once
// EN 13757-3 value information: the VIF tables (primary, FD and FB extension tables) and the
// combinable (orthogonal) VIFE table, in one place that decoding and encoding both read, so that
// describe() and encode_vib() cannot disagree.
//
// Sources: EN 13757-3 as printed on m-bus.com (chapter 8.4, the 2004 tables), the 2013 additions
// as jmbus (OpenMUC, "table 28/29 of DIN EN 13757-3:2013") and wmbusmeters (dvparser.h) decode
// them, cross-checked with libmbus 0.10 (mbus-protocol-aux.c vif_table) and pyMeterBus. Where a
// source differs from the standard the table entry says so.
//
// A quantity measured in a decimal unit is held as (unit, exponent): VIF 06 is energy in Wh with
// exponent 3 (kWh); FB 01 is energy in Wh with exponent 6 (MWh). The primary and FB ranges of one
// quantity never overlap, so (quantity, unit, exponent) names at most one VIF code.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mbus/app/telegram.hpp>
#include <mbus/core/result.hpp>

namespace mbus::app {

enum class quantity : std::uint8_t {
    unknown, // a reserved code
    // primary table
    energy,
    volume,
    mass,
    on_time,
    operating_time,
    power,
    volume_flow,
    mass_flow,
    flow_temperature,
    return_temperature,
    temperature_difference,
    external_temperature,
    pressure,
    date,      // VIF 6C, type G
    date_time, // VIF 6D, type F (or I, J)
    hca_units,
    averaging_duration,
    actuality_duration,
    fabrication_number,
    enhanced_identification,
    bus_address,
    plain_text_unit,       // VIF 7C/FC: the unit is the text that follows the VIF
    any_vif,               // VIF 7E/FE (readout requests)
    manufacturer_specific, // VIF 7F/FF: the VIFEs that follow are the manufacturer's
    // FD table
    credit,
    debit,
    access_number,
    medium,
    manufacturer,
    parameter_set_id,
    model_version,
    hardware_version,
    firmware_version,
    software_version,
    customer_location,
    customer,
    access_code_user,
    access_code_operator,
    access_code_system_operator,
    access_code_developer,
    password,
    error_flags,
    error_mask,
    security_key, // 2013
    digital_output,
    digital_input,
    baud_rate,
    response_delay_time,
    retry,
    remote_control, // 2013
    first_storage_number,
    last_storage_number,
    storage_block_size,
    storage_interval,
    operator_specific_data, // 2013
    time_point_second,      // 2013
    duration_since_last_readout,
    tariff_start,
    tariff_duration,
    tariff_period,
    dimensionless,
    voltage,
    current,
    reset_counter,
    cumulation_counter,
    control_signal,
    day_of_week,
    week_number,
    day_change_time,
    parameter_activation_state,
    special_supplier_information,
    duration_since_last_cumulation,
    battery_operating_time,
    battery_change_date_time,
    rf_level,                   // 2013
    daylight_saving,            // 2013, type K
    listening_window,           // 2013, type L
    remaining_battery_lifetime, // 2013
    meter_stop_count,           // 2013
    manufacturer_container,     // 2013: data container for a manufacturer-specific protocol
    // FB table (and quantities above that it extends)
    reactive_energy,       // 2013
    apparent_energy,       // 2013
    reactive_power,        // 2013
    apparent_power,        // 2013
    relative_humidity,     // 2013
    phase_voltage_voltage, // 2013
    phase_voltage_current, // 2013
    frequency,             // 2013
    temperature_limit,     // cold / warm temperature limit
    cumulative_max_power,  // cumul. count max power
};

enum class unit : std::uint8_t {
    none,
    Wh,
    J,
    cal,
    m3,
    kg,
    second,
    minute,
    hour,
    day,
    month,
    year,
    W,
    J_per_h,
    m3_per_h,
    m3_per_min,
    m3_per_s,
    kg_per_h,
    celsius,
    kelvin,
    fahrenheit,
    bar,
    hca,
    currency,
    volt,
    ampere,
    baud,
    bit_times,
    dBm,
    percent,
    feet3,
    us_gallon,
    us_gallon_per_min,
    us_gallon_per_h,
    VArh,
    VAh,
    VAr,
    VA,
    degree,
    hertz,
};

enum class vif_table : std::uint8_t { primary, fd, fb };

// A code of one table, without its extension bit: primary 06 is VIF 06/86; FD 17 is VIF FD with
// first VIFE 17/97.
struct vif_code {
    vif_table table{vif_table::primary};
    std::uint8_t code{0};
    friend bool operator==(const vif_code&, const vif_code&) = default;
};

struct vif_info {
    quantity q{quantity::unknown};
    unit u{unit::none};
    int exponent{0};
    friend bool operator==(const vif_info&, const vif_info&) = default;
};

// nullopt for reserved codes (and for primary 7B/7D, which only open the FB/FD tables).
std::optional<vif_info> lookup(vif_code c);

// The code of (quantity, unit, exponent); nullopt if the tables have none.
std::optional<vif_code> find_vif(quantity q, unit u, int exponent);

// The meaning of a whole VIB: the table code, and what the combinable VIFEs after it change.
struct vib_meaning {
    vif_code code;
    quantity q{quantity::unknown};        // of the code
    unit vif_unit{unit::none};            // of the code
    int vif_exponent{0};                  // of the code
    std::string plain_text_unit;          // VIF 7C/FC, in reading order (the wire holds it reversed)
    std::vector<std::uint8_t> combinable; // VIFE codes after the VIF (after the FD/FB code), 7 bits each

    // Effective meaning after the combinable VIFEs:
    unit u{unit::none};
    int exponent{0};                      // vif_exponent + multiplicative corrections (70-77, 7D)
    std::optional<int> additive_exponent; // 78-7B: the value is offset by 10^n in the VIF's unit
    bool time_point{false};               // the data is a date/time (types G, F, I, J)
    std::string unit_text;                // "Wh", "m3/h", "Wh/h" (per hour), or the plain text
    std::vector<std::string> notes;       // the combinable VIFEs in words, in order
    friend bool operator==(const vib_meaning&, const vib_meaning&) = default;
};

// Errors: meaning_errc::missing_vife (FD/FB with no VIFE). Reserved codes are not errors: they
// describe as quantity::unknown and keep their code.
result<vib_meaning> describe(const vib& v);

// The VIB for a code, plain text (reading order; only for primary 7C) and combinable VIFE codes
// (7 bits each; the encoder sets the extension bits). Errors: meaning_errc::vife_out_of_range,
// app::errc::invalid_value (plain text on another code, VIFEs after a bare 7B/7D),
// app::errc::value_out_of_range (plain text longer than max_plain_text_vif).
result<vib> encode_vib(vif_code c, std::string_view plain_text = {},
                       const std::vector<std::uint8_t>& combinable = {});

// The combinable VIFE code (7 bits) in words; "reserved combinable VIFE 0x.." when unassigned.
std::string combinable_vife_name(std::uint8_t code);

// Names. name(): snake_case as scenario files and JSON use them ("flow_temperature");
// description(): words ("Flow temperature"); symbol(): "Wh", "m3/h", "C", "" for none.
std::string_view name(quantity q);
std::string_view description(quantity q);
std::string_view symbol(unit u);
std::string_view name(vif_table t); // "primary", "FD", "FB"

// The (unit, exponent range) a quantity can be sent in, e.g. "Wh 10^-3..10^6, J 10^0..10^9".
std::string vif_options(quantity q);

// --- names as a person writes them (scenario files) ---

// What a unit name means: the unit and the power of ten its prefix adds ("kWh" = Wh, 3; "l/h" =
// m3/h, -3). An optional leading power of ten is part of the name: "0.01 C" = celsius, -2;
// "10 kWh" = Wh, 4; "1e-3 m3" = m3, -3.
struct scaled_unit {
    unit u{unit::none};
    int exponent{0};
    friend bool operator==(const scaled_unit&, const scaled_unit&) = default;
};

result<quantity> quantity_from_name(std::string_view name); // meaning_errc::unknown_quantity
result<scaled_unit> unit_from_name(std::string_view name);  // meaning_errc::unknown_unit

struct quantity_unit {
    quantity q{quantity::unknown};
    unit u{unit::none};
    int exponent{0};
    vif_code code;
    friend bool operator==(const quantity_unit&, const quantity_unit&) = default;
};

// quantity = "energy", unit = "kWh" -> energy, Wh, 3, VIF 06. Errors: unknown_quantity,
// unknown_unit, unit_mismatch (the quantity is never sent in that unit), no_vif_code (it is, but
// not at that power of ten).
result<quantity_unit> lookup_quantity(std::string_view quantity_name, std::string_view unit_name);

// A sentence for a person when lookup_quantity fails: names the problem and the close names or
// the units that would work ("unknown quantity 'enrgy'; did you mean: energy?").
std::string lookup_failure_message(std::string_view quantity_name, std::string_view unit_name);

// Known names near `name` (edit distance, prefixes), best first, at most `max`.
std::vector<std::string> close_quantity_names(std::string_view name, std::size_t max = 5);
std::vector<std::string> close_unit_names(std::string_view name, std::size_t max = 5);

std::ostream& operator<<(std::ostream& os, quantity q);
std::ostream& operator<<(std::ostream& os, unit u);
std::ostream& operator<<(std::ostream& os, const vif_code& c);
std::ostream& operator<<(std::ostream& os, const vif_info& i);
std::ostream& operator<<(std::ostream& os, const vib_meaning& m);
std::ostream& operator<<(std::ostream& os, const scaled_unit& s);
std::ostream& operator<<(std::ostream& os, const quantity_unit& q);

} // namespace mbus::app
