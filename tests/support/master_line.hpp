#pragma once
// Playing the master on a line the way real ones do: open the pty device, set 8E1 with termios, read
// bytes and whole frames with deadlines, from a byte_stream, an Asio stream or a plain descriptor.

#include <mbus/core/bytes.hpp>
#include <mbus/core/time.hpp>
#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/transport/byte_stream.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/termios_speed.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <concepts>
#include <string>

namespace mbus::test {

// Every single wait on a line; generous, as the machine may be busy.
inline constexpr duration line_wait_limit = std::chrono::seconds(5);

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

// open_like_master then set_8e1; -1 when either fails.
inline int open_master(const std::string& path, unsigned baud) {
    const int fd = open_like_master(path);
    if (fd < 0) return fd;
    if (set_8e1(fd, baud) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Reads exactly n bytes from a byte stream, each read with a deadline; fewer on timeout or error.
inline boost::asio::awaitable<bytes> read_n(transport::byte_stream& s, std::size_t n,
                                            duration limit = line_wait_limit) {
    bytes out;
    std::array<byte, 512> buf{};
    while (out.size() < n) {
        auto r = co_await transport::with_timeout(
            s.read_some(std::span<byte>(buf.data(), std::min(n - out.size(), buf.size()))), limit);
        if (!r || r->first) break;
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->second));
    }
    co_return out;
}

// The same from an Asio stream (a pty's slave descriptor, a socket), with one deadline for all of them.
template <class Stream>
requires(!std::derived_from<Stream, transport::byte_stream>) boost::asio::awaitable<bytes> read_n(
    Stream& s, std::size_t n, duration limit = line_wait_limit) {
    namespace asio = boost::asio;
    bytes out(n);
    auto r = co_await transport::with_timeout(
        asio::async_read(s, asio::buffer(out), asio::as_tuple(asio::use_awaitable)), limit);
    out.resize(r ? std::get<1>(*r) : 0);
    co_return out;
}

// Reads one whole frame (E5, short or long) as its start and length bytes announce it; what came
// before a deadline or an error when incomplete.
template <class Stream>
boost::asio::awaitable<bytes> read_frame(Stream& s, duration limit = line_wait_limit) {
    bytes out;
    for (;;) {
        const auto size = link::frame_size(out);
        if (!size && size.error() != link::errc::need_more) co_return out;
        if (size && out.size() >= *size) co_return out;
        const auto more = co_await read_n(s, size ? *size - out.size() : 1, limit);
        if (more.empty()) co_return out;
        out.insert(out.end(), more.begin(), more.end());
    }
}

// The same from a plain descriptor, without Asio (for a child process's pty or socket).
inline bytes read_frame_fd(int fd, duration limit = line_wait_limit) {
    const auto end = clock::now() + limit;
    bytes out;
    for (;;) {
        const auto size = link::frame_size(out);
        if (!size && size.error() != link::errc::need_more) return out;
        if (size && out.size() >= *size) return out;
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(end - clock::now()).count();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return out;
        std::array<byte, 300> b{};
        const std::size_t want = size ? *size - out.size() : 1;
        const auto n = ::read(fd, b.data(), std::min(want, b.size()));
        if (n <= 0) return out;
        out.insert(out.end(), b.begin(), b.begin() + n);
    }
}

} // namespace mbus::test
