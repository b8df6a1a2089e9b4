#pragma once
// Opening a serial line for M-Bus, shared by the slave's serial_port and the master's serial_device:
// both want the line raw, 8 data bits, one stop bit, at a termios rate; they differ in parity and in
// what they accept back from the driver.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <termios.h>

#include <optional>
#include <string>
#include <system_error>

namespace mbus::transport::detail {

namespace asio = boost::asio;

std::error_code last_os_error();

// A line opened (non-blocking: open() of a modem line would otherwise wait for carrier), checked to be
// a tty, and its settings read and made raw 8N1 at the rate, not yet applied: the caller adds parity
// and applies them.
struct raw_tty {
    asio::posix::stream_descriptor fd;
    termios settings{};
    speed_t speed{};
};

struct raw_tty_result {
    std::optional<raw_tty> tty; // empty on failure
    std::error_code error;
    std::string message;
};

raw_tty_result open_raw_tty(const asio::any_io_executor& ex, const std::string& device, unsigned baud);

// Drops what was on the line before we listened (it is not meant for us) and puts the descriptor in
// non-blocking mode for detail::write_all.
void start_listening(asio::posix::stream_descriptor& fd);

} // namespace mbus::transport::detail
