#pragma once
// describe() for records read in place (record_view, record_cursor): the meaning of a DIB, a VIB and
// a whole record from views into the telegram, without building app::record values first. The
// value-type describe() functions (dif.hpp, vif.hpp, record_spec.hpp) are these on the value's
// bytes, so the two cannot disagree. For writers that print each record once (the JSON writer,
// rate counters): nothing here allocates for a usual record (a VIB without combinable VIFEs or
// plain-text unit, a number or a date for a value, a unit of a few letters).

#include <mbus/app/dif.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/app/record_view.hpp>
#include <mbus/app/vif.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>

#include <string>

namespace mbus::app {

// describe(const dib&) for a DIB's bytes.
dib_meaning describe_dib(byte dif, bytes_view dife);

// describe(const vib&) for a VIB's parts (record_view's vif, plain_text and vife).
result<vib_meaning> describe_vib(byte vif, bytes_view plain_text, bytes_view vife);

// describe(const record&) for a record read in place, with `text` left empty: append_text writes
// it where the caller wants it (straight into its output).
result<record_meaning> describe_fields(const record_view& r);

// The line describe() puts in record_meaning::text ("Energy = 154000 Wh"), appended to `out`.
void append_text(std::string& out, const record_meaning& m);

} // namespace mbus::app
