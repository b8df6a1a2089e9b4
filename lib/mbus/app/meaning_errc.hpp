#pragma once
// Errors of the meaning layer (DIF/VIF tables, values, record encoding from descriptions, identity
// helpers). The raw codec has its own app::errc; value_out_of_range and invalid_value from there are
// used here too, so that a caller sees one code for "does not fit" wherever it comes from.

#include <system_error>

namespace mbus::app {

enum class meaning_errc {
    unknown_quantity = 1, // a quantity name that is not in the table
    unknown_unit,         // a unit name that is not in the table
    unit_mismatch,        // the unit does not measure the quantity (volume in kWh)
    no_vif_code,          // no VIF code has this quantity, unit and exponent (energy in 10^8 Wh)
    wrong_data_size,      // the data bytes do not have the length the data type needs
    bad_lvar,             // a reserved LVAR, or one whose length differs from the bytes held
    dib_out_of_range,     // storage, tariff or subunit needs more than 10 DIFE
    vife_out_of_range,    // a VIFE code above 7F (the extension bit is the encoder's)
    missing_vife,         // VIF FD or FB without the VIFE that names the code
    not_a_data_record,    // DIF 0F/1F/2F records carry no value to describe as a spec
    invalid_manufacturer, // not three letters A-Z
    invalid_id,           // not eight decimal digits
    unknown_medium,       // a medium name that is not in the table
};

const std::error_category& meaning_category() noexcept;
inline std::error_code make_error_code(meaning_errc e) noexcept {
    return {static_cast<int>(e), meaning_category()};
}

} // namespace mbus::app

template <>
struct std::is_error_code_enum<mbus::app::meaning_errc> : std::true_type {};
