#pragma once
// JSON for `mbus-sim decode --format json`: the user data of one telegram with the meaning of
// every record. Hex strings are upper case without spaces; numbers are JSON numbers.
//
// Schema (keys always present unless marked "only"):
// {
//   "ci": "72",
//   "structure": "variable" | "fixed" | "application_error" | "other",
//   --- structure "variable" (CI 72, 7A, 78) ---
//   "header": null (CI 78) | {
//       "id": "12345678", "manufacturer": "KAM", "manufacturer_code": "2C2D",   (CI 72 only)
//       "manufacturer_valid": true, "version": 8, "medium": 4,                   (CI 72 only)
//       "medium_name": "heat_outlet", "medium_description": "Heat (outlet)",     (CI 72 only)
//       "access_number": 4, "status": 0, "status_flags": ["power_low", ...], "signature": "0000" },
//   "records": [ record, ... ],
//   "more_records_follow": true | false           (a DIF 1F record is present)
//   --- structure "fixed" (CI 73, 77) ---
//   "fixed": { "id": "12345678", "access_number": 1, "status": 0, "counter_format": "bcd" | "binary",
//              "stored": false, "medium": 7, "medium_name": "Water",
//              "counters": [ { "unit_code": 41, "unit": "l", "raw": 1234 | "invalid BCD digits" }, x2 ] }
//   --- structure "application_error" (CI 70) ---
//   "application_error": { "status": 0 | null, "description": "Unspecified error" }
//   --- structure "other" ---
//   "data": "0102..."
// }
// record:
// {
//   "index": 0, "kind": "data" | "manufacturer_data" | "more_records_follow" | "idle_filler",
//   "hex": "04069A000000",                         the record's bytes
//   "dif": "04", "dife": "",
//   "function": "instantaneous", "storage": 0, "tariff": 0, "subunit": 0, "coding": "int32",
//   --- kind "data" ---
//   "vif": "06", "vife": "", "plain_text_unit": "%RH" (VIF 7C/FC only),
//   "table": "primary" | "FD" | "FB", "code": "06",
//   "quantity": "energy", "description": "Energy", "unit": "Wh", "exponent": 3,
//   "modifiers": ["backward flow ..."],           combinable VIFEs in words
//   "raw": 154 | 1.5 | "2024-01-15" | "text" | "A0B1" (bytes, wire order) | "EEEE" (invalid BCD),
//   "raw_format": "hex" (only when raw is bytes, or text that is not printable ASCII: then its wire bytes),
//   "value": 154000 | null,                        raw x 10^exponent for numbers, else null
//   "text": "Energy = 154000 Wh",
//   "error": "..." (only when the record could not be described; the other meaning keys are absent)
//   --- kind "manufacturer_data" / "more_records_follow" ---
//   "data": "0000E7E4", "more_records_follow": true | false
// }

#include <nlohmann/json.hpp>

#include <mbus/app/record_spec.hpp>
#include <mbus/app/telegram.hpp>
#include <mbus/core/result.hpp>

#include <string>
#include <string_view>

namespace mbus::app {

nlohmann::json to_json(const user_data& ud);

// One more member for the top-level object of write_json, put among the telegram's own keys where
// its key sorts (as a DOM would): `text` is its value as JSON text. A key the telegram's object
// does not have ("link").
struct json_member {
    std::string_view key;
    std::string_view text;
};

// The text of to_json(ud).dump() (with `extra` added), byte for byte, written straight into `out`
// (appended) without building a DOM: for callers that only print the JSON (decode rates, the decode
// command). Unlike dump(), text that is not valid UTF-8 is written as it is instead of throwing (the
// records' own texts are printable ASCII or hex already).
void write_json(std::string& out, const user_data& ud, json_member extra = {});
// The same for the user data `data` of CI `ci` as app::decode reads it, written from the records
// read in place (record_cursor) for variable data: no record values, no allocation per record but
// for rare records (see describe_fields). Errors as app::decode's, and then nothing is written.
result<void> write_json(std::string& out, byte ci, bytes_view data, json_member extra = {});
std::string to_json_text(const user_data& ud);

// Compact JSON text (as dump() or write_json give it) laid out as dump(indent) lays it out: a
// member or element a line, `indent` spaces a level, "key": value, empty objects and arrays as
// {} and []. The text must be valid JSON.
std::string indent_json(std::string_view compact, int indent);
nlohmann::json to_json(const record& r, std::size_t index = 0);
nlohmann::json to_json(const header& h);

// EN 13757-3 general application errors (CI 70 status byte): "Unspecified error", ...
std::string_view application_error_description(std::uint8_t status);

} // namespace mbus::app
