#pragma once
// Small text helpers: case-blind names for the tables, and text from outside made safe to print.

#include <cstddef>
#include <string>
#include <string_view>

namespace mbus {

// `s` in lower case, ASCII only: names in tables and scenarios are ASCII, and the C locale's
// tolower keeps other bytes as they are.
std::string lower(std::string_view s);

// `s` with control characters written as escapes (\n, \r, \t, \0, \x1B, ... and \x7F), for text from
// a file or a peer that goes into a log line or a message: a name holding "\nerror: ..." must not
// forge a line of its own, nor an ESC sequence drive the terminal. Other bytes (UTF-8 included) stay.
std::string printable(std::string_view s);

// Levenshtein distance (insertions, deletions, changes), ASCII letters compared case-blind when
// `fold_case`: how far a typo is from a name, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b, bool fold_case = false);

} // namespace mbus
