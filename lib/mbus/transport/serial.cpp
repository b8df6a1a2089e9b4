#include <mbus/transport/serial.hpp>

#include <mbus/transport/detail/raw_tty.hpp>
#include <mbus/transport/stream_io.hpp>
#include <mbus/transport/termios_speed.hpp>

#include <fmt/format.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace mbus::transport {

namespace {

// Unix98 pty slaves (/dev/pts/N) have character majors 136..143 (Documentation/admin-guide/devices.txt).
bool is_pty_slave(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode)) return false;
    const auto major_number = major(st.st_rdev);
    return major_number >= 136 && major_number <= 143;
}

char parity_letter(parity p) {
    switch (p) {
    case parity::none: return 'N';
    case parity::even: return 'E';
    case parity::odd: return 'O';
    }
    return '?';
}

} // namespace

open_result<serial_port> serial_port::open(const asio::any_io_executor& ex, const serial_options& options) {
    const auto& dev = options.device;
    auto fail = [](std::error_code ec, std::string message) {
        return open_result<serial_port>{nullptr, ec, std::move(message)};
    };
    auto opened = detail::open_raw_tty(ex, dev, options.baud);
    if (!opened.tty) return fail(opened.error, std::move(opened.message));
    auto& [desc, t, speed] = *opened.tty;
    const int fd = desc.native_handle();
    if (options.par != parity::none) {
        t.c_cflag |= PARENB;
        if (options.par == parity::odd) t.c_cflag |= PARODD;
        // A character with a parity or framing error is dropped, as a meter's UART drops it; the frame
        // it belonged to then fails its length or checksum and the parser skips it.
        t.c_iflag |= INPCK | IGNPAR;
    }
    // Debian's glibc reports EINVAL when a call changed nothing and PARENB did not stick (a pty, or a
    // second open at the same settings); the read-back below decides what really holds.
    if (::tcsetattr(fd, TCSANOW, &t) != 0 && errno != EINVAL) {
        auto ec = detail::last_os_error();
        return fail(ec, fmt::format("cannot configure {} at {} baud: {}", dev, options.baud, ec.message()));
    }
    termios now{};
    ::tcgetattr(fd, &now);
    // A pty has no speed of its own, and the simulator's pty moves it to a marker rate the instant
    // it is set (transport/pty.hpp): only a real device's read-back says whether the rate holds.
    if (cfgetospeed(&now) != speed && !is_pty_slave(fd))
        return fail(errc::unsupported_baud,
                    fmt::format("{}: the device does not take {} baud", dev, options.baud));
    if (!is_raw(now) || (now.c_cflag & CSIZE) != CS8)
        return fail(std::make_error_code(std::errc::invalid_argument),
                    fmt::format("{}: the device does not take raw 8-bit mode", dev));
    const bool parity_ok = options.par == parity::none || (now.c_cflag & PARENB) != 0;
    detail::start_listening(desc); // whatever was on the line before we listened is not a request to us
    return open_result<serial_port>{
        std::unique_ptr<serial_port>(new serial_port(std::move(desc), options, parity_ok)), {}, {}};
}

serial_port::serial_port(asio::posix::stream_descriptor fd, serial_options options, bool parity_applied)
    : fd_(std::move(fd)), options_(std::move(options)), parity_applied_(parity_applied) {}

serial_port::~serial_port() { close(); }

asio::awaitable<std::pair<std::error_code, std::size_t>> serial_port::read_some(std::span<byte> buf) {
    return detail::read_some(fd_, buf);
}

asio::awaitable<std::error_code> serial_port::write(bytes_view data) { return detail::write_open(fd_, data); }

std::string serial_port::describe() const {
    return fmt::format("serial {} {} 8{}1{}", options_.device, options_.baud, parity_letter(options_.par),
                       parity_applied_ ? "" : " (the device ignores parity)");
}

unsigned serial_port::baud() const { return options_.baud; }

void serial_port::close() {
    boost::system::error_code ec;
    fd_.close(ec);
}

bool serial_port::parity_applied() const noexcept { return parity_applied_; }

} // namespace mbus::transport
