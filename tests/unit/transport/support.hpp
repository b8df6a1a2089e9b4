#pragma once
// Helpers for the transport tests (run_async comes from support/async.hpp): play the master the
// way real ones do (open the device, set 8E1 with termios, read and write with deadlines).

#include "support/async.hpp"
#include "support/master_line.hpp"

#include <mbus/transport/byte_stream.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/termios_speed.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <exception>
#include <string>

namespace mbus::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Every single wait in these tests; generous, as the machine may be busy.
constexpr auto wait_limit = std::chrono::seconds(5);

inline bytes every_byte_value() {
    bytes b(256);
    for (std::size_t i = 0; i < b.size(); ++i)
        b[i] = static_cast<byte>(i);
    return b;
}

} // namespace mbus::test
