#pragma once
// Helpers for the transport tests (run_async comes from support/async.hpp): play the master the
// way real ones do (open the device, set 8E1 with termios, read and write with deadlines).

#include "support/async.hpp"

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

// The slave side as a master program opens it: read/write, not our controlling terminal.
inline int open_like_master(const std::string& path) {
    return ::open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
}

// What libmbus and pyserial ask for: raw, 8 data bits, even parity, one stop bit, no modem control.
// Returns tcsetattr's result; errno tells why on failure.
inline int set_8e1(int fd, unsigned baud) {
    termios t{};
    if (::tcgetattr(fd, &t) != 0) return -1;
    cfmakeraw(&t);
    t.c_cflag &= ~static_cast<tcflag_t>(CSIZE | CSTOPB | PARODD | CRTSCTS);
    t.c_cflag |= CS8 | PARENB | CLOCAL | CREAD;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 3;
    const auto code = transport::speed_code(baud);
    if (!code) return -1;
    cfsetspeed(&t, *code);
    return ::tcsetattr(fd, TCSANOW, &t);
}

// Reads exactly n bytes from a stream, each read with a deadline; fewer on timeout or error.
inline asio::awaitable<bytes> read_n(transport::byte_stream& s, std::size_t n) {
    bytes out;
    std::array<byte, 512> buf{};
    while (out.size() < n) {
        auto r = co_await transport::with_timeout(
            s.read_some(std::span<byte>(buf.data(), std::min(n - out.size(), buf.size()))), wait_limit);
        if (!r || r->first) break;
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->second));
    }
    co_return out;
}

// The same from the master's side of a pty (the slave descriptor, wrapped for Asio).
inline asio::awaitable<bytes> read_n(asio::posix::stream_descriptor& d, std::size_t n) {
    bytes out(n);
    auto op = asio::async_read(d, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    auto r = co_await transport::with_timeout(std::move(op), wait_limit);
    if (!r) co_return bytes{};
    out.resize(std::get<1>(*r));
    co_return out;
}

inline bytes every_byte_value() {
    bytes b(256);
    for (std::size_t i = 0; i < b.size(); ++i)
        b[i] = static_cast<byte>(i);
    return b;
}

} // namespace mbus::test
