#pragma once
// A serial device or the simulator's pty opened from the master's side: raw, 8E1 at a baud rate, as
// libmbus and pyserial open it.

#include <mbus/transport/byte_stream.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <string>

namespace mbus::transport {

// The parity a device is opened with: M-Bus is 8E1; HAN ports differ by make (a capture follows them).
enum class parity : std::uint8_t { even, odd, none };

// A serial device (or pty) as a master holds it. Unlike serial_port (the slave's side, serial.hpp),
// opening it does not read the speed back to check it: the simulator's pty moves its speed to a
// marker rate the instant a master has set it (see transport/pty.hpp), so a read-back races it and
// reads B50. A master trusts tcsetattr, as libmbus and pyserial do.
class serial_device final : public byte_stream {
  public:
    serial_device(asio::posix::stream_descriptor fd, std::string device, unsigned baud, bool parity_applied,
                  carrier kind = carrier::uart, parity p = parity::even, unsigned stop_bits = 1);
    ~serial_device() override;

    asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<byte> buf) override;
    asio::awaitable<std::error_code> write(bytes_view data) override;
    std::optional<std::size_t> try_read(std::span<byte> buf) override;
    std::string describe() const override; // "serial /dev/pts/3 2400 8E1" (8O1, 8N1, 8E2)
    unsigned baud() const override { return baud_; }
    // pty for a pseudo-terminal's slave side (Linux: major numbers 136-143), else uart.
    carrier carried_by() const override { return carrier_; }
    void close() override;

    // False when the device took the settings but no parity (a pty): bytes still flow, and the
    // frames' checksums are the only check left.
    bool parity_applied() const noexcept { return parity_applied_; }

  private:
    asio::posix::stream_descriptor fd_;
    std::string device_;
    unsigned baud_;
    bool parity_applied_;
    carrier carrier_;
    parity parity_;
    unsigned stop_bits_;
};

// Opens `device` raw at `baud`, 8E1 (or the parity and stop bits, 1 or 2, given), non-blocking, and drops
// whatever was waiting in it. Errors name the device: "cannot open /dev/ttyUSB9: No such file or directory",
// "/dev/null is not a serial device", "/dev/ttyS0: unsupported baud rate 12345".
open_result<serial_device> open_serial_device(const asio::any_io_executor& ex, const std::string& device,
                                              unsigned baud, parity p = parity::even, unsigned stop_bits = 1);

} // namespace mbus::transport
