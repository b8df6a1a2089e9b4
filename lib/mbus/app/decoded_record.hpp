#pragma once
// Records as a decoder hands them to a user, without a heap allocation per record: the value read
// (an integer, a float, BCD digits turned into an integer, a date...), the power of ten and the
// scaled value, the quantity and unit as names from the library's static tables, storage, tariff,
// subunit and function. Built from record views (record_view.hpp), so it lives as long as the
// frame: text, binary and undecodable BCD values stay views into the telegram's bytes.
//
// This is what describe_fields() (describe_in_place.hpp) computes, minus its words (VIFE notes,
// the one-line text) and its owning value types; decoded_record_test checks the two agree on every
// record of the corpus. to_value() gives the owning app::value when one is wanted.
//
// decode_records() fills a caller's vector: reused from one frame to the next it allocates
// nothing once it has grown to the longest telegram.

#include <mbus/app/dif.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/app/record_view.hpp>
#include <mbus/app/value.hpp>
#include <mbus/app/vib_essentials.hpp>
#include <mbus/app/vif.hpp>
#include <mbus/core/bytes.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mbus::app {

enum class value_kind : std::uint8_t {
    none,        // no data bytes (coding none / selection), or the record's meaning could not be read
    integer,     // `integer`: binary integers, BCD, variable-length BCD (LVAR C0-C9 / D0-D9)
    real,        // `real`: real32
    invalid_bcd, // `field`: BCD with digits A-F (negative_bcd: LVAR D0-D9); bcd_digits() spells it
    text,        // `field`: LVAR 00-BF text as sent (last character first); text() reads it
    binary,      // `field`: LVAR E0-FA, the special coding, manufacturer data (DIF 0F / 1F)
    date,        // `day`: type G
    date_time,   // `moment`: type F or I
    time_of_day, // `clock`: type J
};

struct decoded_record {
    record_kind kind{record_kind::data};
    // The DIB.
    function_kind function{function_kind::instantaneous};
    data_coding coding{data_coding::none};
    std::uint64_t storage{0};
    std::uint32_t tariff{0};
    std::uint16_t subunit{0};
    // The VIB (data records): code, quantity, effective unit and exponent.
    vib_essentials vib;
    std::string_view quantity_text; // description(vib.q): "Energy", "Volume flow", "Reserved"
    std::string_view unit_symbol;   // symbol(vib.u): "Wh", "m^3"; without the "per" suffixes
    bytes_view plain_text;          // VIF 7C / FC: the unit text as sent (last character first)
    bytes_view vife;                // the VIFE chain (for unit_text() and the words of describe)
    // The value.
    value_kind kind_of_value{value_kind::none};
    bool negative_bcd{false};
    std::int64_t integer{0};
    double real{0};
    date day;
    date_time moment;
    time_of_day clock;
    bytes_view field;       // the value bytes (without the LVAR byte)
    bool has_scaled{false}; // integer and real values
    double scaled{0};       // raw × 10^exponent (+ 10^additive exponent), as describe_fields
    std::error_code error;  // set when the meaning could not be read (missing_vife, bad_lvar...)
    bytes_view wire;        // every byte of the record

    // describe_fields()'s vib->unit_text ("Wh", "m3/h", the plain text); allocates.
    std::string unit_text() const;
    // The text of a value_kind::text value in reading order.
    std::string text() const;
    // The digits of a value_kind::invalid_bcd, as app::invalid_bcd::digits.
    std::string bcd_digits() const;
    // The owning value describe_fields() holds in record_meaning::raw.
    value to_value() const;
};

// One record read in place into `out` (every field overwritten). A record whose meaning cannot be
// read keeps its DIB and wire bytes and says why in `out.error`.
void decode_record(const record_view& r, decoded_record& out);

// Every record of variable user data into `out` (cleared first; its capacity is kept). Returns the
// cursor's error (as app::decode's: too_many_dife, premature_end_at_data...) with the records read
// before it in `out`, or no error.
std::error_code decode_records(const variable_view& v, std::vector<decoded_record>& out);

} // namespace mbus::app
