#pragma once
// A simulated bus inside another program's unit tests: built from a scenario (TOML text or code),
// driven frame by frame or through in-memory streams, observed through its exchange entries. No pty,
// no socket, no sleep: answers go out at once (runner_options::immediate) and everything runs on an
// io_context this object owns, only while one of its calls runs.
//
//   auto sc = mbus::scenario::load_string(toml, "test.toml");
//   mbus::runtime::in_process_bus bus(*sc.value);
//   auto x = bus.send(mbus::link::frame::short_frame(0x5B, 5));   // REQ_UD2 to 5
//   assert(x.end == mbus::harness::fate::answered && x.outcome.frame);
//
// Single-threaded: use it from one thread. What its runner's subscribers capture must outlive it: the
// destructor still reports its sessions closing.

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>

#include <mbus/harness/exchange.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/runtime/runner.hpp>
#include <mbus/scenario/scenario.hpp>
#include <mbus/transport/memory_stream.hpp>

namespace mbus::runtime {

class in_process_bus {
  public:
    explicit in_process_bus(const scenario::scenario& sc);
    in_process_bus(const in_process_bus&) = delete;
    in_process_bus& operator=(const in_process_bus&) = delete;
    ~in_process_bus();

    // Sends one frame as a master on the bus's own in-memory line and returns the exchange it made:
    // the request and reply decoded, who answered, faults injected. nullopt only if the bus stopped.
    std::optional<harness::exchange> send(const link::frame& request);
    // The same for raw bytes: every entry they caused (junk, exchanges), in order.
    std::vector<harness::entry> send_bytes(bytes_view raw);
    // What the master end received so far and has not taken yet (the bytes of the answers).
    bytes received();
    // As a master that sets the line rate (strict baud meters hear only their rate).
    void set_line_baud(unsigned baud);

    // Another master: an in-memory stream the bus serves as a session of its own. Drive it with
    // coroutines on io() (the project's mbus::master works on it) and run io() meanwhile.
    std::unique_ptr<transport::byte_stream> connect(std::string name = "master");

    // Everything the bus reported since it started, in order.
    const std::vector<harness::entry>& entries() const { return entries_; }
    // The exchanges alone.
    std::vector<harness::exchange> exchanges() const;

    void add_fault(sim::fault_spec f) { runner_->add_fault(std::move(f)); }
    bool set_fault_active(std::string_view name, bool on) { return runner_->set_fault_active(name, on); }
    void fire(const sim::timeline_event& e) { runner_->fire(e); }

    runtime::runner& runner() { return *runner_; }
    sim::bus& bus() { return runner_->bus(); }
    boost::asio::io_context& io() { return io_; }

  private:
    // Runs ready handlers until none is left (nothing here waits on a clock).
    void settle();

    boost::asio::io_context io_{1};
    std::unique_ptr<runtime::runner> runner_;
    std::unique_ptr<transport::memory_stream> line_; // the master end of the bus's own line
    std::vector<harness::entry> entries_;
};

} // namespace mbus::runtime
