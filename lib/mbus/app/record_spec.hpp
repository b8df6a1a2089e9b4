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

} // namespace mbus::app
