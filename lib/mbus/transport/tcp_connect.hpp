#pragma once
// The client side of a TCP line: what a master uses to reach a simulator's TCP listener.

#include <mbus/core/time.hpp>
#include <mbus/transport/tcp.hpp>

#include <boost/asio/awaitable.hpp>

#include <string_view>

namespace mbus::transport {

// Connects to "HOST:PORT" (":PORT" or "PORT": 127.0.0.1), resolving and connecting within `limit`.
// Errors: bad_endpoint for a malformed address, std::errc::timed_out, the OS's (connection refused);
// the message names the address.
asio::awaitable<open_result<tcp_stream>> connect_tcp(std::string_view where, duration limit);

} // namespace mbus::transport
