#pragma once
#include <system_error>

namespace mbus::transport {

// Errors of the transports that are not plain OS errors (those come as std::system_category codes).
enum class errc {
    closed = 1,       // the peer closed the connection, or the stream was closed here
    unsupported_baud, // no termios speed for this rate
    not_a_tty,        // a serial path that is not a terminal device
    link_in_the_way,  // --link names something that is not a symbolic link
    bad_endpoint,     // a listen address that is not host:port
    no_parity,        // the device took the settings but dropped PARENB (a pty does)
};

const std::error_category& transport_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), transport_category()};
}

} // namespace mbus::transport

template <>
struct std::is_error_code_enum<mbus::transport::errc> : std::true_type {};
