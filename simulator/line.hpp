#pragma once
// What the master commands (scan, read) share: opening LINE ("tcp:HOST:PORT" or a device path),
// the timing and retry options, and a transcript hook that prints every frame for --verbose.

#include <mbus/master/master.hpp>
#include <mbus/master/transcript.hpp>
#include <mbus/transport/byte_stream.hpp>

#include <CLI/CLI.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <iosfwd>
#include <memory>
#include <string>

namespace mbus::cli {

namespace asio = boost::asio;

// Exit codes of the master commands.
inline constexpr int exit_found = 0;   // something answered (scan) / the readout succeeded (read)
inline constexpr int exit_nothing = 1; // nothing answered, the readout failed, or the line failed
inline constexpr int exit_usage = 2;

struct line_options {
    std::string line;       // "tcp:HOST:PORT" or a device path
    unsigned baud{2400};    // for a device; on TCP only the timing follows it
    unsigned retries{2};    // repeats after a garbled answer, and (read) after a silent one
    unsigned timeout_ms{0}; // the response window; 0: EN 13757-2's for the baud rate, plus a margin
    bool verbose{false};
    bool quiet{false}; // only the result and errors: no progress, no notes
    bool debug{false}; // libmbus's -d: every frame sent and received, as its tools dump them

    // The timing for the line as opened (master::timing::for_line: what carries the bytes decides
    // how long an answer may still be coming).
    master::master_options master(transport::carrier c = transport::carrier::stream) const;
    // The rate the timing assumes: --baud, or 2400 on TCP.
    unsigned timing_baud() const;
};

// Adds LINE and -b/--baud, --retries, --timeout-ms, -v/--verbose, -q/--quiet, -d/--debug to a subcommand.
void add_line_options(CLI::App& app, line_options& o);

struct opened_line {
    std::unique_ptr<transport::byte_stream> stream;
    std::string error; // "cannot open /dev/ttyUSB9: No such file or directory"
};
asio::awaitable<opened_line> open_line(const line_options& o);

// Runs a master command's coroutine on an io_context of its own to the end: its exit code (an
// exception it throws goes on to the caller).
int run_to_exit(asio::awaitable<int> command);

// Writes each transcript entry as a line ("sent 10 40 05 45 16 (SND_NKE a=5)") to `os`.
master::transcript_hook print_frames(std::ostream& os);

// Writes what libmbus's tools write with -d: "[2026-12-06 11:50:00] SEND (005): 10 40 05 45 16", RECV for
// every frame or junk that came back, so that logs of both can be compared line by line.
master::transcript_hook dump_frames(std::ostream& os);

// The hook a master command uses: --verbose's lines, --debug's dump, both or none.
master::transcript_hook frame_printer(const line_options& o, std::ostream& os);

} // namespace mbus::cli
