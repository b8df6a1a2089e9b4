#pragma once
// The runner: puts one simulated bus (sim::bus built from a scenario) on any number of byte streams,
// and turns what happens into one stream of entries (harness/exchange.hpp) that observers subscribe to.
//
// Every stream (a pty, a serial device, each connection a listener accepts) is a session: its bytes go
// through a link::stream_parser, junk becomes a notice, and each complete frame becomes a request. All
// requests, from every session, wait in one queue and are served one at a time in arrival order, as
// on a single pair of wires: the bus answers, the runner waits the answer's delay (counted from the
// end of the request) and writes it to the session the request came from, whole (fast timing) or
// one character per 11 bit times at the answer's rate (realistic timing); immediate timing writes it
// at once. A session that ends (a dropped connection) ends alone; the runner stops only when told, or
// on a stop condition.
//
// Each request gives one exchange entry once its fate is known: the request and reply frames decoded
// once, the meters that took it and answered, collision, repetition, injected faults and timing.
// Everything else (junk, sessions opening and closing, line changes, timeline events, a wake-up
// preamble) is a notice. The log, the transcript, the counters and `mbus-sim test` are subscribers;
// subscribers may come and go while the bus runs.
//
// Faults and timeline: with [[fault]]s or [[event]]s in the scenario (or add_fault), a
// sim::fault_engine is the bus's hooks. Before each request the timeline's due events are carried out,
// and a timer carries out timed events at their time when no request comes. An answer a fault delays
// far beyond the master's timeout still goes out at its time, and later requests wait in the queue;
// pauses inside an answer (bus_reply::gaps) are kept on the wire.
//
// The runner knows streams only through transport::byte_stream and transport::listener. One
// io_context on one thread: the runner and its streams use the same executor; several runners (buses)
// may share it, and none waits for another.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include <mbus/core/time.hpp>
#include <mbus/harness/counters.hpp>
#include <mbus/harness/exchange.hpp>
#include <mbus/harness/record.hpp>
#include <mbus/runtime/stats.hpp>
#include <mbus/scenario/scenario.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/now.hpp>
#include <mbus/transport/byte_stream.hpp>

namespace mbus::runtime {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct runner_options {
    // A master that pauses longer than this inside a frame has given up on it: the partial frame is
    // dropped (and reported as junk) so that its next request is read cleanly. Far above the gaps of a
    // frame written in one go, below the 200-300 ms a master like libmbus waits before it retries.
    // At low rates a session stretches it to three character times at its line rate.
    std::chrono::microseconds gap_timeout{100ms};

    // Answers go to a session's own output and never hold the bus: a session whose output cannot
    // drain in this time (nobody reads the pty, a stalled TCP peer) is closed and reported, so that a
    // frame is written whole or the session ends.
    duration write_timeout{2s};
    // And one whose output holds more than this many bytes (a master that pipelines and never reads).
    std::size_t output_limit{64 * 1024};

    // Requests one session may have waiting for the bus; further ones are dropped and counted, so
    // that a master that pipelines without limit cannot grow the queue (or the memory) without end.
    std::size_t max_queued{16};

    // A connection from a listener (TCP) with no byte from its master for this long is closed;
    // zero: never. A pty or serial device is never closed for idleness.
    duration session_idle{5min};
    // Connections from listeners open at once; a further one is closed as soon as it is accepted.
    std::size_t max_sessions{256};

    // SND_UD that would change a meter (addresses, records, baud rate, reset) is refused, as a meter
    // refuses what it does not support: no answer. Selection (CI 52/56) still works.
    bool read_only{false};

    // Answers go out as soon as the bus has them, whole, whatever the scenario's timing: outside the
    // EN 13757-2 response window, for in-process tests that must not wait.
    bool immediate{false};

    // Stop conditions; zero means none.
    std::uint64_t max_requests{0}; // stop once this many requests have been served
    duration max_duration{};       // stop this long after the runner was made
    duration idle_limit{};         // stop when no byte has come from any master for this long

    friend bool operator==(const runner_options&, const runner_options&) = default;
};

// A subscriber of the runner's entries; called on the io_context, in order.
using sink = std::function<void(const harness::entry&)>;

// What a subscriber reads of an exchange. `facts`: kinds, meters, fates, bytes and times only; when
// no subscriber reads more, the runner skips the words for people (the request's and the reply's
// summaries, the reply's decoded frame and more_follows, the meters' notes), which would otherwise
// cost more than serving the request.
enum class sink_reads : std::uint8_t { everything, facts };

class runner {
  public:
    // The bus is built from the scenario's settings and meters at once; streams are added later.
    runner(const asio::any_io_executor& ex, const scenario::scenario& sc, runner_options options = {});
    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;
    ~runner(); // stops, if not stopped yet

    // Each stream is served until stop(); its line changes (byte_stream::on_line_change) become
    // notices, and its rate (0 until a master sets one) goes to the bus with each request, so that
    // with strict baud meters at another rate stay silent as on a real wire.
    void add(std::unique_ptr<transport::byte_stream> s);
    // A session per accepted stream, until stop().
    void add(std::unique_ptr<transport::listener> l);

    // Subscribers: every entry from now on, in order. unsubscribe may be called from inside a sink.
    std::uint64_t subscribe(sink fn, sink_reads reads = sink_reads::everything);
    void unsubscribe(std::uint64_t id);
    // The transcript records of every entry (harness::for_each_record), for writers and verdicts.
    std::uint64_t on_record(std::function<void(const harness::record&)> fn);

    // Changes while the bus runs, each taking effect at the next request and reported as a notice.
    void add_fault(sim::fault_spec f);
    bool set_fault_active(std::string_view name, bool on); // false: no fault of that name
    bool remove_fault(std::string_view name);              // false: no fault of that name
    // The faults with their `active` state now (empty before any fault was added).
    std::vector<sim::fault_spec> faults() const;
    // Carries out a timeline event's action now (its `when` is ignored); returns the line it published.
    std::string fire(const sim::timeline_event& e);
    // A meter joins the running bus (present or not); returns its index.
    std::size_t add_meter(sim::meter_config m, bool present = true);
    // A change made from outside through bus() (the control API's addresses and identities):
    // published as an event notice, so that the log, the transcript and the stream name it.
    void announce(std::string what);
    // The scenario's [[event]]s in file order, those already done included: what fire() may repeat.
    const std::vector<sim::timeline_event>& events() const;

    // Closes every stream (a pty removes its link), ends every session and wait. Returns at
    // once; the io_context's run() returns when they have wound down. Only the first call counts.
    void stop(std::string why);
    bool stopping() const;
    const std::string& stop_reason() const;
    // Called once, from the first stop() (e.g. to cancel a signal_set so that run() can return).
    void on_stop(std::function<void()> fn);

    // Called when a SND_UD (not a select) has reached meters, with their names, before its answer
    // goes out: state kept over a restart (state_file.hpp) is saved there, as a meter stores a write
    // before it acknowledges it. One hook; a new one replaces the old.
    void on_write(std::function<void(const std::vector<std::string>&)> fn);

    // The counters per request kind so far.
    const harness::counters& kind_counters() const;
    const stats& counters() const;
    duration elapsed() const;
    time_point started() const;
    // Now on the meters' clocks: steady, and the calendar ([bus] clock, else the machine's).
    sim::sim_now now() const;
    sim::bus& bus();
    const scenario::bus_settings& settings() const;
    const std::string& name() const; // the bus name, else the scenario file's stem

    struct state;

  private:
    std::shared_ptr<state> s_;
};

} // namespace mbus::runtime
