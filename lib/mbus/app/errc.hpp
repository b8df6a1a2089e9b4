#pragma once
#include <system_error>

namespace mbus::app {

// Messages follow libmbus's mbus_frame_data_parse where it has one.
enum class errc {
    header_too_short = 1,       // "Variable header too short."
    premature_end_at_dif,       // "Premature end of record at DIF."
    premature_end_at_vif,       // "Premature end of record at VIF."
    premature_end_at_plain_vif, // "Premature end of record at variable length VIF."
    premature_end_at_data,      // "Premature end of record at data."
    too_many_dife,              // "Too many DIFE."
    too_many_vife,              // "Too many VIFE."
    plain_vif_too_long,         // "Too long variable length VIF."
    fixed_data_wrong_size,      // fixed data structure is not 16 bytes
    unsupported_ci,
    value_out_of_range, // encoding: the value does not fit the data type
    invalid_value,      // encoding: the value is not of a kind the data type can hold
    no_data,            // "Got zero data_size." (CI 72/73 with no bytes after CI)
    wrong_direction,    // "Wrong direction in frame (master to slave)" (libmbus XML of a master frame)
    no_xml,             // "Failed to generate XML representation of MBUS frame" (libmbus -n of CI 70)
};

const std::error_category& app_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), app_category()}; }

} // namespace mbus::app

template <>
struct std::is_error_code_enum<mbus::app::errc> : std::true_type {};
