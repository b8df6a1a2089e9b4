#pragma once
// A pseudo-terminal that masters open as if it were a serial port.
//
// Two things a plain pty gets wrong for M-Bus masters, and what this one does about them:
// - When the last program that has the slave side open closes it, the master side reads EIO, and
//   reading again busy-loops. We keep a slave descriptor open ourselves, so masters can open, close and
//   reopen the device any number of times and our side never notices.
// - Parity: Linux keeps no parity on a pty (pty_set_termios clears PARENB and forces CS8 on every
//   call). Debian's glibc reads the settings back before and after each tcsetattr() and fails it with
//   EINVAL when nothing changed and PARENB, CREAD or CSIZE differ from what was asked. So the same 8E1
//   request twice fails the second time: pyserial raises termios.error 22 on its second open, libmbus
//   at -b 2400 prints "Failed to set baud rate" (it sets 2400 on connect and again 2 us later).
//   After each change by a master we record the rate it set, then move the speed to B50 or B75 (never
//   used by M-Bus; alternated, so that a reset landing inside a master's call shows as a change), and
//   its next request always changes something. The reset must land before the master's next call:
//   per-CPU watch threads (termios_watch.hpp) do it before the master's tcsetattr() even returns;
//   our reader (packet mode with EXTPROC) is the fallback, tens of microseconds late. guard() says which.
//   That is a race the watch nearly always wins; masters run with the PTY shim (pty_shim/pty_shim.c,
//   which `mbus-sim test` preloads) do not depend on it.
// - Stale replies: bytes we wrote that no master read (it had closed the device) are dropped when the
//   next master configures the line, as a serial port that nobody has open drops what arrives.

#include <mbus/transport/byte_stream.hpp>
#include <mbus/transport/termios_watch.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

namespace mbus::transport {

struct pty_options {
    std::string link;    // optional stable path: a symbolic link to the slave, replaced if it is a link,
                         // never over a regular file; removed on close while it still points to us
    bool realtime{true}; // let the watch threads ask for real-time priority (false: measure without it)
};

class pty final : public byte_stream {
  public:
    // No default argument on purpose: GCC 12 mishandles a defaulted temporary in an expression that
    // also holds a co_await (it frees it twice), and open() is called from coroutines.
    static open_result<pty> open(const asio::any_io_executor& ex, const pty_options& options);
    static open_result<pty> open(const asio::any_io_executor& ex) { return open(ex, pty_options{}); }
    ~pty() override;

    asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<byte> buf) override;
    asio::awaitable<std::error_code> write(bytes_view data) override;
    std::string describe() const override;
    unsigned baud() const override;
    void close() override;

    const std::string& slave_path() const noexcept; // "/dev/pts/3": what masters open
    const std::string& link_path() const noexcept;  // empty without pty_options::link

    line_settings line() const noexcept;
    // Whether back-to-back identical 8E1 requests are safe: worth logging when it is not realtime.
    line_guard guard() const noexcept;
    // Called (on the io_context) each time a master changes the line settings, e.g. to log the rate
    // and to check it against the meter's when strict baud checking is on. Replaces the previous one.
    void on_line_change(std::function<void(const line_settings&)> fn) override;
    // Completes once line().changes > seen (at once if it already is); put a deadline on it.
    asio::awaitable<line_settings> wait_line_change(std::uint64_t seen);

    // Bytes a master wrote while our buffer was full (nobody reading for a long time); dropped as a
    // UART overrun would drop them.
    std::uint64_t overrun() const noexcept;

    struct state;

  private:
    explicit pty(std::shared_ptr<state> s);
    std::shared_ptr<state> s_;
};

} // namespace mbus::transport
