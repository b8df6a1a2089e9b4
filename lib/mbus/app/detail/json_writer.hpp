// app/detail/json_writer.hpp: what the JSON writers in json.cpp (the DOM), json_writer.cpp (the text
// from record values) and json_from_bytes.cpp (the text from the frame's bytes) share: the checks and
// names both texts apply, and the writer from values' header and record, which the writer from bytes
// falls back on for what it does not spell itself.
#pragma once

#include <mbus/app/record_view.hpp>
#include <mbus/app/telegram.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace mbus::app::detail {

inline constexpr std::string_view hex_digits = "0123456789ABCDEF";

// Printable ASCII only: nlohmann refuses to dump invalid UTF-8 and meter text is bytes, so anything
// else goes out as hex.
bool printable(std::string_view s);

// Fixed data structure units (EN 13757-3 annex; the names libmbus prints), by the 6-bit code.
std::string fixed_unit(unsigned code);

// to_json(h).dump()'s text, appended to `out`.
void put_header(std::string& out, const header& h);

// to_json(r, index).dump()'s text for the record read in place as `r`, appended to `out`: the
// record described in full (describe_fields).
void put_record(std::string& out, const record_view& r, std::size_t index);

} // namespace mbus::app::detail
