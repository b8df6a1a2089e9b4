#pragma once
// Data records from a person's description, and back: the simulator builds every answer with
// encode_record(), and the decode command shows describe(). Both read the one table in vif.hpp.
//
// A record_spec names the VIF in one of three ways, the first that is set wins:
//   raw_vib      the whole VIB as given (parse_vib() reads it from bytes such as "FF 07");
//   code         a table code (for reserved or unusual codes), plus plain_text_unit / extra_vife;
//   q, u, exponent   the quantity, e.g. energy, Wh, 3 = kWh (lookup_quantity() reads "energy",
//                "kWh"), plus plain_text_unit / extra_vife.
// `exponent` is the VIF's own power of ten; extra_vife may add a correction (VIFE 70-77, 7D),
// which describe() shows in record_meaning::vib->exponent.
//
// `v` is the raw value as the data field holds it, before the VIF's scale: energy, Wh, exponent
// 3, v = 154 is 154 kWh. raw_from_scaled() (value.hpp) turns a physical value into one.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <mbus/app/dif.hpp>
#include <mbus/app/telegram.hpp>
#include <mbus/app/value.hpp>
#include <mbus/app/vif.hpp>
#include <mbus/core/result.hpp>

namespace mbus::app {

struct record_spec {
    function_kind function{function_kind::instantaneous};
    std::uint64_t storage{0};
    std::uint32_t tariff{0};
    std::uint16_t subunit{0};
    std::uint8_t min_dife{0}; // pad the DIB with DIFE 00 up to this many (see dib_meaning)

    quantity q{quantity::unknown};
    unit u{unit::none};
    int exponent{0};
    std::string plain_text_unit; // with quantity::plain_text_unit (VIF 7C/FC), reading order
    std::vector<std::uint8_t>
        extra_vife; // combinable VIFE codes, 7 bits each; extension bits are set for you
    std::optional<vif_code> code;
    std::optional<vib> raw_vib;

    data_coding coding{data_coding::int32};
    value v;
    friend bool operator==(const record_spec&, const record_spec&) = default;
};

// Errors: from encode_dib (dib_out_of_range), encode_vib, encode_value (value_out_of_range,
// invalid_value, ...); meaning_errc::no_vif_code when q/u/exponent has no code;
// app::errc::invalid_value for a date/time value on a VIB that is not a time point.
result<record> encode_record(const record_spec& s);

// DIF 0F (or 1F: more records follow) with manufacturer data to the end of the telegram; DIF 2F.
record manufacturer_data_record(bytes data, bool more_records_follow = false);
record idle_filler_record();

// Reads a VIB from its bytes: VIF, for 7C/FC the length and text, then the VIFE chain. All bytes
// must be used. Errors: app::errc::premature_end_at_vif / premature_end_at_plain_vif,
// app::errc::invalid_value (bytes after the chain).
result<vib> parse_vib(bytes_view b);

enum class record_kind : std::uint8_t {
    data,                // DIF/VIF/data
    manufacturer_data,   // DIF 0F
    more_records_follow, // DIF 1F
    idle_filler,         // DIF 2F
};

struct record_meaning {
    record_kind kind{record_kind::data};
    dib_meaning dib;
    std::optional<vib_meaning> vib; // data records only
    value raw;                      // the data field; bytes for DIF 0F/1F
    std::optional<double> scaled;   // numbers: raw × 10^vib->exponent (+ 10^additive_exponent)
    std::string text;               // one line for people: "Energy = 154000 Wh"
    friend bool operator==(const record_meaning&, const record_meaning&) = default;
};

// Errors: meaning_errc::missing_vife, wrong_data_size, bad_lvar (see value.hpp); a data record
// without a VIB is app::errc::premature_end_at_vif.
result<record_meaning> describe(const record& r);

// The spec that encodes back to the described record (for a canonical record: the same bytes).
// The VIF is given by quantity when the table knows its code, else by code. Errors:
// meaning_errc::not_a_data_record for DIF 0F/1F/2F.
result<record_spec> to_spec(const record_meaning& m);

std::string_view name(record_kind k); // "data", "manufacturer_data", "more_records_follow", "idle_filler"

std::ostream& operator<<(std::ostream& os, const record_spec& s);
std::ostream& operator<<(std::ostream& os, const record_meaning& m);

// --- checking a description before it is encoded ---
// The rules a person's description of a record must follow (does the value fit the coding, which
// VIF sends a quantity in a unit), kept here so that every reader of descriptions (the scenario
// loader) applies the same ones. They answer in words for people; the reader adds the place.

// Why part of a description cannot be sent: the key of the description it is about (as scenario
// files spell it: "value", "unit", "quantity", "resolution", "plain_unit") and the reason.
struct spec_problem {
    std::string field;
    std::string reason;
    friend bool operator==(const spec_problem&, const spec_problem&) = default;
};
std::ostream& operator<<(std::ostream& os, const spec_problem& p); // "field: reason"

// A value, or the problem that kept it from being made.
template <class T>
class [[nodiscard]] checked {
  public:
    checked(T v) : v_(std::move(v)) {}
    checked(spec_problem p) : v_(std::move(p)) {}
    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }
    const T& value() const { return std::get<0>(v_); }
    const T& operator*() const { return value(); }
    const T* operator->() const { return &value(); }
    const spec_problem& problem() const { return std::get<1>(v_); }
    friend bool operator==(const checked&, const checked&) = default;

  private:
    std::variant<T, spec_problem> v_;
};

// The raw integers a coding holds: int8 -128..127, BCD of n digits -(10^(n-1) - 1)..10^n - 1 (the
// sign in the top digit; from 0 unless `signed_bcd`), variable: the BCD of LVAR C9/D9. nullopt for
// real32 and the codings that hold no number.
struct integer_range {
    std::int64_t min{0};
    std::int64_t max{0};
    friend bool operator==(const integer_range&, const integer_range&) = default;
};
std::optional<integer_range> coding_range(data_coding c, bool signed_bcd = true);

// Why the raw field value `raw` does not fit coding `c` ("does not fit int8 (-128..127)"), or
// nothing when it fits. The caller puts the subject in front.
std::optional<std::string> fit_problem(data_coding c, bool signed_bcd, double raw);

// How a number in a description becomes the raw field value: times 10^shift (the written unit's
// power of ten less the VIB's: 1.5 written in kWh for a VIB in Wh steps is 1500).
struct value_scale {
    int shift{0};
    std::string unit_text;         // the unit the number is written in ("kWh"), for messages; may be empty
    std::string step_text() const; // one raw step in the written unit: "0.01 kWh", "1"
    friend bool operator==(const value_scale&, const value_scale&) = default;
};

// A number as written into the raw field value, exact: real32 takes it as it is; integer, BCD and
// variable codings take whole raw values that fit. Problems are about "value".
checked<value> value_from_number(double x, data_coding c, bool signed_bcd, const value_scale& scale);

// Whether a value source reaching lo..hi (as written) fits the field: nothing, or the whole message
// ("the ramp reaches 300, which does not fit int8 (-128..127)"); `what` is the subject
// ("the ramp reaches").
std::optional<std::string> range_problem(std::string_view what, double lo, double hi, data_coding c,
                                         bool signed_bcd, const value_scale& scale);

// 0.01 -> -2; a problem about "resolution" when it is not a power of ten.
checked<int> resolution_exponent(double resolution);

// The VIF that sends quantity `q` written in `unit` (nullopt: none written; `unit_text` as written,
// for messages) in steps of 10^step of that unit. Problems are about "unit" (or "quantity" when no
// unit was written).
struct vif_choice {
    vif_code code;
    unit u{unit::none};
    int exponent{0};       // the VIF's power of ten
    int value_exponent{0}; // the written unit's: a number means number * 10^value_exponent
    friend bool operator==(const vif_choice&, const vif_choice&) = default;
};
checked<vif_choice> choose_vif(quantity q, const std::optional<scaled_unit>& unit, std::string_view unit_text,
                               int step);

// quantity plain_text_unit (VIF 7C) needs a plain unit and no other quantity takes one: a problem
// about "plain_unit" or "quantity", or nothing.
std::optional<spec_problem> plain_unit_problem(quantity q, bool has_plain_unit);

// A unit written beside a VIB given as bytes must be the unit the VIB sends: nothing, or why not.
std::optional<std::string> unit_problem(const vib_meaning& vib, const scaled_unit& u,
                                        std::string_view unit_text);

// Dates and times: only a time point record (vib.time_point) takes one, in the coding of its type
// (G int16 date, J int24 time, F int32 / I int48 date-time); years 1981..2080. `what` names the
// value for messages ("a date", "\"now\""). Problems are about "value".
std::optional<std::string> time_point_problem(const vib_meaning& vib, std::string_view what);
checked<value> value_from_date(const vib_meaning& vib, data_coding c, int year, unsigned month, unsigned day);
checked<value> value_from_time(const vib_meaning& vib, data_coding c, unsigned hour, unsigned minute,
                               unsigned second);
// `with_utc_offset`: the text gave one; a meter keeps local time.
checked<value> value_from_date_time(const vib_meaning& vib, data_coding c, int year, unsigned month,
                                    unsigned day, unsigned hour, unsigned minute, unsigned second,
                                    bool with_utc_offset);
// A record head given as bytes: DIF, DIFEs (while bit 7 is set), then the VIB; DIF 0F, 1F and 2F
// have no VIB (their bytes follow as data). Problems are about "raw".
struct record_head {
    dib d;
    std::optional<vib> v; // unset for DIF 0F, 1F, 2F
    friend bool operator==(const record_head&, const record_head&) = default;
};
checked<record_head> split_record_head(bytes_view b);
// Data given as bytes for a record head: as many as its coding carries, none for an idle filler
// (DIF 2F). Nothing, or why not (about "data").
std::optional<std::string> data_problem(const dib& d, std::size_t size);

// The one usual coding of a time point record when none is written: int16 for a date, int32 else.
std::optional<data_coding> usual_coding(const vib_meaning& vib);

} // namespace mbus::app
