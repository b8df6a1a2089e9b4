#pragma once
// Hex dumps as people paste them from readers' logs and forum posts: bytes in hex separated by
// whitespace (or ':' and ','), '#' starts a comment to the end of the line, blank lines are skipped.
// Each line with bytes is a chunk (no time: a replay paces them); split_frames() cuts the whole dump
// into HDLC frames instead, when one frame spans lines or a line holds several.

#include <string_view>
#include <vector>

#include <mbus/capture/chunk.hpp>

namespace mbus::capture {

struct dump_contents {
    std::vector<chunk> chunks;
    std::vector<problem> problems; // a line that is not hex, with its line and the column of the offence
};

dump_contents read_hex_dump(std::string_view text);

} // namespace mbus::capture
