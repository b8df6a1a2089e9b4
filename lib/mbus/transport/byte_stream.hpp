#pragma once
// The transports know only bytes: a session reads what a master sent and writes what a meter answers,
// whether the bytes travel over a pty, a TCP connection or a real serial port.

#include <mbus/core/bytes.hpp>
#include <mbus/transport/errc.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace mbus::transport {

namespace asio = boost::asio;

// The line as the last master configured it (a pty; a serial port or TCP has no master settings).
struct line_settings {
    unsigned baud = 0;         // the rate the master set; 0 = no master has set one yet
    bool raw = false;          // no echo, line editing or byte mapping (see is_raw in termios_speed.hpp)
    std::uint64_t changes = 0; // how many settings by masters we have seen

    friend bool operator==(const line_settings&, const line_settings&) = default;
};
std::ostream& operator<<(std::ostream& os, const line_settings& l);

// What carries the bytes to the far end, for a master's timing (master/exchange.hpp): how long an
// answer may still be coming once a complete frame has arrived.
enum class carrier : std::uint8_t {
    stream, // a socket (or memory): bytes come as the far end wrote them, no rate on the way
    pty,    // a pseudo-terminal: no rate, no parity; the far end writes a collision as one stream
    uart,   // a serial port: a request takes its bit times to leave, and every slave on the wire may
            // start its answer anywhere in the response window
};
std::string_view name(carrier c); // "stream", "pty", "uart"

class byte_stream {
  public:
    byte_stream() = default;
    byte_stream(const byte_stream&) = delete;
    byte_stream& operator=(const byte_stream&) = delete;
    virtual ~byte_stream() = default;

    // Waits for at least one byte and returns what is available, up to buf.size(). Errors are values:
    // errc::closed when the peer or close() ended the stream, which ends the session. Cancellable
    // (e.g. by with_timeout), which gives std::errc::operation_canceled.
    virtual asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<byte> buf) = 0;

    // Writes all of data. A write that fits in the OS buffer (a single paced byte always does) completes
    // without suspending, so writing one byte at a time with a timer in between is cheap.
    virtual asio::awaitable<std::error_code> write(bytes_view data) = 0;

    // Writes what the stream takes at once, without waiting, and returns how much: the way to send a
    // whole answer without a coroutine switch when the peer keeps up. 0 when nothing went or the stream
    // cannot do that (write() then sends it and reports errors).
    virtual std::size_t try_write(bytes_view data) {
        (void)data;
        return 0;
    }

    // Reads what has already arrived, without waiting: how many bytes (0: none yet), or nullopt when
    // the stream cannot tell without waiting (a caller then reads with a short deadline). Errors,
    // a closed stream included, are left for the next read_some to report.
    virtual std::optional<std::size_t> try_read(std::span<byte> buf) {
        (void)buf;
        return std::nullopt;
    }

    // For logs: "pty /dev/pts/3", "tcp 127.0.0.1:5000 <- 127.0.0.1:40212", "serial /dev/ttyUSB0 2400 8E1".
    virtual std::string describe() const = 0;

    // The line rate the master uses, where the transport knows it (pty: what the master set last;
    // serial: what we opened it at); 0 = unknown.
    virtual unsigned baud() const { return 0; }

    // What carries the bytes (see carrier); a stream unless the transport knows better.
    virtual carrier carried_by() const { return carrier::stream; }

    // Ends the stream: pending and later reads give errc::closed. Idempotent.
    virtual void close() = 0;

    // Called (on the io_context) each time a master changes the line settings, so that the runtime
    // learns of them through this interface alone. Streams without settings of the master's (TCP, a
    // serial port we opened) never call it. Replaces the previous one.
    virtual void on_line_change(std::function<void(const line_settings&)> fn) { (void)fn; }
};

// Where sessions come from one after another (a TCP port); the runtime serves each as its own stream.
class listener {
  public:
    listener() = default;
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;
    virtual ~listener() = default;

    // The next stream; errors as values (operation_canceled after close()).
    virtual asio::awaitable<std::pair<std::error_code, std::unique_ptr<byte_stream>>> accept() = 0;
    virtual std::string describe() const = 0; // "tcp 127.0.0.1:5000"
    virtual void close() = 0;
};

// What opening a transport gives: the stream, or an error with a message that names the device or
// address ("cannot open /dev/ttyUSB9: No such file or directory").
template <class T>
struct open_result {
    std::unique_ptr<T> stream;
    std::error_code error;
    std::string message;

    explicit operator bool() const noexcept { return stream != nullptr; }
    T* operator->() const noexcept { return stream.get(); }
    T& operator*() const noexcept { return *stream; }
};

} // namespace mbus::transport
