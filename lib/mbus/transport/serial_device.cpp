#include <mbus/transport/serial_device.hpp>

#include <mbus/transport/errc.hpp>
#include <mbus/transport/stream_io.hpp>
#include <mbus/transport/termios_speed.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>

namespace mbus::transport {

serial_device::serial_device(asio::posix::stream_descriptor fd, std::string device, unsigned baud,
                             bool parity_applied)
    : fd_(std::move(fd)), device_(std::move(device)), baud_(baud), parity_applied_(parity_applied) {}

serial_device::~serial_device() { close(); }

asio::awaitable<std::pair<std::error_code, std::size_t>> serial_device::read_some(std::span<byte> buf) {
    return detail::read_some(fd_, buf);
}

asio::awaitable<std::error_code> serial_device::write(bytes_view data) {
    return detail::write_open(fd_, data);
}

std::string serial_device::describe() const {
    return fmt::format("serial {} {} 8E1{}", device_, baud_,
                       parity_applied_ ? "" : " (the device ignores parity)");
}

void serial_device::close() {
    boost::system::error_code ec;
    fd_.close(ec);
}

open_result<serial_device> open_serial_device(const asio::any_io_executor& ex, const std::string& device,
                                              unsigned baud) {
    using result_type = open_result<serial_device>;
    auto fail = [](std::error_code ec, std::string message) {
        return result_type{nullptr, ec, std::move(message)};
    };
    const auto speed = speed_code(baud);
    if (!speed)
        return fail(errc::unsupported_baud, fmt::format("{}: unsupported baud rate {}", device, baud));
    // Non-blocking: open() of a modem line would otherwise wait for carrier.
    const int fd = ::open(device.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const std::error_code ec(errno, std::system_category());
        return fail(ec, fmt::format("cannot open {}: {}", device, ec.message()));
    }
    asio::posix::stream_descriptor desc(ex, fd);
    if (!::isatty(fd)) return fail(errc::not_a_tty, fmt::format("{} is not a serial device", device));
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
        if (ec != std::errc::invalid_argument || ::tcgetattr(fd, &now) != 0 || !is_raw(now) ||
            (now.c_cflag & CSIZE) != CS8)
            return fail(ec, fmt::format("cannot configure {} at {} baud: {}", device, baud, ec.message()));
    }
    termios now{};
    const bool parity = ::tcgetattr(fd, &now) == 0 && (now.c_cflag & PARENB) != 0;
    ::tcflush(fd, TCIOFLUSH); // an earlier master's late reply is not an answer to us
    boost::system::error_code bec;
    desc.non_blocking(true, bec);
    return result_type{std::make_unique<serial_device>(std::move(desc), device, baud, parity), {}, {}};
}

} // namespace mbus::transport
