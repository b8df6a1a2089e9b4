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
// Faults and timeline: with [[fault]]s or [[event]]s in the scenario, a sim::fault_engine is the
// bus's hooks. Before each request the timeline's due events are carried out (a count of requests
// served so far), and a timer carries out timed events at their time when no request comes. An
// answer a fault delays far beyond the master's timeout still goes out at its time, and later
// requests wait in the queue; pauses inside an answer (bus_reply::gaps) are kept on the wire.
//
// Transcript records, in order: a request when it is taken from the queue (stamped with the arrival
// of its last byte), then its reply (stamped when the last byte was written) or silence; junk when
// the parser reports it; events for sessions opening and closing, line changes, timeline events, a
// wake-up preamble (0x00 bytes right before a frame: an event, not junk, and passed to the bus as
// request_context::preamble_zeros) and answers that could not be delivered.
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
#include <mbus/harness/counters.hpp>
#include <mbus/harness/record.hpp>
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

    // Every transcript record as it happens (requests, replies, silences, junk, events), in order.
    // Several hooks may be added (the JSON-lines writer, the expectations of `mbus-sim test`).
    void on_record(std::function<void(const harness::record&)> fn);
    // The counters per request kind so far (built from the same records).
    const harness::counters& kind_counters() const;

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
