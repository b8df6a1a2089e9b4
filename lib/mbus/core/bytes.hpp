#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mbus/core/result.hpp>

namespace mbus {

using byte = std::uint8_t;
using bytes = std::vector<byte>;
using bytes_view = std::span<const byte>;

// "68 03 03 68" style, upper case, single spaces.
std::string to_hex(bytes_view data, std::string_view separator = " ");

// Reads hex as found in real files: pairs with or without separators (spaces, tabs, CR, LF, ':' and
// ','), an optional "0x" before each pair. Like libmbus's reader, a lone digit followed by a separator
// is one byte ("D 3F" is 0D 3F). Anything else is an error naming its offset.
result<bytes> from_hex(std::string_view text);

} // namespace mbus
