#include "line.hpp"

#include <mbus/transport/serial_device.hpp>
#include <mbus/transport/tcp_connect.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <exception>
#include <ostream>
#include <utility>

namespace mbus::cli {

unsigned line_options::timing_baud() const { return line.starts_with("tcp:") ? 2400 : baud; }

master::master_options line_options::master(transport::carrier c) const {
    master::master_options m;
    m.timing = master::timing::for_line(c, timing_baud());
    if (timeout_ms != 0) m.timing.response_timeout = std::chrono::milliseconds(timeout_ms);
    m.retries = retries;
    return m;
}

void add_line_options(CLI::App& app, line_options& o) {
    app.add_option("line", o.line, "The M-Bus line: a serial device or pty path, or tcp:HOST:PORT")
        ->required();
    app.add_option("--baud", o.baud, "Baud rate of a serial line (default 2400)")
        ->check(CLI::IsMember({300, 600, 1200, 2400, 4800, 9600, 19200, 38400}));
    app.add_option("--retries", o.retries,
                   "Repeats of a request whose answer came back garbled, or (read) did not come (default 2)")
        ->check(CLI::Range(0, 10));
    app.add_option("--timeout-ms", o.timeout_ms,
                   "How long to wait for the first byte of an answer (default: EN 13757-2's window for "
                   "the baud rate plus 20 ms on a serial line or pty, 50 ms on TCP)")
        ->check(CLI::Range(1, 60000));
    app.add_flag("-v,--verbose", o.verbose,
                 "Print every frame sent and received and the timing (on stderr); scan also prints the "
                 "physical bound next to the elapsed time");
}

int run_to_exit(asio::awaitable<int> command) {
    asio::io_context io{1};
    int code = exit_nothing;
    std::exception_ptr error;
    asio::co_spawn(io, std::move(command), [&](std::exception_ptr e, int c) {
        error = e;
        code = c;
    });
    io.run();
    if (error) std::rethrow_exception(error);
    return code;
}

asio::awaitable<opened_line> open_line(const line_options& o) {
    opened_line out;
    if (o.line.starts_with("tcp:")) {
        auto s = co_await transport::connect_tcp(std::string_view(o.line).substr(4), std::chrono::seconds(5));
        if (!s)
            out.error = s.message;
        else
            out.stream = std::move(s.stream);
        co_return out;
    }
    auto s = transport::open_serial_device(co_await asio::this_coro::executor, o.line, o.baud);
    if (!s)
        out.error = s.message;
    else
        out.stream = std::move(s.stream);
    co_return out;
}

master::transcript_hook print_frames(std::ostream& os) {
    return [&os](const master::transcript_entry& e) { os << e << '\n'; };
}

} // namespace mbus::cli
