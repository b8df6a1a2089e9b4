#include <mbus/master/connect.hpp>

#include <mbus/transport/deadline.hpp>
#include <mbus/transport/stream_io.hpp>
#include <mbus/transport/termios_speed.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

namespace mbus::master {

device_stream::device_stream(asio::posix::stream_descriptor fd, std::string device, unsigned baud,
                             bool parity_applied)
    : fd_(std::move(fd)), device_(std::move(device)), baud_(baud), parity_applied_(parity_applied) {}

device_stream::~device_stream() { close(); }

asio::awaitable<std::pair<std::error_code, std::size_t>> device_stream::read_some(std::span<byte> buf) {
    if (!fd_.is_open()) co_return std::pair{std::error_code(transport::errc::closed), std::size_t{0}};
    auto [ec, n] = co_await fd_.async_read_some(asio::buffer(buf.data(), buf.size()),
                                                asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted && !fd_.is_open())
        co_return std::pair{std::error_code(transport::errc::closed), std::size_t{0}};
    co_return std::pair{transport::detail::to_std(ec), n};
}

asio::awaitable<std::error_code> device_stream::write(bytes_view data) {
    if (!fd_.is_open()) co_return transport::errc::closed;
    co_return co_await transport::detail::write_all(fd_, data);
}

std::string device_stream::describe() const {
    return fmt::format("serial {} {} 8E1{}", device_, baud_,
                       parity_applied_ ? "" : " (the device ignores parity)");
}

void device_stream::close() {
    boost::system::error_code ec;
    fd_.close(ec);
}

transport::open_result<device_stream> open_serial(const asio::any_io_executor& ex, const std::string& device,
                                                  unsigned baud) {
    using result_type = transport::open_result<device_stream>;
    auto fail = [](std::error_code ec, std::string message) {
        return result_type{nullptr, ec, std::move(message)};
    };
    const auto speed = transport::speed_code(baud);
    if (!speed)
        return fail(transport::errc::unsupported_baud,
                    fmt::format("{}: unsupported baud rate {}", device, baud));
    // Non-blocking: open() of a modem line would otherwise wait for carrier.
    const int fd = ::open(device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const std::error_code ec(errno, std::system_category());
        return fail(ec, fmt::format("cannot open {}: {}", device, ec.message()));
    }
    asio::posix::stream_descriptor desc(ex, fd);
    if (!::isatty(fd))
        return fail(transport::errc::not_a_tty, fmt::format("{} is not a serial device", device));
    termios t{};
    if (::tcgetattr(fd, &t) != 0) {
        const std::error_code ec(errno, std::system_category());
        return fail(ec, fmt::format("cannot read the settings of {}: {}", device, ec.message()));
    }
    cfmakeraw(&t);
    t.c_cflag &= ~static_cast<tcflag_t>(CSIZE | CSTOPB | PARODD | CMSPAR | CRTSCTS);
    // No INPCK: a character with a parity error still arrives, so that a collision shows as
    // garbled bytes instead of silence.
    t.c_cflag |= CS8 | PARENB | CREAD | CLOCAL;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, *speed);
    cfsetospeed(&t, *speed);
    if (::tcsetattr(fd, TCSANOW, &t) != 0) {
        // Debian's glibc says EINVAL when PARENB did not stick and, as it reads back, nothing else
        // changed (a pty set twice at one rate): the settings that matter are in place then.
        const std::error_code ec(errno, std::system_category());
        termios now{};
        if (ec != std::errc::invalid_argument || ::tcgetattr(fd, &now) != 0 || !transport::is_raw(now) ||
            (now.c_cflag & CSIZE) != CS8)
            return fail(ec, fmt::format("cannot configure {} at {} baud: {}", device, baud, ec.message()));
    }
    termios now{};
    const bool parity = ::tcgetattr(fd, &now) == 0 && (now.c_cflag & PARENB) != 0;
    ::tcflush(fd, TCIOFLUSH); // an earlier master's late reply is not an answer to us
    boost::system::error_code bec;
    desc.non_blocking(true, bec);
    return result_type{std::make_unique<device_stream>(std::move(desc), device, baud, parity), {}, {}};
}

asio::awaitable<transport::open_result<transport::tcp_stream>> connect_tcp(std::string_view where,
                                                                           duration limit) {
    using result_type = transport::open_result<transport::tcp_stream>;
    const auto hp = transport::parse_host_port(where);
    if (!hp)
        co_return result_type{nullptr, transport::errc::bad_endpoint,
                              fmt::format("{}: not a HOST:PORT address", where)};
    const auto ex = co_await asio::this_coro::executor;
    const auto deadline = clock::now() + limit;

    asio::ip::tcp::resolver resolver(ex);
    auto resolved = co_await transport::with_timeout(
        resolver.async_resolve(hp->host, std::to_string(hp->port), asio::as_tuple(asio::use_awaitable)),
        limit);
    if (!resolved)
        co_return result_type{nullptr, std::make_error_code(std::errc::timed_out),
                              fmt::format("cannot resolve {}: timed out", hp->host)};
    auto [rec, endpoints] = std::move(*resolved);
    if (rec)
        co_return result_type{nullptr, rec, fmt::format("cannot resolve {}: {}", hp->host, rec.message())};

    asio::ip::tcp::socket socket(ex);
    auto connected = co_await transport::with_timeout(
        asio::async_connect(socket, endpoints, asio::as_tuple(asio::use_awaitable)), deadline - clock::now());
    const auto name = fmt::format("{}:{}", hp->host, hp->port);
    if (!connected)
        co_return result_type{nullptr, std::make_error_code(std::errc::timed_out),
                              fmt::format("cannot connect to {}: timed out", name)};
    auto [cec, endpoint] = *connected;
    (void)endpoint;
    if (cec)
        co_return result_type{nullptr, cec, fmt::format("cannot connect to {}: {}", name, cec.message())};
    co_return result_type{std::make_unique<transport::tcp_stream>(std::move(socket)), {}, {}};
}

} // namespace mbus::master
