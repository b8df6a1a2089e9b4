#include "line.hpp"

#include <mbus/transport/serial_device.hpp>
#include <mbus/transport/tcp_connect.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <ctime>
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
    app.add_option("-b,--baud", o.baud, "Baud rate of a serial line (default 2400)")
        ->check(CLI::IsMember({300, 600, 1200, 2400, 4800, 9600, 19200, 38400}));
    app.add_option("--retries", o.retries,
                   "Repeats of a request whose answer came back garbled, or (read) did not come (default 2)")
        ->check(CLI::Range(0, 10));
    app.add_option("--timeout-ms", o.timeout_ms,
                   "How long to wait for the first byte of an answer (default: EN 13757-2's window for "
                   "the baud rate plus 20 ms on a serial line or pty, 50 ms on TCP)")
        ->check(CLI::Range(1, 60000));
    auto* verbose = app.add_flag("-v,--verbose", o.verbose,
                                 "Print every frame sent and received and the timing (on stderr); scan also "
                                 "prints the physical bound next to the elapsed time");
    app.add_flag("-q,--quiet", o.quiet,
                 "Print only the result and errors: no progress line, no meters as they are found, no notes")
        ->excludes(verbose);
    app.add_flag("-d,--debug", o.debug,
                 "Dump every frame sent and received on stderr as libmbus's tools do with -d "
                 "(\"[time] SEND (005): 10 40 05 45 16\")");
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

master::transcript_hook dump_frames(std::ostream& os) {
    return [&os](const master::transcript_entry& e) {
        const bool sent = e.kind == master::transcript_kind::sent;
        if (!sent && e.kind != master::transcript_kind::received && e.kind != master::transcript_kind::junk)
            return;
        // libmbus stamps its dump with the UTC wall clock, to the second.
        const std::time_t t = std::chrono::system_clock::to_time_t(e.wall);
        std::tm utc{};
        ::gmtime_r(&t, &utc);
        os << fmt::format("[{:%Y-%m-%d %H:%M:%S}] {} ({:03}):", utc, sent ? "SEND" : "RECV", e.raw.size());
        for (const auto b : e.raw)
            os << fmt::format(" {:02X}", b);
        os << '\n' << std::flush;
    };
}

master::transcript_hook frame_printer(const line_options& o, std::ostream& os) {
    auto verbose = o.verbose ? print_frames(os) : master::transcript_hook{};
    auto debug = o.debug ? dump_frames(os) : master::transcript_hook{};
    if (!verbose || !debug) return verbose ? verbose : debug;
    return [verbose, debug](const master::transcript_entry& e) {
        debug(e);
        verbose(e);
    };
}

} // namespace mbus::cli
