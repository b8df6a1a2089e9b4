#pragma once
// What a master asked for, as counters, transcripts, faults and expectations group requests.

#include <cstdint>
#include <optional>
#include <string_view>

#include <mbus/link/frame.hpp>

namespace mbus::link {

// The CI fields of a select by secondary address (EN 13757-3 names them; app::ci::select and
// select_msb are these): a master's SND_UD with one of them is a select, not a write.
inline constexpr byte ci_select = 0x52;     // fields LSB first
inline constexpr byte ci_select_msb = 0x56; // every multi-byte field MSB first

enum class request_kind : std::uint8_t {
    snd_nke, // 10 40 A
    req_ud2, // 10 5B/7B/4B/6B A
    req_ud1, // 10 5A/7A/4A/6A A
    select,  // SND_UD CI 52 or 56
    snd_ud,  // any other SND_UD (writes, application reset, baud switch)
    other,   // anything else a master sent as a whole frame (an E5, a frame from a slave)
};
inline constexpr std::size_t request_kind_count = 6;

request_kind kind_of(const link::frame& request);
// "SND_NKE", "REQ_UD2", "REQ_UD1", "SELECT", "SND_UD", "OTHER"
std::string_view name(request_kind k);
// The inverse of name(), case-blind; also "any" is not a kind (nullopt).
std::optional<request_kind> parse_request_kind(std::string_view text);

} // namespace mbus::link
