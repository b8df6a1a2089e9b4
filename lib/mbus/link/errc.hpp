#pragma once
#include <system_error>

namespace mbus::link {

enum class errc {
    need_more = 1,    // a valid prefix of a frame: feed more bytes
    bad_start,        // first byte is not E5, 10 or 68
    length_mismatch,  // L fields differ, or L < 3
    bad_second_start, // the fourth byte of a long frame is not 68
    bad_checksum,
    bad_stop,    // the last byte is not 16
    too_long,    // more than 252 data bytes
    gap_timeout, // stream parser: inter-byte gap longer than the timeout dropped a partial frame
};

const std::error_category& link_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), link_category()}; }

} // namespace mbus::link

template <>
struct std::is_error_code_enum<mbus::link::errc> : std::true_type {};
