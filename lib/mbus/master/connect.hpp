#pragma once
// Opening the line from the master's side: a serial device or the simulator's pty (raw, 8E1 at a
// baud rate, as libmbus and pyserial open it), or a TCP connection to HOST:PORT.

#include <mbus/core/time.hpp>
#include <mbus/transport/byte_stream.hpp>
#include <mbus/transport/serial.hpp>
#include <mbus/transport/tcp.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace mbus::master {

namespace asio = boost::asio;

// Opens `device` raw at `baud`, 8E1. On a pty the parity does not stick (the kernel keeps none) and
// the stream still works: serial_port::parity_applied() tells. Errors name the device.
transport::open_result<transport::serial_port> open_serial(const asio::any_io_executor& ex,
                                                           const std::string& device, unsigned baud);

// Connects to "HOST:PORT" (":PORT" or "PORT": 127.0.0.1), resolving and connecting within `limit`.
// Errors: bad_endpoint for a malformed address, std::errc::timed_out, the OS's (connection refused);
// the message names the address.
asio::awaitable<transport::open_result<transport::tcp_stream>> connect_tcp(std::string_view where,
                                                                           duration limit);

} // namespace mbus::master
