// mbus-sim record DEVICE|tcp:HOST:PORT --out FILE: capture a live byte stream (a HAN port, a wired
// M-Bus line, a HAN-to-TCP bridge) with the time of every read, in mbus-sim's capture format
// (capture/capture_file.hpp), which a [[replay]] sends again. The file is flushed at every read, so
// that a capture stopped by Ctrl-C is whole; it ends at --seconds, when the stream ends, or on
// SIGINT/SIGTERM, with a summary on stderr.
// Exit 0 with a capture (even an empty one), 1 when the source or the file cannot be opened.

#include "command.hpp"

#include <mbus/runtime/recorder.hpp>
#include <mbus/transport/serial_device.hpp>
#include <mbus/transport/tcp_connect.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>

namespace mbus::cli {
namespace {

namespace asio = boost::asio;

struct record_options {
    std::string source;
    std::string out;
    double seconds{0};
    unsigned baud{2400};
    std::string parity{"even"};
    unsigned stop_bits{1};
};

std::string utc_now() {
    const auto now =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", now);
}

asio::awaitable<int> record(const record_options& o) {
    const auto ex = co_await asio::this_coro::executor;
    std::unique_ptr<transport::byte_stream> in;
    capture::capture_header h{o.source, {}, utc_now()};
    if (o.source.starts_with("tcp:")) {
        auto s =
            co_await transport::connect_tcp(std::string_view(o.source).substr(4), std::chrono::seconds(5));
        if (!s) {
            std::cerr << "mbus-sim record: " << s.message << '\n';
            co_return 1;
        }
        in = std::move(s.stream);
    } else {
        const auto p = o.parity == "none"  ? transport::parity::none
                       : o.parity == "odd" ? transport::parity::odd
                                           : transport::parity::even;
        auto s = transport::open_serial_device(ex, o.source, o.baud, p, o.stop_bits);
        if (!s) {
            std::cerr << "mbus-sim record: " << s.message << '\n';
            co_return 1;
        }
        h.line = fmt::format("{} 8{}{}", o.baud,
                             o.parity == "none"  ? 'N'
                             : o.parity == "odd" ? 'O'
                                                 : 'E',
                             o.stop_bits);
        in = std::move(s.stream);
    }
    std::ofstream file(o.out, std::ios::binary | std::ios::trunc);
    if (!file) {
        std::cerr << "mbus-sim record: cannot write " << o.out << '\n';
        co_return 1;
    }
    capture::capture_writer writer(file, h);
    runtime::recorder rec(*in, writer);
    asio::signal_set signals(ex, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        rec.stop();
        in->close(); // the read in progress ends now
    });
    std::cerr << "recording " << o.source << " to " << o.out << '\n';
    std::optional<duration> limit;
    if (o.seconds > 0) limit = std::chrono::duration_cast<duration>(std::chrono::duration<double>(o.seconds));
    const auto sum = co_await rec.run(limit);
    signals.cancel();
    std::cerr << fmt::format("recorded {} chunks, {} bytes in {} s to {} ({})\n", sum.chunks, sum.bytes,
                             capture::seconds_text(sum.elapsed), o.out, sum.ended);
    co_return file ? 0 : 1;
}

command setup(CLI::App& parent) {
    auto o = std::make_shared<record_options>();
    auto* app = parent.add_subcommand(
        "record", "Capture a live byte stream (HAN or wired M-Bus) with timestamps, for a [[replay]]");
    app->add_option("source", o->source,
                    "A serial device or pty path, or tcp:HOST:PORT (nothing is written to it)")
        ->required();
    app->add_option("-o,--out", o->out, "The capture file to write (mbus-sim's capture format)")->required();
    app->add_option("--seconds", o->seconds, "Stop after this many seconds (default: at EOF or Ctrl-C)")
        ->check(positive);
    app->add_option("-b,--baud", o->baud, "Baud rate of a serial device (default 2400)")
        ->check(CLI::IsMember({300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200}));
    app->add_option("--parity", o->parity,
                    "Parity of a serial device: even (default, M-Bus, Aidon and Kaifa HAN), none "
                    "(Kamstrup HAN) or odd")
        ->check(CLI::IsMember({"even", "none", "odd"}));
    app->add_option("--stop-bits", o->stop_bits, "Stop bits of a serial device: 1 (default) or 2")
        ->check(CLI::IsMember({1, 2}));
    return {app, [o] {
                asio::io_context io{1};
                int code = 1;
                std::exception_ptr error;
                asio::co_spawn(io, record(*o), [&](std::exception_ptr e, int c) {
                    error = e;
                    code = c;
                });
                io.run();
                if (error) std::rethrow_exception(error);
                return code;
            }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
