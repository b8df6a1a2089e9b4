#include <mbus/transport/serial_device.hpp>

#include <mbus/transport/detail/raw_tty.hpp>
#include <mbus/transport/errc.hpp>
#include <mbus/transport/stream_io.hpp>
#include <mbus/transport/termios_speed.hpp>

#include <fmt/format.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include <memory>
#include <string>

namespace mbus::transport {

namespace {

// Linux numbers the slave sides of pseudo-terminals (/dev/pts/N) with majors 136-143
// (UNIX98_PTY_SLAVE_MAJOR and UNIX98_PTY_MAJOR_COUNT); a link to one (`mbus-sim run --link`)
// resolves to the same device.
carrier carrier_of(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) return carrier::uart;
    const auto m = major(st.st_rdev);
    return m >= 136 && m <= 143 ? carrier::pty : carrier::uart;
}

} // namespace

serial_device::serial_device(asio::posix::stream_descriptor fd, std::string device, unsigned baud,
                             bool parity_applied, carrier kind, parity p, unsigned stop_bits)
    : fd_(std::move(fd)), device_(std::move(device)), baud_(baud), parity_applied_(parity_applied),
      carrier_(kind), parity_(p), stop_bits_(stop_bits) {}

serial_device::~serial_device() { close(); }

asio::awaitable<std::pair<std::error_code, std::size_t>> serial_device::read_some(std::span<byte> buf) {
    return detail::read_some(fd_, buf);
}

asio::awaitable<std::error_code> serial_device::write(bytes_view data) {
    return detail::write_open(fd_, data);
}

std::optional<std::size_t> serial_device::try_read(std::span<byte> buf) {
    return detail::try_read_now(fd_, buf);
}

std::string serial_device::describe() const {
    const char p = parity_ == parity::even ? 'E' : parity_ == parity::odd ? 'O' : 'N';
    return fmt::format("serial {} {} 8{}{}{}", device_, baud_, p, stop_bits_,
                       parity_applied_ || parity_ == parity::none ? "" : " (the device ignores parity)");
}

void serial_device::close() {
    boost::system::error_code ec;
    fd_.close(ec);
}

open_result<serial_device> open_serial_device(const asio::any_io_executor& ex, const std::string& device,
                                              unsigned baud, parity p, unsigned stop_bits) {
    using result_type = open_result<serial_device>;
    auto fail = [](std::error_code ec, std::string message) {
        return result_type{nullptr, ec, std::move(message)};
    };
    auto opened = detail::open_raw_tty(ex, device, baud);
    if (!opened.tty) return fail(opened.error, std::move(opened.message));
    auto& desc = opened.tty->fd;
    auto& t = opened.tty->settings;
    const int fd = desc.native_handle();
    // No INPCK: a character with a parity error still arrives, so that a collision shows as
    // garbled bytes instead of silence.
    t.c_cflag &= ~static_cast<tcflag_t>(PARODD);
    if (p != parity::none) t.c_cflag |= PARENB;
    if (p == parity::odd) t.c_cflag |= PARODD;
    // Two stop bits where a HAN document asks for them; a receiver set to two reads one-stop-bit
    // senders all the same only when they leave a gap.
    t.c_cflag &= ~static_cast<tcflag_t>(CSTOPB);
    if (stop_bits == 2) t.c_cflag |= CSTOPB;
    if (::tcsetattr(fd, TCSANOW, &t) != 0) {
        // Debian's glibc says EINVAL when PARENB did not stick and, as it reads back, nothing else
        // changed (a pty set twice at one rate): the settings that matter are in place then.
        const auto ec = detail::last_os_error();
        termios now{};
        if (ec != std::errc::invalid_argument || ::tcgetattr(fd, &now) != 0 || !is_raw(now) ||
            (now.c_cflag & CSIZE) != CS8)
            return fail(ec, fmt::format("cannot configure {} at {} baud: {}", device, baud, ec.message()));
    }
    termios now{};
    const bool applied = ::tcgetattr(fd, &now) == 0 && (now.c_cflag & PARENB) != 0;
    detail::start_listening(desc); // an earlier master's late reply is not an answer to us
    const auto kind = carrier_of(fd);
    return result_type{
        std::make_unique<serial_device>(std::move(desc), device, baud, applied, kind, p, stop_bits), {}, {}};
}

} // namespace mbus::transport
