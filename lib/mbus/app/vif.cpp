#include <mbus/app/codec.hpp>
#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/meaning_errc.hpp>
#include <mbus/app/vib_essentials.hpp>
#include <mbus/app/vif.hpp>
#include <mbus/core/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ostream>

namespace mbus::app {

namespace {

constexpr byte extension_bit = 0x80;

// How the low bits of a range give the meaning:
//   decimal: exponent = base + (code - first), unit fixed
//   steps:   unit = time_steps[base + (code - first)], exponent 0 (s, min, h, d, month, year)
//   fixed:   one meaning for the whole range (exponent = base)
enum class rule : std::uint8_t { decimal, steps, fixed };

struct row {
    vif_table table;
    std::uint8_t first;
    std::uint8_t last;
    quantity q;
    unit u;
    std::int8_t base;
    rule r;
};

constexpr std::array<unit, 6> time_steps{unit::second, unit::minute, unit::hour,
                                         unit::day,    unit::month,  unit::year};

using enum vif_table;
using q_ = quantity;
using u_ = unit;

// clang-format off
constexpr std::array rows{
    // Primary table (m-bus.com 8.4.3; EN 13757-3 table 10).
    row{primary, 0x00, 0x07, q_::energy, u_::Wh, -3, rule::decimal},
    row{primary, 0x08, 0x0F, q_::energy, u_::J, 0, rule::decimal},
    row{primary, 0x10, 0x17, q_::volume, u_::m3, -6, rule::decimal},
    row{primary, 0x18, 0x1F, q_::mass, u_::kg, -3, rule::decimal},
    row{primary, 0x20, 0x23, q_::on_time, u_::none, 0, rule::steps},
    row{primary, 0x24, 0x27, q_::operating_time, u_::none, 0, rule::steps},
    row{primary, 0x28, 0x2F, q_::power, u_::W, -3, rule::decimal},
    row{primary, 0x30, 0x37, q_::power, u_::J_per_h, 0, rule::decimal},
    row{primary, 0x38, 0x3F, q_::volume_flow, u_::m3_per_h, -6, rule::decimal},
    row{primary, 0x40, 0x47, q_::volume_flow, u_::m3_per_min, -7, rule::decimal},
    row{primary, 0x48, 0x4F, q_::volume_flow, u_::m3_per_s, -9, rule::decimal},
    row{primary, 0x50, 0x57, q_::mass_flow, u_::kg_per_h, -3, rule::decimal},
    row{primary, 0x58, 0x5B, q_::flow_temperature, u_::celsius, -3, rule::decimal},
    row{primary, 0x5C, 0x5F, q_::return_temperature, u_::celsius, -3, rule::decimal},
    row{primary, 0x60, 0x63, q_::temperature_difference, u_::kelvin, -3, rule::decimal},
    row{primary, 0x64, 0x67, q_::external_temperature, u_::celsius, -3, rule::decimal},
    row{primary, 0x68, 0x6B, q_::pressure, u_::bar, -3, rule::decimal},
    row{primary, 0x6C, 0x6C, q_::date, u_::none, 0, rule::fixed},
    row{primary, 0x6D, 0x6D, q_::date_time, u_::none, 0, rule::fixed},
    row{primary, 0x6E, 0x6E, q_::hca_units, u_::hca, 0, rule::fixed},
    // 6F reserved (2013: third extension table)
    row{primary, 0x70, 0x73, q_::averaging_duration, u_::none, 0, rule::steps},
    row{primary, 0x74, 0x77, q_::actuality_duration, u_::none, 0, rule::steps},
    row{primary, 0x78, 0x78, q_::fabrication_number, u_::none, 0, rule::fixed},
    row{primary, 0x79, 0x79, q_::enhanced_identification, u_::none, 0, rule::fixed},
    row{primary, 0x7A, 0x7A, q_::bus_address, u_::none, 0, rule::fixed},
    // 7B: FB table; 7D: FD table
    row{primary, 0x7C, 0x7C, q_::plain_text_unit, u_::none, 0, rule::fixed},
    row{primary, 0x7E, 0x7E, q_::any_vif, u_::none, 0, rule::fixed},
    row{primary, 0x7F, 0x7F, q_::manufacturer_specific, u_::none, 0, rule::fixed},

    // FD: main VIFE-code extension table (m-bus.com 8.4.4 a; EN 13757-3:2013 table 14).
    row{fd, 0x00, 0x03, q_::credit, u_::currency, -3, rule::decimal},
    row{fd, 0x04, 0x07, q_::debit, u_::currency, -3, rule::decimal},
    row{fd, 0x08, 0x08, q_::access_number, u_::none, 0, rule::fixed},
    row{fd, 0x09, 0x09, q_::medium, u_::none, 0, rule::fixed},
    row{fd, 0x0A, 0x0A, q_::manufacturer, u_::none, 0, rule::fixed},
    row{fd, 0x0B, 0x0B, q_::parameter_set_id, u_::none, 0, rule::fixed},
    row{fd, 0x0C, 0x0C, q_::model_version, u_::none, 0, rule::fixed},
    row{fd, 0x0D, 0x0D, q_::hardware_version, u_::none, 0, rule::fixed},
    row{fd, 0x0E, 0x0E, q_::firmware_version, u_::none, 0, rule::fixed},
    row{fd, 0x0F, 0x0F, q_::software_version, u_::none, 0, rule::fixed},
    row{fd, 0x10, 0x10, q_::customer_location, u_::none, 0, rule::fixed},
    row{fd, 0x11, 0x11, q_::customer, u_::none, 0, rule::fixed},
    row{fd, 0x12, 0x12, q_::access_code_user, u_::none, 0, rule::fixed},
    row{fd, 0x13, 0x13, q_::access_code_operator, u_::none, 0, rule::fixed},
    row{fd, 0x14, 0x14, q_::access_code_system_operator, u_::none, 0, rule::fixed},
    row{fd, 0x15, 0x15, q_::access_code_developer, u_::none, 0, rule::fixed},
    row{fd, 0x16, 0x16, q_::password, u_::none, 0, rule::fixed},
    row{fd, 0x17, 0x17, q_::error_flags, u_::none, 0, rule::fixed},
    row{fd, 0x18, 0x18, q_::error_mask, u_::none, 0, rule::fixed},
    row{fd, 0x19, 0x19, q_::security_key, u_::none, 0, rule::fixed},  // m-bus.com: reserved
    row{fd, 0x1A, 0x1A, q_::digital_output, u_::none, 0, rule::fixed},
    row{fd, 0x1B, 0x1B, q_::digital_input, u_::none, 0, rule::fixed},
    row{fd, 0x1C, 0x1C, q_::baud_rate, u_::baud, 0, rule::fixed},
    row{fd, 0x1D, 0x1D, q_::response_delay_time, u_::bit_times, 0, rule::fixed},
    row{fd, 0x1E, 0x1E, q_::retry, u_::none, 0, rule::fixed},
    row{fd, 0x1F, 0x1F, q_::remote_control, u_::none, 0, rule::fixed}, // m-bus.com: reserved
    row{fd, 0x20, 0x20, q_::first_storage_number, u_::none, 0, rule::fixed},
    row{fd, 0x21, 0x21, q_::last_storage_number, u_::none, 0, rule::fixed},
    row{fd, 0x22, 0x22, q_::storage_block_size, u_::none, 0, rule::fixed},
    // 23 reserved
    row{fd, 0x24, 0x29, q_::storage_interval, u_::none, 0, rule::steps}, // s, min, h, d, month, year
    row{fd, 0x2A, 0x2A, q_::operator_specific_data, u_::none, 0, rule::fixed}, // m-bus.com: reserved
    row{fd, 0x2B, 0x2B, q_::time_point_second, u_::second, 0, rule::fixed},    // m-bus.com: reserved
    row{fd, 0x2C, 0x2F, q_::duration_since_last_readout, u_::none, 0, rule::steps},
    // 30: start (date/time) of tariff; type G or F by the data field
    row{fd, 0x30, 0x30, q_::tariff_start, u_::none, 0, rule::fixed},
    row{fd, 0x31, 0x33, q_::tariff_duration, u_::none, 1, rule::steps}, // min, h, d
    row{fd, 0x34, 0x39, q_::tariff_period, u_::none, 0, rule::steps},   // s .. year
    row{fd, 0x3A, 0x3A, q_::dimensionless, u_::none, 0, rule::fixed},
    // 3B-3F reserved
    row{fd, 0x40, 0x4F, q_::voltage, u_::volt, -9, rule::decimal},
    row{fd, 0x50, 0x5F, q_::current, u_::ampere, -12, rule::decimal},
    row{fd, 0x60, 0x60, q_::reset_counter, u_::none, 0, rule::fixed},
    row{fd, 0x61, 0x61, q_::cumulation_counter, u_::none, 0, rule::fixed},
    row{fd, 0x62, 0x62, q_::control_signal, u_::none, 0, rule::fixed},
    row{fd, 0x63, 0x63, q_::day_of_week, u_::none, 0, rule::fixed},
    row{fd, 0x64, 0x64, q_::week_number, u_::none, 0, rule::fixed},
    row{fd, 0x65, 0x65, q_::day_change_time, u_::none, 0, rule::fixed},
    row{fd, 0x66, 0x66, q_::parameter_activation_state, u_::none, 0, rule::fixed},
    row{fd, 0x67, 0x67, q_::special_supplier_information, u_::none, 0, rule::fixed},
    row{fd, 0x68, 0x6B, q_::duration_since_last_cumulation, u_::none, 2, rule::steps}, // h .. year
    row{fd, 0x6C, 0x6F, q_::battery_operating_time, u_::none, 2, rule::steps},         // h .. year
    row{fd, 0x70, 0x70, q_::battery_change_date_time, u_::none, 0, rule::fixed},
    // 71-76: EN 13757-3:2013 (jmbus); m-bus.com: reserved
    row{fd, 0x71, 0x71, q_::rf_level, u_::dBm, 0, rule::fixed},
    row{fd, 0x72, 0x72, q_::daylight_saving, u_::none, 0, rule::fixed},
    row{fd, 0x73, 0x73, q_::listening_window, u_::none, 0, rule::fixed},
    row{fd, 0x74, 0x74, q_::remaining_battery_lifetime, u_::day, 0, rule::fixed},
    row{fd, 0x75, 0x75, q_::meter_stop_count, u_::none, 0, rule::fixed},
    row{fd, 0x76, 0x76, q_::manufacturer_container, u_::none, 0, rule::fixed},

    // FB: alternate VIFE-code extension table (m-bus.com 8.4.4 b; EN 13757-3:2013 table 15).
    // libmbus 0.10 differs in three rows: FB 08/09 unit "Reserved" (energy in J), FB 30/31 unit
    // "J" (power in J/h), FB 79 exponent 1e-3 (10^(nnn-3) gives 1e-2).
    row{fb, 0x00, 0x01, q_::energy, u_::Wh, 5, rule::decimal},             // 10^(n-1) MWh
    row{fb, 0x02, 0x03, q_::reactive_energy, u_::VArh, 3, rule::decimal},  // 2013: 10^n kVARh
    row{fb, 0x04, 0x05, q_::apparent_energy, u_::VAh, 3, rule::decimal},   // 2013: 10^n kVAh
    row{fb, 0x08, 0x09, q_::energy, u_::J, 8, rule::decimal},              // 10^(n-1) GJ
    row{fb, 0x0C, 0x0F, q_::energy, u_::cal, 5, rule::decimal},            // 2013: 10^(nn-1) MCal
    row{fb, 0x10, 0x11, q_::volume, u_::m3, 2, rule::decimal},             // 10^(n+2) m3
    row{fb, 0x14, 0x17, q_::reactive_power, u_::VAr, 0, rule::decimal},    // 2013: 10^(nn-3) kVAR
    row{fb, 0x18, 0x19, q_::mass, u_::kg, 5, rule::decimal},               // 10^(n+2) t
    row{fb, 0x1A, 0x1B, q_::relative_humidity, u_::percent, -1, rule::decimal}, // 2013
    row{fb, 0x20, 0x20, q_::volume, u_::feet3, 0, rule::fixed},            // 2013; m-bus.com: reserved
    row{fb, 0x21, 0x21, q_::volume, u_::feet3, -1, rule::fixed},
    row{fb, 0x22, 0x23, q_::volume, u_::us_gallon, -1, rule::decimal},
    row{fb, 0x24, 0x24, q_::volume_flow, u_::us_gallon_per_min, -3, rule::fixed},
    row{fb, 0x25, 0x25, q_::volume_flow, u_::us_gallon_per_min, 0, rule::fixed},
    row{fb, 0x26, 0x26, q_::volume_flow, u_::us_gallon_per_h, 0, rule::fixed},
    row{fb, 0x28, 0x29, q_::power, u_::W, 5, rule::decimal},               // 10^(n-1) MW
    row{fb, 0x2A, 0x2A, q_::phase_voltage_voltage, u_::degree, -1, rule::fixed}, // 2013
    row{fb, 0x2B, 0x2B, q_::phase_voltage_current, u_::degree, -1, rule::fixed}, // 2013
    row{fb, 0x2C, 0x2F, q_::frequency, u_::hertz, -3, rule::decimal},      // 2013
    row{fb, 0x30, 0x31, q_::power, u_::J_per_h, 8, rule::decimal},         // 10^(n-1) GJ/h
    row{fb, 0x34, 0x37, q_::apparent_power, u_::VA, 0, rule::decimal},     // 2013: 10^(nn-3) kVA
    row{fb, 0x58, 0x5B, q_::flow_temperature, u_::fahrenheit, -3, rule::decimal},
    row{fb, 0x5C, 0x5F, q_::return_temperature, u_::fahrenheit, -3, rule::decimal},
    row{fb, 0x60, 0x63, q_::temperature_difference, u_::fahrenheit, -3, rule::decimal},
    // jmbus names 64-67 "flow temperature"; the standard says external temperature.
    row{fb, 0x64, 0x67, q_::external_temperature, u_::fahrenheit, -3, rule::decimal},
    row{fb, 0x70, 0x73, q_::temperature_limit, u_::fahrenheit, -3, rule::decimal},
    row{fb, 0x74, 0x77, q_::temperature_limit, u_::celsius, -3, rule::decimal},
    row{fb, 0x78, 0x7F, q_::cumulative_max_power, u_::W, -3, rule::decimal},
};
// clang-format on

struct quantity_names {
    quantity q;
    std::string_view name;
    std::string_view words;
};

// clang-format off
constexpr std::array quantity_table{
    quantity_names{q_::unknown, "unknown", "Reserved"},
    quantity_names{q_::energy, "energy", "Energy"},
    quantity_names{q_::volume, "volume", "Volume"},
    quantity_names{q_::mass, "mass", "Mass"},
    quantity_names{q_::on_time, "on_time", "On time"},
    quantity_names{q_::operating_time, "operating_time", "Operating time"},
    quantity_names{q_::power, "power", "Power"},
    quantity_names{q_::volume_flow, "volume_flow", "Volume flow"},
    quantity_names{q_::mass_flow, "mass_flow", "Mass flow"},
    quantity_names{q_::flow_temperature, "flow_temperature", "Flow temperature"},
    quantity_names{q_::return_temperature, "return_temperature", "Return temperature"},
    quantity_names{q_::temperature_difference, "temperature_difference", "Temperature difference"},
    quantity_names{q_::external_temperature, "external_temperature", "External temperature"},
    quantity_names{q_::pressure, "pressure", "Pressure"},
    quantity_names{q_::date, "date", "Date"},
    quantity_names{q_::date_time, "date_time", "Date and time"},
    quantity_names{q_::hca_units, "hca_units", "Units for H.C.A."},
    quantity_names{q_::averaging_duration, "averaging_duration", "Averaging duration"},
    quantity_names{q_::actuality_duration, "actuality_duration", "Actuality duration"},
    quantity_names{q_::fabrication_number, "fabrication_number", "Fabrication number"},
    quantity_names{q_::enhanced_identification, "enhanced_identification", "Enhanced identification"},
    quantity_names{q_::bus_address, "bus_address", "Bus address"},
    quantity_names{q_::plain_text_unit, "plain_text_unit", "Plain-text unit"},
    quantity_names{q_::any_vif, "any_vif", "Any VIF"},
    quantity_names{q_::manufacturer_specific, "manufacturer_specific", "Manufacturer specific"},
    quantity_names{q_::credit, "credit", "Credit"},
    quantity_names{q_::debit, "debit", "Debit"},
    quantity_names{q_::access_number, "access_number", "Access number"},
    quantity_names{q_::medium, "medium", "Medium"},
    quantity_names{q_::manufacturer, "manufacturer", "Manufacturer"},
    quantity_names{q_::parameter_set_id, "parameter_set_id", "Parameter set identification"},
    quantity_names{q_::model_version, "model_version", "Model / version"},
    quantity_names{q_::hardware_version, "hardware_version", "Hardware version"},
    quantity_names{q_::firmware_version, "firmware_version", "Firmware version"},
    quantity_names{q_::software_version, "software_version", "Software version"},
    quantity_names{q_::customer_location, "customer_location", "Customer location"},
    quantity_names{q_::customer, "customer", "Customer"},
    quantity_names{q_::access_code_user, "access_code_user", "Access code user"},
    quantity_names{q_::access_code_operator, "access_code_operator", "Access code operator"},
    quantity_names{q_::access_code_system_operator, "access_code_system_operator", "Access code system operator"},
    quantity_names{q_::access_code_developer, "access_code_developer", "Access code developer"},
    quantity_names{q_::password, "password", "Password"},
    quantity_names{q_::error_flags, "error_flags", "Error flags"},
    quantity_names{q_::error_mask, "error_mask", "Error mask"},
    quantity_names{q_::security_key, "security_key", "Security key"},
    quantity_names{q_::digital_output, "digital_output", "Digital output"},
    quantity_names{q_::digital_input, "digital_input", "Digital input"},
    quantity_names{q_::baud_rate, "baud_rate", "Baud rate"},
    quantity_names{q_::response_delay_time, "response_delay_time", "Response delay time"},
    quantity_names{q_::retry, "retry", "Retry"},
    quantity_names{q_::remote_control, "remote_control", "Remote control"},
    quantity_names{q_::first_storage_number, "first_storage_number", "First storage number for cyclic storage"},
    quantity_names{q_::last_storage_number, "last_storage_number", "Last storage number for cyclic storage"},
    quantity_names{q_::storage_block_size, "storage_block_size", "Size of storage block"},
    quantity_names{q_::storage_interval, "storage_interval", "Storage interval"},
    quantity_names{q_::operator_specific_data, "operator_specific_data", "Operator specific data"},
    quantity_names{q_::time_point_second, "time_point_second", "Time point second"},
    quantity_names{q_::duration_since_last_readout, "duration_since_last_readout", "Duration since last readout"},
    quantity_names{q_::tariff_start, "tariff_start", "Start of tariff"},
    quantity_names{q_::tariff_duration, "tariff_duration", "Duration of tariff"},
    quantity_names{q_::tariff_period, "tariff_period", "Period of tariff"},
    quantity_names{q_::dimensionless, "dimensionless", "Dimensionless"},
    quantity_names{q_::voltage, "voltage", "Voltage"},
    quantity_names{q_::current, "current", "Current"},
    quantity_names{q_::reset_counter, "reset_counter", "Reset counter"},
    quantity_names{q_::cumulation_counter, "cumulation_counter", "Cumulation counter"},
    quantity_names{q_::control_signal, "control_signal", "Control signal"},
    quantity_names{q_::day_of_week, "day_of_week", "Day of week"},
    quantity_names{q_::week_number, "week_number", "Week number"},
    quantity_names{q_::day_change_time, "day_change_time", "Time point of day change"},
    quantity_names{q_::parameter_activation_state, "parameter_activation_state", "State of parameter activation"},
    quantity_names{q_::special_supplier_information, "special_supplier_information", "Special supplier information"},
    quantity_names{q_::duration_since_last_cumulation, "duration_since_last_cumulation", "Duration since last cumulation"},
    quantity_names{q_::battery_operating_time, "battery_operating_time", "Operating time battery"},
    quantity_names{q_::battery_change_date_time, "battery_change_date_time", "Date and time of battery change"},
    quantity_names{q_::rf_level, "rf_level", "RF level"},
    quantity_names{q_::daylight_saving, "daylight_saving", "Daylight saving"},
    quantity_names{q_::listening_window, "listening_window", "Listening window management"},
    quantity_names{q_::remaining_battery_lifetime, "remaining_battery_lifetime", "Remaining battery lifetime"},
    quantity_names{q_::meter_stop_count, "meter_stop_count", "Number of times the meter was stopped"},
    quantity_names{q_::manufacturer_container, "manufacturer_container", "Data container for manufacturer specific protocol"},
    quantity_names{q_::reactive_energy, "reactive_energy", "Reactive energy"},
    quantity_names{q_::apparent_energy, "apparent_energy", "Apparent energy"},
    quantity_names{q_::reactive_power, "reactive_power", "Reactive power"},
    quantity_names{q_::apparent_power, "apparent_power", "Apparent power"},
    quantity_names{q_::relative_humidity, "relative_humidity", "Relative humidity"},
    quantity_names{q_::phase_voltage_voltage, "phase_voltage_voltage", "Phase U-U"},
    quantity_names{q_::phase_voltage_current, "phase_voltage_current", "Phase U-I"},
    quantity_names{q_::frequency, "frequency", "Frequency"},
    quantity_names{q_::temperature_limit, "temperature_limit", "Cold / warm temperature limit"},
    quantity_names{q_::cumulative_max_power, "cumulative_max_power", "Cumulative count max power"},
};

struct unit_names {
    unit u;
    std::string_view symbol;
};

constexpr std::array unit_table{
    unit_names{u_::none, ""}, unit_names{u_::Wh, "Wh"}, unit_names{u_::J, "J"}, unit_names{u_::cal, "cal"},
    unit_names{u_::m3, "m3"}, unit_names{u_::kg, "kg"}, unit_names{u_::second, "s"},
    unit_names{u_::minute, "min"}, unit_names{u_::hour, "h"}, unit_names{u_::day, "d"},
    unit_names{u_::month, "month"}, unit_names{u_::year, "year"}, unit_names{u_::W, "W"},
    unit_names{u_::J_per_h, "J/h"}, unit_names{u_::m3_per_h, "m3/h"}, unit_names{u_::m3_per_min, "m3/min"},
    unit_names{u_::m3_per_s, "m3/s"}, unit_names{u_::kg_per_h, "kg/h"}, unit_names{u_::celsius, "C"},
    unit_names{u_::kelvin, "K"}, unit_names{u_::fahrenheit, "F"}, unit_names{u_::bar, "bar"},
    unit_names{u_::hca, "HCA"}, unit_names{u_::currency, "currency"}, unit_names{u_::volt, "V"},
    unit_names{u_::ampere, "A"}, unit_names{u_::baud, "Bd"}, unit_names{u_::bit_times, "bit times"},
    unit_names{u_::dBm, "dBm"}, unit_names{u_::percent, "%"}, unit_names{u_::feet3, "ft3"},
    unit_names{u_::us_gallon, "gal"}, unit_names{u_::us_gallon_per_min, "gal/min"},
    unit_names{u_::us_gallon_per_h, "gal/h"}, unit_names{u_::VArh, "VArh"}, unit_names{u_::VAh, "VAh"},
    unit_names{u_::VAr, "VAr"}, unit_names{u_::VA, "VA"}, unit_names{u_::degree, "deg"},
    unit_names{u_::hertz, "Hz"},
};

// Unit names a person writes, with the power of ten of their prefix.
struct unit_alias {
    std::string_view name;
    unit u;
    int exponent;
};

constexpr std::array unit_aliases{
    unit_alias{"", u_::none, 0}, unit_alias{"none", u_::none, 0}, unit_alias{"-", u_::none, 0},
    unit_alias{"mWh", u_::Wh, -3}, unit_alias{"Wh", u_::Wh, 0}, unit_alias{"kWh", u_::Wh, 3},
    unit_alias{"MWh", u_::Wh, 6}, unit_alias{"GWh", u_::Wh, 9},
    unit_alias{"mJ", u_::J, -3}, unit_alias{"J", u_::J, 0}, unit_alias{"kJ", u_::J, 3}, unit_alias{"MJ", u_::J, 6},
    unit_alias{"GJ", u_::J, 9}, unit_alias{"TJ", u_::J, 12},
    unit_alias{"cal", u_::cal, 0}, unit_alias{"kcal", u_::cal, 3}, unit_alias{"Mcal", u_::cal, 6},
    unit_alias{"MCal", u_::cal, 6}, unit_alias{"Gcal", u_::cal, 9},
    unit_alias{"m3", u_::m3, 0}, unit_alias{"m^3", u_::m3, 0}, unit_alias{"m³", u_::m3, 0},
    unit_alias{"dm3", u_::m3, -3}, unit_alias{"cm3", u_::m3, -6}, unit_alias{"l", u_::m3, -3},
    unit_alias{"L", u_::m3, -3}, unit_alias{"ml", u_::m3, -6}, unit_alias{"mL", u_::m3, -6},
    unit_alias{"g", u_::kg, -3}, unit_alias{"kg", u_::kg, 0}, unit_alias{"t", u_::kg, 3},
    unit_alias{"s", u_::second, 0}, unit_alias{"sec", u_::second, 0}, unit_alias{"second", u_::second, 0},
    unit_alias{"seconds", u_::second, 0}, unit_alias{"min", u_::minute, 0}, unit_alias{"minute", u_::minute, 0},
    unit_alias{"minutes", u_::minute, 0}, unit_alias{"h", u_::hour, 0}, unit_alias{"hour", u_::hour, 0},
    unit_alias{"hours", u_::hour, 0}, unit_alias{"d", u_::day, 0}, unit_alias{"day", u_::day, 0},
    unit_alias{"days", u_::day, 0}, unit_alias{"month", u_::month, 0}, unit_alias{"months", u_::month, 0},
    unit_alias{"year", u_::year, 0}, unit_alias{"years", u_::year, 0}, unit_alias{"y", u_::year, 0},
    unit_alias{"mW", u_::W, -3}, unit_alias{"W", u_::W, 0}, unit_alias{"kW", u_::W, 3}, unit_alias{"MW", u_::W, 6},
    unit_alias{"J/h", u_::J_per_h, 0}, unit_alias{"kJ/h", u_::J_per_h, 3}, unit_alias{"MJ/h", u_::J_per_h, 6},
    unit_alias{"GJ/h", u_::J_per_h, 9},
    unit_alias{"m3/h", u_::m3_per_h, 0}, unit_alias{"m^3/h", u_::m3_per_h, 0}, unit_alias{"l/h", u_::m3_per_h, -3},
    unit_alias{"L/h", u_::m3_per_h, -3}, unit_alias{"ml/h", u_::m3_per_h, -6},
    unit_alias{"m3/min", u_::m3_per_min, 0}, unit_alias{"m^3/min", u_::m3_per_min, 0},
    unit_alias{"l/min", u_::m3_per_min, -3}, unit_alias{"L/min", u_::m3_per_min, -3},
    unit_alias{"ml/min", u_::m3_per_min, -6},
    unit_alias{"m3/s", u_::m3_per_s, 0}, unit_alias{"m^3/s", u_::m3_per_s, 0}, unit_alias{"l/s", u_::m3_per_s, -3},
    unit_alias{"L/s", u_::m3_per_s, -3}, unit_alias{"ml/s", u_::m3_per_s, -6},
    unit_alias{"g/h", u_::kg_per_h, -3}, unit_alias{"kg/h", u_::kg_per_h, 0}, unit_alias{"t/h", u_::kg_per_h, 3},
    unit_alias{"C", u_::celsius, 0}, unit_alias{"°C", u_::celsius, 0}, unit_alias{"degC", u_::celsius, 0},
    unit_alias{"mC", u_::celsius, -3},
    unit_alias{"K", u_::kelvin, 0}, unit_alias{"mK", u_::kelvin, -3},
    unit_alias{"F", u_::fahrenheit, 0}, unit_alias{"°F", u_::fahrenheit, 0}, unit_alias{"degF", u_::fahrenheit, 0},
    unit_alias{"bar", u_::bar, 0}, unit_alias{"mbar", u_::bar, -3},
    unit_alias{"HCA", u_::hca, 0}, unit_alias{"hca", u_::hca, 0},
    unit_alias{"currency", u_::currency, 0},
    unit_alias{"uV", u_::volt, -6}, unit_alias{"mV", u_::volt, -3}, unit_alias{"V", u_::volt, 0},
    unit_alias{"kV", u_::volt, 3},
    unit_alias{"uA", u_::ampere, -6}, unit_alias{"mA", u_::ampere, -3}, unit_alias{"A", u_::ampere, 0},
    unit_alias{"kA", u_::ampere, 3},
    unit_alias{"Bd", u_::baud, 0}, unit_alias{"baud", u_::baud, 0},
    unit_alias{"bit times", u_::bit_times, 0}, unit_alias{"bittimes", u_::bit_times, 0},
    unit_alias{"dBm", u_::dBm, 0}, unit_alias{"%", u_::percent, 0}, unit_alias{"%RH", u_::percent, 0},
    unit_alias{"ft3", u_::feet3, 0}, unit_alias{"feet3", u_::feet3, 0},
    unit_alias{"gal", u_::us_gallon, 0}, unit_alias{"gal/min", u_::us_gallon_per_min, 0},
    unit_alias{"gal/h", u_::us_gallon_per_h, 0},
    unit_alias{"VArh", u_::VArh, 0}, unit_alias{"kVArh", u_::VArh, 3}, unit_alias{"VAh", u_::VAh, 0},
    unit_alias{"kVAh", u_::VAh, 3}, unit_alias{"VAr", u_::VAr, 0}, unit_alias{"kVAr", u_::VAr, 3},
    unit_alias{"VA", u_::VA, 0}, unit_alias{"kVA", u_::VA, 3},
    unit_alias{"deg", u_::degree, 0}, unit_alias{"°", u_::degree, 0},
    unit_alias{"mHz", u_::hertz, -3}, unit_alias{"Hz", u_::hertz, 0}, unit_alias{"kHz", u_::hertz, 3},
};
// clang-format on

constexpr std::optional<vif_info> info_of(const row& r, std::uint8_t code) {
    const int k = code - r.first;
    switch (r.r) {
    case rule::decimal: return vif_info{r.q, r.u, r.base + k};
    case rule::steps: return vif_info{r.q, time_steps[static_cast<std::size_t>(r.base + k)], 0};
    case rule::fixed: return vif_info{r.q, r.u, r.base};
    }
    return std::nullopt;
}

int step_index(unit u) {
    for (std::size_t i = 0; i < time_steps.size(); ++i)
        if (time_steps[i] == u) return static_cast<int>(i);
    return -1;
}

std::string hex2(unsigned v) { return fmt::format("0x{:02X}", v); }

std::string_view per_suffix(std::uint8_t c) {
    static constexpr std::array<std::string_view, 7> s{"/s", "/min", "/h", "/d", "/week", "/month", "/year"};
    return s[static_cast<std::size_t>(c - 0x20)];
}

// EN 13757-3:2013 combinable VIFE extension table (after VIFE 7C), as wmbusmeters lists it.
std::string extension_vife_name(std::uint8_t c) {
    switch (c) {
    case 0x01: return "at phase L1";
    case 0x02: return "at phase L2";
    case 0x03: return "at phase L3";
    case 0x04: return "at neutral";
    case 0x05: return "between phases L1 and L2";
    case 0x06: return "between phases L2 and L3";
    case 0x07: return "between phases L3 and L1";
    case 0x08: return "at quadrant Q1";
    case 0x09: return "at quadrant Q2";
    case 0x0A: return "at quadrant Q3";
    case 0x0B: return "at quadrant Q4";
    case 0x0C: return "delta between import and export";
    case 0x10: return "accumulation of absolute value";
    case 0x11: return "data presented with type C";
    case 0x12: return "data presented with type D";
    default: return "reserved extension VIFE " + hex2(c);
    }
}

constexpr bool is_date_time_of(std::uint8_t c) {
    if (c == 0x39) return true;                                        // start date(/time) of
    if ((c & 0xF2) == 0x42) return true;                               // E100 uf1b
    if (c == 0x6A || c == 0x6B || c == 0x6E || c == 0x6F) return true; // E110 1f1b
    return false;
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0)
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0)
        s.remove_suffix(1);
    return std::string(s);
}

std::vector<std::string> close_names(std::string_view wanted, const std::vector<std::string_view>& known,
                                     std::size_t max, bool fold_case) {
    const std::string w = fold_case ? lower(trim(wanted)) : trim(wanted);
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto k : known) {
        if (k.empty()) continue;
        const std::string kk = fold_case ? lower(k) : std::string(k);
        std::size_t d = edit_distance(w, kk);
        // A name that contains what was typed (or the reverse) is close whatever its length.
        if (!w.empty() && (kk.find(w) != std::string::npos || w.find(kk) != std::string::npos))
            d = std::min<std::size_t>(d, 1);
        const std::size_t limit = std::max<std::size_t>(2, w.size() / 3);
        if (d <= limit) scored.emplace_back(d, std::string(k));
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& s : scored) {
        if (out.size() >= max) break;
        if (std::find(out.begin(), out.end(), s.second) == out.end()) out.push_back(std::move(s.second));
    }
    return out;
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v)
        s += (s.empty() ? "" : ", ") + x;
    return s;
}

constexpr std::optional<vif_info> scan_rows(vif_code k) {
    for (const auto& r : rows)
        if (r.table == k.table && k.code >= r.first && k.code <= r.last) return info_of(r, k.code);
    return std::nullopt;
}

// Every record asks: the rows scanned once per code of the three tables at compile time, not once
// per record (and no guard of a function-local static on the way).
constexpr auto by_code = [] {
    std::array<std::optional<vif_info>, 3 * 128> t{};
    for (std::size_t i = 0; i < t.size(); ++i)
        t[i] = scan_rows({static_cast<vif_table>(i / 128), static_cast<std::uint8_t>(i % 128)});
    return t;
}();

} // namespace

std::optional<vif_info> lookup(vif_code c) {
    const auto table = static_cast<std::size_t>(c.table);
    if (c.code > 0x7F || table > 2) return scan_rows(c);
    return by_code[table * 128 + c.code];
}

std::optional<vif_code> find_vif(quantity q, unit u, int exponent) {
    for (const auto& r : rows) {
        if (r.q != q) continue;
        const int span = r.last - r.first;
        switch (r.r) {
        case rule::decimal:
            if (r.u == u && exponent >= r.base && exponent <= r.base + span)
                return vif_code{r.table, static_cast<std::uint8_t>(r.first + exponent - r.base)};
            break;
        case rule::steps: {
            const int k = step_index(u) - r.base;
            if (exponent == 0 && step_index(u) >= 0 && k >= 0 && k <= span)
                return vif_code{r.table, static_cast<std::uint8_t>(r.first + k)};
            break;
        }
        case rule::fixed:
            if (r.u == u && exponent == r.base) return vif_code{r.table, r.first};
            break;
        }
    }
    return std::nullopt;
}

std::string combinable_vife_name(std::uint8_t c) {
    // 00-1F: record error codes (slave to master) as m-bus.com lists them; the 2013 names where
    // the 2004 table is reserved.
    switch (c) {
    case 0x00: return "record error: none";
    case 0x01: return "record error: too many DIFEs";
    case 0x02: return "record error: storage number not implemented";
    case 0x03: return "record error: unit number not implemented";
    case 0x04: return "record error: tariff number not implemented";
    case 0x05: return "record error: function not implemented";
    case 0x06: return "record error: data class not implemented";
    case 0x07: return "record error: data size not implemented";
    case 0x0B: return "record error: too many VIFEs";
    case 0x0C: return "record error: illegal VIF-group";
    case 0x0D: return "record error: illegal VIF-exponent";
    case 0x0E: return "record error: VIF/DIF mismatch";
    case 0x0F: return "record error: unimplemented action";
    case 0x12: return "average value";
    case 0x13: return "inverse compact profile";
    case 0x14: return "relative deviation";
    case 0x15: return "record error: no data available (undefined value)";
    case 0x16: return "record error: data overflow";
    case 0x17: return "record error: data underflow";
    case 0x18: return "record error: data error";
    case 0x1C: return "record error: premature end of record";
    case 0x1D: return "standard conformant data content";
    case 0x1E: return "compact profile with register numbers";
    case 0x1F: return "compact profile";
    case 0x20: return "per second";
    case 0x21: return "per minute";
    case 0x22: return "per hour";
    case 0x23: return "per day";
    case 0x24: return "per week";
    case 0x25: return "per month";
    case 0x26: return "per year";
    case 0x27: return "per revolution / measurement";
    case 0x28: return "increment per input pulse on input channel 0";
    case 0x29: return "increment per input pulse on input channel 1";
    case 0x2A: return "increment per output pulse on output channel 0";
    case 0x2B: return "increment per output pulse on output channel 1";
    case 0x2C: return "per litre";
    case 0x2D: return "per m3";
    case 0x2E: return "per kg";
    case 0x2F: return "per K";
    case 0x30: return "per kWh";
    case 0x31: return "per GJ";
    case 0x32: return "per kW";
    case 0x33: return "per K*l";
    case 0x34: return "per V";
    case 0x35: return "per A";
    case 0x36: return "multiplied by s";
    case 0x37: return "multiplied by s/V";
    case 0x38: return "multiplied by s/A";
    case 0x39: return "start date(/time) of";
    case 0x3A: return "uncorrected unit";
    case 0x3B: return "accumulation only if positive contributions (forward flow)";
    case 0x3C: return "accumulation of abs value only if negative contributions (backward flow)";
    case 0x3E: return "value at base conditions";
    case 0x3F: return "OBIS declaration";
    case 0x68: return "value during lower limit exceeded";
    case 0x6C: return "value during upper limit exceeded";
    case 0x7C: return "extension of combinable VIFE";
    case 0x7D: return "multiplicative correction factor 10^3";
    case 0x7E: return "future value";
    case 0x7F: return "manufacturer-specific VIFE follows";
    default: break;
    }
    static constexpr std::array<std::string_view, 4> steps{"s", "min", "h", "d"};
    const auto nn = steps[c & 0x03];
    const std::string_view lim = (c & 0x08) != 0 ? "upper" : "lower";
    const std::string_view fl = (c & 0x04) != 0 ? "last" : "first";
    // b = 0 begin, b = 1 end, as wmbusmeters reads E100 uf1b and E110 1f1b (not checked against
    // the standard's own text).
    const std::string_view be = (c & 0x01) != 0 ? "end" : "begin";
    if (c == 0x40 || c == 0x48) return fmt::format("{} limit value", lim);
    if (c == 0x41 || c == 0x49) return fmt::format("number of exceeds of {} limit", lim);
    if ((c & 0xF2) == 0x42) return fmt::format("date(/time) of {} of {} {} limit exceed", be, fl, lim);
    if (c >= 0x50 && c <= 0x5F) return fmt::format("duration of {} {} limit exceed ({})", fl, lim, nn);
    if (c >= 0x60 && c <= 0x67) return fmt::format("duration of {} ({})", fl, nn);
    if (c == 0x6A || c == 0x6B || c == 0x6E || c == 0x6F) return fmt::format("date(/time) of {} {}", fl, be);
    if (c >= 0x70 && c <= 0x77) return fmt::format("multiplicative correction factor 10^{}", (c & 0x07) - 6);
    if (c >= 0x78 && c <= 0x7B) return fmt::format("additive correction constant 10^{}", (c & 0x03) - 3);
    return "reserved combinable VIFE " + hex2(c);
}

result<vib_meaning> describe(const vib& v) { return describe_vib(v.vif, v.plain_text, v.vife); }

result<vib_meaning> describe_vib(byte vif, bytes_view plain_text, bytes_view vife) {
    vib_meaning m;
    std::size_t next = 0; // first VIFE that is a combinable one
    if (vif == 0xFD || vif == 0xFB) {
        if (vife.empty()) return meaning_errc::missing_vife;
        m.code = {vif == 0xFD ? vif_table::fd : vif_table::fb, static_cast<std::uint8_t>(vife[0] & 0x7F)};
        next = 1;
    } else {
        m.code = {vif_table::primary, static_cast<std::uint8_t>(vif & 0x7F)};
    }
    if (vife.size() > next) m.combinable.reserve(vife.size() - next);
    for (std::size_t i = next; i < vife.size(); ++i)
        m.combinable.push_back(static_cast<std::uint8_t>(vife[i] & 0x7F));
    if (m.code.table == vif_table::primary && m.code.code == 0x7C)
        m.plain_text_unit.assign(plain_text.rbegin(), plain_text.rend());

    if (const auto info = lookup(m.code)) {
        m.q = info->q;
        m.vif_unit = info->u;
        m.vif_exponent = info->exponent;
    }
    m.u = m.vif_unit;
    m.exponent = m.vif_exponent;
    m.time_point = m.q == quantity::date || m.q == quantity::date_time || m.q == quantity::tariff_start ||
                   m.q == quantity::battery_change_date_time;

    std::string per;
    const bool manufacturer_vif = m.q == quantity::manufacturer_specific;
    bool manufacturer_codes = manufacturer_vif;
    for (std::size_t i = 0; i < m.combinable.size(); ++i) {
        const std::uint8_t c = m.combinable[i];
        if (manufacturer_codes) {
            m.notes.push_back("manufacturer-specific code " + hex2(c));
            continue;
        }
        if (c == 0x7F) {
            manufacturer_codes = true;
            if (i + 1 == m.combinable.size()) m.notes.push_back(combinable_vife_name(c));
            continue;
        }
        if (c == 0x7C && i + 1 < m.combinable.size()) {
            m.notes.push_back(extension_vife_name(m.combinable[++i]));
            continue;
        }
        m.notes.push_back(combinable_vife_name(c));
        if (c >= 0x20 && c <= 0x26) per += per_suffix(c);
        if (c >= 0x70 && c <= 0x77) m.exponent += (c & 0x07) - 6;
        if (c == 0x7D) m.exponent += 3;
        if (c >= 0x78 && c <= 0x7B) m.additive_exponent = (c & 0x03) - 3;
        if (is_date_time_of(c)) m.time_point = true;
        if (c == 0x41 || c == 0x49) { // a count of events
            m.u = unit::none;
            m.exponent = 0;
        }
        if ((c >= 0x50 && c <= 0x5F) || (c >= 0x60 && c <= 0x67)) { // a duration
            m.u = time_steps[c & 0x03];
            m.exponent = 0;
        }
    }
    if (m.code.table == vif_table::primary && m.code.code == 0x7C)
        m.unit_text = m.plain_text_unit;
    else
        m.unit_text = symbol(m.u);
    m.unit_text += per;
    return m;
}

namespace {

constexpr bool is_time_point(quantity q) {
    return q == quantity::date || q == quantity::date_time || q == quantity::tariff_start ||
           q == quantity::battery_change_date_time;
}

// read_vib's starting point for each code of the three tables (index table * 128 + code): the
// lookup() meaning and whether the quantity is a time point, before any combinable VIFE.
constexpr auto essentials_by_code = [] {
    std::array<vib_essentials, 3 * 128> t{};
    for (std::size_t i = 0; i < t.size(); ++i) {
        auto& m = t[i];
        m.code = {static_cast<vif_table>(i / 128), static_cast<std::uint8_t>(i % 128)};
        if (const auto& info = by_code[i]) {
            m.q = info->q;
            m.u = info->u;
            m.exponent = info->exponent;
        }
        m.time_point = is_time_point(m.q);
    }
    return t;
}();

} // namespace

// The loop of describe_vib() on its numbers alone: kept in step with it by
// tests/unit/app/decoded_record_test.cpp, which compares the two on every corpus record.
std::error_code read_vib(byte vif, bytes_view vife, vib_essentials& m) {
    std::size_t next = 0;
    std::size_t index = vif & 0x7F;
    if (vif == 0xFD || vif == 0xFB) {
        if (vife.empty()) return meaning_errc::missing_vife;
        index = (vif == 0xFD ? 128U : 256U) + (vife[0] & 0x7FU);
        next = 1;
    }
    m = essentials_by_code[index];
    bool manufacturer_codes = m.q == quantity::manufacturer_specific;
    for (std::size_t i = next; i < vife.size(); ++i) {
        const auto c = static_cast<std::uint8_t>(vife[i] & 0x7F);
        if (manufacturer_codes) continue;
        if (c == 0x7F) {
            manufacturer_codes = true;
            continue;
        }
        if (c == 0x7C && i + 1 < vife.size()) {
            ++i;
            continue;
        }
        if (c >= 0x20 && c <= 0x26) ++m.per_vifes;
        if (c >= 0x70 && c <= 0x77) m.exponent += (c & 0x07) - 6;
        if (c == 0x7D) m.exponent += 3;
        if (c >= 0x78 && c <= 0x7B) {
            m.has_additive = true;
            m.additive_exponent = (c & 0x03) - 3;
        }
        if (is_date_time_of(c)) m.time_point = true;
        if (c == 0x41 || c == 0x49) {
            m.u = unit::none;
            m.exponent = 0;
        }
        if ((c >= 0x50 && c <= 0x5F) || (c >= 0x60 && c <= 0x67)) {
            m.u = time_steps[c & 0x03];
            m.exponent = 0;
        }
    }
    return {};
}

result<vib_essentials> read_vib(byte vif, bytes_view vife) {
    vib_essentials m;
    if (const auto e = read_vib(vif, vife, m)) return unexpected(e);
    return m;
}

void append_unit_text(std::string& out, const vib_essentials& v, bytes_view plain_text, bytes_view vife) {
    if (v.code.table == vif_table::primary && v.code.code == 0x7C)
        out.append(plain_text.rbegin(), plain_text.rend());
    else
        out += symbol(v.u);
    if (v.per_vifes == 0) return;
    // The same walk as read_vib, for the suffixes alone.
    std::size_t i = v.code.table == vif_table::primary ? 0 : 1;
    bool manufacturer_codes = v.q == quantity::manufacturer_specific;
    for (; i < vife.size(); ++i) {
        const auto c = static_cast<std::uint8_t>(vife[i] & 0x7F);
        if (manufacturer_codes) continue;
        if (c == 0x7F) {
            manufacturer_codes = true;
            continue;
        }
        if (c == 0x7C && i + 1 < vife.size()) {
            ++i;
            continue;
        }
        if (c >= 0x20 && c <= 0x26) out += per_suffix(c);
    }
}

result<vib> encode_vib(vif_code c, std::string_view plain_text, const std::vector<std::uint8_t>& combinable) {
    if (c.code > 0x7F) return meaning_errc::vife_out_of_range;
    for (const auto x : combinable)
        if (x > 0x7F) return meaning_errc::vife_out_of_range;
    const bool text = c.table == vif_table::primary && c.code == 0x7C;
    if (!text && !plain_text.empty()) return errc::invalid_value;
    if (plain_text.size() > max_plain_text_vif) return errc::value_out_of_range;
    vib v;
    std::vector<std::uint8_t> chain;
    switch (c.table) {
    case vif_table::primary:
        // A bare 7B/7D is a (malformed) VIF of its own; with VIFEs it would open a table.
        if ((c.code == 0x7B || c.code == 0x7D) && !combinable.empty()) return errc::invalid_value;
        v.vif = c.code;
        break;
    case vif_table::fd:
        v.vif = 0xFD;
        chain.push_back(c.code);
        break;
    case vif_table::fb:
        v.vif = 0xFB;
        chain.push_back(c.code);
        break;
    }
    chain.insert(chain.end(), combinable.begin(), combinable.end());
    if (c.table == vif_table::primary && !chain.empty()) v.vif |= extension_bit;
    for (std::size_t i = 0; i < chain.size(); ++i)
        v.vife.push_back(static_cast<byte>(chain[i] | (i + 1 < chain.size() ? extension_bit : 0)));
    if (text) v.plain_text.assign(plain_text.rbegin(), plain_text.rend());
    return v;
}

std::string_view name(quantity q) {
    for (const auto& n : quantity_table)
        if (n.q == q) return n.name;
    return "unknown";
}

// Every record asks description() and symbol(): the tables laid out by enum value at compile time
// (the first row that names a value, as a scan finds it), then read by index.
namespace {

constexpr auto description_by_value = [] {
    std::array<std::string_view, 256> t;
    t.fill("Reserved");
    for (auto it = quantity_table.rbegin(); it != quantity_table.rend(); ++it)
        t[static_cast<std::size_t>(it->q)] = it->words;
    return t;
}();

constexpr auto symbol_by_value = [] {
    std::array<std::string_view, 256> t;
    t.fill("?");
    for (auto it = unit_table.rbegin(); it != unit_table.rend(); ++it)
        t[static_cast<std::size_t>(it->u)] = it->symbol;
    return t;
}();

} // namespace

std::string_view description(quantity q) { return description_by_value[static_cast<std::size_t>(q)]; }

std::string_view symbol(unit u) { return symbol_by_value[static_cast<std::size_t>(u)]; }

std::string_view name(vif_table t) {
    switch (t) {
    case vif_table::primary: return "primary";
    case vif_table::fd: return "FD";
    case vif_table::fb: return "FB";
    }
    return "?";
}

std::string vif_options(quantity q) {
    std::vector<std::string> parts;
    for (const auto& r : rows) {
        if (r.q != q) continue;
        const int span = r.last - r.first;
        std::string s;
        switch (r.r) {
        case rule::decimal:
            s = fmt::format("{} 10^{}..10^{}", symbol(r.u), int{r.base}, r.base + span);
            break;
        case rule::steps:
            for (int k = 0; k <= span; ++k)
                s += fmt::format("{}{}", k == 0 ? "" : "/",
                                 symbol(time_steps[static_cast<std::size_t>(r.base + k)]));
            break;
        case rule::fixed:
            s = r.base == 0 ? std::string(symbol(r.u)) : fmt::format("{} 10^{}", symbol(r.u), int{r.base});
            if (s.empty()) s = "no unit";
            break;
        }
        s += fmt::format(" ({} {:02X}{})", name(r.table), r.first,
                         r.last != r.first ? fmt::format("-{:02X}", r.last) : "");
        parts.push_back(s);
    }
    return join(parts);
}

result<quantity> quantity_from_name(std::string_view n) {
    const auto l = lower(trim(n));
    for (const auto& x : quantity_table)
        if (x.q != quantity::unknown && (x.name == l || lower(x.words) == l)) return x.q;
    return meaning_errc::unknown_quantity;
}

result<scaled_unit> unit_from_name(std::string_view n) {
    auto s = trim(n);
    int prefix = 0;
    // An optional power of ten before the unit: "0.01 C", "10 kWh", "1e-3 m3".
    if (const auto sp = s.find(' '); sp != std::string::npos && sp > 0 &&
                                     (std::isdigit(static_cast<unsigned char>(s[0])) != 0 || s[0] == '.')) {
        const std::string num = s.substr(0, sp);
        char* end = nullptr;
        const double f = std::strtod(num.c_str(), &end);
        if (end != num.c_str() + num.size() || !(f > 0)) return meaning_errc::unknown_unit;
        const double e = std::log10(f);
        if (std::fabs(e - std::round(e)) > 1e-9) return meaning_errc::unknown_unit;
        prefix = static_cast<int>(std::lround(e));
        s = trim(s.substr(sp + 1));
    }
    for (const auto& a : unit_aliases)
        if (a.name == s) return scaled_unit{a.u, a.exponent + prefix};
    // Case is meaningful for prefixes (mW, MW); fall back to a unique case-blind match.
    const auto l = lower(s);
    std::optional<unit_alias> hit;
    for (const auto& a : unit_aliases) {
        if (lower(a.name) != l) continue;
        if (hit && (hit->u != a.u || hit->exponent != a.exponent)) return meaning_errc::unknown_unit;
        hit = a;
    }
    if (hit) return scaled_unit{hit->u, hit->exponent + prefix};
    return meaning_errc::unknown_unit;
}

result<quantity_unit> lookup_quantity(std::string_view quantity_name, std::string_view unit_name) {
    const auto q = quantity_from_name(quantity_name);
    if (!q) return unexpected(q.error());
    const auto su = unit_from_name(unit_name);
    if (!su) return unexpected(su.error());
    if (const auto c = find_vif(*q, su->u, su->exponent)) return quantity_unit{*q, su->u, su->exponent, *c};
    for (const auto& r : rows) {
        if (r.q != *q) continue;
        if (r.r == rule::steps) {
            const int k = step_index(su->u) - r.base;
            if (step_index(su->u) >= 0 && k >= 0 && k <= r.last - r.first) return meaning_errc::no_vif_code;
        } else if (r.u == su->u) {
            return meaning_errc::no_vif_code;
        }
    }
    return meaning_errc::unit_mismatch;
}

std::vector<std::string> close_quantity_names(std::string_view n, std::size_t max) {
    std::vector<std::string_view> known;
    for (const auto& x : quantity_table)
        if (x.q != quantity::unknown) known.push_back(x.name);
    return close_names(n, known, max, true);
}

std::vector<std::string> close_unit_names(std::string_view n, std::size_t max) {
    std::vector<std::string_view> known;
    for (const auto& a : unit_aliases)
        known.push_back(a.name);
    return close_names(n, known, max, false);
}

std::string lookup_failure_message(std::string_view quantity_name, std::string_view unit_name) {
    const auto r = lookup_quantity(quantity_name, unit_name);
    if (r) return {};
    if (r.error() == meaning_errc::unknown_quantity) {
        const auto close = close_quantity_names(quantity_name);
        return fmt::format("unknown quantity '{}'{}", quantity_name,
                           close.empty() ? std::string("") : "; did you mean: " + join(close) + "?");
    }
    if (r.error() == meaning_errc::unknown_unit) {
        const auto close = close_unit_names(unit_name);
        return fmt::format("unknown unit '{}'{}", unit_name,
                           close.empty() ? std::string("") : "; did you mean: " + join(close) + "?");
    }
    const auto q = *quantity_from_name(quantity_name);
    if (r.error() == meaning_errc::unit_mismatch)
        return fmt::format("{} is not measured in '{}'; it can be sent as: {}", name(q), unit_name,
                           vif_options(q));
    return fmt::format("no VIF code sends {} in '{}'; the codes cover: {}", name(q), unit_name,
                       vif_options(q));
}

std::ostream& operator<<(std::ostream& os, quantity q) { return os << name(q); }
std::ostream& operator<<(std::ostream& os, unit u) { return os << (u == unit::none ? "(none)" : symbol(u)); }
std::ostream& operator<<(std::ostream& os, const vif_code& c) {
    return os << fmt::format("{} {:02X}", name(c.table), c.code);
}
std::ostream& operator<<(std::ostream& os, const vif_info& i) {
    return os << name(i.q) << ' ' << i.u << " 10^" << i.exponent;
}
std::ostream& operator<<(std::ostream& os, const vib_meaning& m) {
    os << m.code << ' ' << name(m.q) << " 10^" << m.exponent << ' ' << m.unit_text;
    for (const auto& n : m.notes)
        os << " [" << n << ']';
    return os;
}
std::ostream& operator<<(std::ostream& os, const scaled_unit& s) { return os << s.u << " 10^" << s.exponent; }
std::ostream& operator<<(std::ostream& os, const quantity_unit& q) {
    return os << name(q.q) << ' ' << q.u << " 10^" << q.exponent << " (" << q.code << ')';
}

} // namespace mbus::app
