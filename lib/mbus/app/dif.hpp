#pragma once
// EN 13757-3 data information block meaning: function, storage number, tariff, subunit and the
// data field coding, both ways. DIF bits 0-3 coding, 4-5 function, 6 storage number bit 0, 7
// extension; each DIFE adds 4 storage bits (0-3), 2 tariff bits (4-5) and 1 subunit bit (6).

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string_view>

#include <mbus/app/telegram.hpp>
#include <mbus/core/result.hpp>

namespace mbus::app {

enum class function_kind : std::uint8_t {
    instantaneous = 0,
    maximum = 1,
    minimum = 2,
    error_state = 3, // "value during error state"
};

// The data field coding of DIF bits 0-3, in DIF order (the enum value is the nibble).
enum class data_coding : std::uint8_t {
    none = 0x0,
    int8 = 0x1,
    int16 = 0x2,
    int24 = 0x3,
    int32 = 0x4,
    real32 = 0x5,
    int48 = 0x6,
    int64 = 0x7,
    selection = 0x8, // selection for readout (master to slave), no data
    bcd2 = 0x9,
    bcd4 = 0xA,
    bcd6 = 0xB,
    bcd8 = 0xC,
    variable = 0xD, // LVAR byte, then its data
    bcd12 = 0xE,
    special = 0xF, // DIF 0F/1F/2F/7F and the reserved 3F-6F
};

// The special DIFs (coding F) named by the standard.
namespace special_dif {
inline constexpr byte manufacturer_specific = 0x0F; // manufacturer data to the end of the telegram
inline constexpr byte more_records_follow = 0x1F;   // the same, and more telegrams follow
inline constexpr byte idle_filler = 0x2F;
inline constexpr byte global_readout = 0x7F; // master to slave: read every storage, tariff, function
} // namespace special_dif

// The last record is DIF 1F: the meter has more telegrams for the next REQ_UD2. Only variable data
// can say so.
bool more_records_follow(const variable_data& v);
bool more_records_follow(const user_data& ud);

// DIF 80 + 10 DIFE: 1 + 4 * 10 storage bits, 2 * 10 tariff bits, 10 subunit bits.
inline constexpr std::uint64_t max_storage = (std::uint64_t{1} << 41) - 1;
inline constexpr std::uint32_t max_tariff = (1u << 20) - 1;
inline constexpr std::uint16_t max_subunit = (1u << 10) - 1;

struct dib_meaning {
    function_kind function{function_kind::instantaneous};
    std::uint64_t storage{0};
    std::uint32_t tariff{0};
    std::uint16_t subunit{0};
    data_coding coding{data_coding::none};
    // Some meters pad the DIB with DIFE 00 (EDC, Sontex: "DIF 84 DIFE 00"). encode_dib writes at
    // least this many DIFE; describe sets it only for a DIB longer than its fields need, so that
    // it stays 0 for every canonical DIB.
    std::uint8_t min_dife{0};
    friend bool operator==(const dib_meaning&, const dib_meaning&) = default;
};

constexpr data_coding coding_of(byte dif) { return static_cast<data_coding>(dif & 0x0F); }
constexpr function_kind function_of(byte dif) { return static_cast<function_kind>((dif >> 4) & 0x03); }

// Bytes of the data field for the fixed-size codings; nullopt for variable (LVAR decides) and
// special (to the end of the telegram, or libmbus's 8 for 3F-7F).
std::optional<std::size_t> coding_size(data_coding c);
bool is_bcd(data_coding c);
bool is_integer(data_coding c); // int8..int64

// Never fails: every DIB has a meaning. DIFE past the tenth are ignored (the codec refuses them).
dib_meaning describe(const dib& d);

// The shortest DIF + DIFE for a meaning (but min_dife). Errors: meaning_errc::dib_out_of_range when storage,
// tariff or subunit exceed what 10 DIFE hold; app::errc::invalid_value for coding `special` (a
// special DIF is a whole record kind, see record_spec.hpp).
result<dib> encode_dib(const dib_meaning& m);

// Names as JSON and scenario files use them: "instantaneous", "maximum", "minimum", "error_state";
// codings "none", "int8".."int64", "real32", "bcd2".."bcd12", "variable", "selection", "special".
std::string_view name(function_kind f);
std::string_view name(data_coding c);
// EN 13757-3 wording: "Instantaneous value", "Maximum value", "Minimum value", "Value during error state".
std::string_view description(function_kind f);
std::optional<function_kind> function_from_name(std::string_view s); // also "error", "max", "min", "inst"
std::optional<data_coding> coding_from_name(std::string_view s);     // also "bcd8" spelled "BCD8", "real"

std::ostream& operator<<(std::ostream& os, function_kind f);
std::ostream& operator<<(std::ostream& os, data_coding c);
std::ostream& operator<<(std::ostream& os, const dib_meaning& m);

} // namespace mbus::app
