#include <mbus/transport/detail/raw_tty.hpp>

#include <mbus/transport/errc.hpp>
#include <mbus/transport/termios_speed.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace mbus::transport::detail {

std::error_code last_os_error() { return {errno, std::system_category()}; }

raw_tty_result open_raw_tty(const asio::any_io_executor& ex, const std::string& device, unsigned baud) {
    auto fail = [](std::error_code ec, std::string message) {
        return raw_tty_result{std::nullopt, ec, std::move(message)};
    };
    const auto speed = speed_code(baud);
    if (!speed)
        return fail(errc::unsupported_baud, fmt::format("{}: unsupported baud rate {}", device, baud));
    const int fd = ::open(device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        auto ec = last_os_error();
        return fail(ec, fmt::format("cannot open {}: {}", device, ec.message()));
    }
    raw_tty r{asio::posix::stream_descriptor(ex, fd), {}, *speed};
    if (!::isatty(fd)) return fail(errc::not_a_tty, fmt::format("{} is not a serial device", device));
    if (::tcgetattr(fd, &r.settings) != 0) {
        auto ec = last_os_error();
        return fail(ec, fmt::format("cannot read the settings of {}: {}", device, ec.message()));
    }
    auto& t = r.settings;
    cfmakeraw(&t);
    t.c_cflag &= ~static_cast<tcflag_t>(CSIZE | CSTOPB | PARENB | PARODD | CMSPAR | CRTSCTS);
    t.c_cflag |= CS8 | CREAD | CLOCAL;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, *speed);
    cfsetospeed(&t, *speed);
    return raw_tty_result{std::move(r), {}, {}};
}

void start_listening(asio::posix::stream_descriptor& fd) {
    ::tcflush(fd.native_handle(), TCIOFLUSH);
    boost::system::error_code ec;
    fd.non_blocking(true, ec);
}

} // namespace mbus::transport::detail
