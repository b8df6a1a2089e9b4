#pragma once
// What a one-line summary says of a telegram (its form, the meter's address, how many records and
// whether more telegrams follow), read in place: the header and the DIF/VIF/LVAR bytes of each
// record are walked with a record_cursor, and nothing is copied or allocated. app::decode gives the
// same verdicts (a unit test compares them over the libmbus corpus); a summary needs no values, so
// the log and a stream subscriber need not pay for them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>

namespace mbus::app {

// CI 72 / 7A / 78.
struct variable_outline {
    std::optional<secondary_address> address; // CI 72 only
    std::size_t records{0};                   // as many as decode() gives, DIF 2F fillers included
    bool more_follows{false};                 // the last record is DIF 1F
    friend bool operator==(const variable_outline&, const variable_outline&) = default;
};

// CI 73 / 77.
struct fixed_outline {
    std::uint32_t id{0}; // BCD nibbles, as fixed_data::id
    friend bool operator==(const fixed_outline&, const fixed_outline&) = default;
};

// Any CI decode() keeps as other_data (and CI 70 with more than one byte).
struct other_outline {
    byte ci{0};
    std::size_t size{0}; // the data bytes after CI
    friend bool operator==(const other_outline&, const other_outline&) = default;
};

// The alternatives of user_data, without their values.
using outline = std::variant<variable_outline, fixed_outline, application_error, other_outline>;

// decode(ci, data)'s alternative and errors (no_data, header_too_short, fixed_data_wrong_size,
// too_many_dife, premature_end_at_data, ...), without the values.
result<outline> outline_of(byte ci, bytes_view data);
// How many times outline_of() has run on this thread: with decode_calls(), lets tests show that the
// runtime reads a reply once and no observer reads it again.
std::uint64_t outline_calls();

} // namespace mbus::app
