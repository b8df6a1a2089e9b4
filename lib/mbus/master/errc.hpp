#pragma once
#include <system_error>

namespace mbus::master {

// Why a master call did not get what it asked for. Transport failures (a closed stream, an OS error)
// come as the transport's own codes; link and app decoding errors as theirs.
enum class errc {
    timeout = 1,        // nothing came back within the response window, on every attempt
    collision,          // garbled bytes, or more than one answer (extra bytes after an E5 or a frame)
    unexpected_reply,   // an answer of the wrong kind: a frame where E5 was due, E5 where RSP_UD was due
    too_many_telegrams, // a multi-telegram readout still said "more follows" after the allowed count
    invalid_argument,   // an address or value the request cannot carry (new primary address 251, ...)
};

const std::error_category& master_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), master_category()}; }

} // namespace mbus::master

template <>
struct std::is_error_code_enum<mbus::master::errc> : std::true_type {};
