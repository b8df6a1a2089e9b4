#pragma once
// Opening the line from the master's side: a serial device or the simulator's pty (raw, 8E1 at a
// baud rate, as libmbus and pyserial open it), or a TCP connection to HOST:PORT.

#include <mbus/core/time.hpp>
#include <mbus/transport/byte_stream.hpp>
#include <mbus/transport/tcp.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <string>
#include <string_view>

namespace mbus::master {

namespace asio = boost::asio;

// A serial device (or pty) as a master holds it. Unlike transport::serial_port (the slave's side),
// opening it does not read the speed back to check it: the simulator's pty moves its speed to a
// marker rate the instant a master has set it (see transport/pty.hpp), so a read-back races it and
// reads B50. A master trusts tcsetattr, as libmbus and pyserial do.
class device_stream final : public transport::byte_stream {
  public:
    device_stream(asio::posix::stream_descriptor fd, std::string device, unsigned baud, bool parity_applied);
    ~device_stream() override;

    asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<byte> buf) override;
    asio::awaitable<std::error_code> write(bytes_view data) override;
    std::string describe() const override; // "serial /dev/pts/3 2400 8E1"
    unsigned baud() const override { return baud_; }
    void close() override;

    // False when the device took the settings but no parity (a pty): bytes still flow, and the
    // frames' checksums are the only check left.
    bool parity_applied() const noexcept { return parity_applied_; }

  private:
    asio::posix::stream_descriptor fd_;
    std::string device_;
    unsigned baud_;
    bool parity_applied_;
};

// Opens `device` raw at `baud`, 8E1, non-blocking, and drops whatever was waiting in it. Errors name
// the device: "cannot open /dev/ttyUSB9: No such file or directory", "/dev/null is not a serial
// device", "/dev/ttyS0: unsupported baud rate 12345".
transport::open_result<device_stream> open_serial(const asio::any_io_executor& ex, const std::string& device,
                                                  unsigned baud);

// Connects to "HOST:PORT" (":PORT" or "PORT": 127.0.0.1), resolving and connecting within `limit`.
// Errors: bad_endpoint for a malformed address, std::errc::timed_out, the OS's (connection refused);
// the message names the address.
asio::awaitable<transport::open_result<transport::tcp_stream>> connect_tcp(std::string_view where,
                                                                           duration limit);

} // namespace mbus::master
