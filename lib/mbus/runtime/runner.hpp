#pragma once
// The runner: puts one simulated bus (sim::bus built from a scenario) on any number of transports.
//
// Every stream (a pty, a serial device, each TCP connection) is a session: its bytes go through a
// link::stream_parser, junk is logged and counted, and each complete frame becomes a request. All
// requests, from every session, wait in one queue and are served one at a time in arrival order, as
// on a single pair of wires: the bus answers, the runner waits the answer's delay (counted from the
// end of the request) and writes it to the session the request came from, whole (fast timing) or
// one character per 11 bit times at the answer's rate (realistic timing). A session that ends
// (a dropped connection) ends alone; the runner stops only when told, or on a stop condition.
//
// One io_context on one thread: the runner and its transports must all use the same executor and
// never be touched from another thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include <mbus/core/time.hpp>
#include <mbus/runtime/log.hpp>
#include <mbus/runtime/stats.hpp>
#include <mbus/scenario/scenario.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/transport/byte_stream.hpp>
#include <mbus/transport/pty.hpp>
#include <mbus/transport/serial.hpp>
#include <mbus/transport/tcp.hpp>

namespace mbus::runtime {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct runner_options {
    // A master that pauses longer than this inside a frame has given up on it: the partial frame is
    // dropped (and logged as junk) so that its next request is read cleanly. Far above the gaps of a
    // frame written in one go, below the 200-300 ms a master like libmbus waits before it retries.
    // At low rates a session stretches it to three character times at its line rate.
    std::chrono::microseconds gap_timeout{100ms};

    // A write that cannot finish in this time (nobody reads the pty, a stalled TCP peer) is given up
    // and logged, so that one stuck session cannot hold the bus.
    duration write_timeout{2s};

    // Stop conditions; zero means none.
    std::uint64_t max_requests{0}; // stop once this many requests have been served
    duration max_duration{};       // stop this long after the runner was made
    duration idle_limit{};         // stop when no byte has come from any master for this long

    friend bool operator==(const runner_options&, const runner_options&) = default;
};

class runner {
  public:
    // The bus is built from the scenario's settings and meters at once; transports are added later.
    runner(const asio::any_io_executor& ex, const scenario::scenario& sc, logger log,
           runner_options options = {});
    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;
    ~runner(); // stops, if not stopped yet

    // Each transport is served until stop(). A pty logs every line change a master makes; its line
    // rate (0 until a master sets one) goes to the bus with each request, so that with strict baud
    // meters at another rate stay silent as on a real wire. A serial port's rate is the one it was
    // opened at; TCP carries none (0).
    void add(std::unique_ptr<transport::pty> p);
    void add(std::unique_ptr<transport::serial_port> s);
    void add(std::unique_ptr<transport::tcp_listener> l); // a session per accepted connection
    void add(std::unique_ptr<transport::byte_stream> s);  // any other stream

    // Closes every transport (a pty removes its link), ends every session and wait. Returns at
    // once; the io_context's run() returns when they have wound down, and then summary() tells what
    // the run did. Only the first call counts.
    void stop(std::string why);
    bool stopping() const;
    const std::string& stop_reason() const;
    // Called once, from the first stop() (e.g. to cancel a signal_set so that run() can return).
    void on_stop(std::function<void()> fn);

    const stats& counters() const;
    // Logs the one-line summary: why the run stopped, how long it ran, the counters.
    void summary();
    duration elapsed() const;
    sim::bus& bus();
    const scenario::bus_settings& settings() const;
    logger& log();

    struct state;

  private:
    std::shared_ptr<state> s_;
};

} // namespace mbus::runtime
