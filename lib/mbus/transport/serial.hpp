#pragma once
// A real serial device (/dev/ttyAMA0, /dev/ttyUSB0 behind an M-Bus level converter), opened raw at a
// fixed rate with 8E1 framing as EN 13757-2 asks.

#include <mbus/transport/byte_stream.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <string>

namespace mbus::transport {

enum class parity { none, even, odd };

struct serial_options {
    std::string device;
    unsigned baud = 2400;
    parity par = parity::even;
};

class serial_port final : public byte_stream {
  public:
    // Errors name the device: "cannot open /dev/ttyUSB9: No such file or directory",
    // "/dev/ttyUSB0: unsupported baud rate 12345", "/dev/null is not a serial device".
    static open_result<serial_port> open(const asio::any_io_executor& ex, const serial_options& options);
    ~serial_port() override;

    asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<byte> buf) override;
    asio::awaitable<std::error_code> write(bytes_view data) override;
    std::string describe() const override; // "serial /dev/ttyUSB0 2400 8E1"
    unsigned baud() const override;
    void close() override;

    // False when the device took every setting but parity (a pty does): bytes still flow, and the
    // frames' own checksums are the only check left.
    bool parity_applied() const noexcept;

  private:
    serial_port(asio::posix::stream_descriptor fd, serial_options options, bool parity_applied);

    asio::posix::stream_descriptor fd_;
    serial_options options_;
    bool parity_applied_ = false;
};

} // namespace mbus::transport
