#pragma once
// A HAN port: the scenario's HAN meters push their lists (sim/han_meter.hpp) on schedule to every
// stream, as a meter's HAN line does to a reader, and a HAN-to-TCP bridge to each of its clients.
// One coroutine per meter sleeps to the meter's next push, asks it what is due and writes the frames
// to every stream, paced at the line rate (2400 baud, 11 bits a character: 8E1; the make's own
// parity is not checked against its HAN document yet). Readers send nothing; whatever they send is
// read and dropped.
//
// Faults: the engine decides for each push which faults fire (pure, sim/han_fault.hpp); the port
// writes what they make of it, after their delay, and reboots or shifts the meter's clock after it.
//
// A replay (capture/replay.hpp) goes out the same way in place of a meter: its chunks to every
// stream at their times, whole, as captured.
//
// A line does not buffer: a pty or serial device that cannot take bytes within a few character times
// loses them (nobody listening), and stays; a TCP client that stalls past the write timeout is closed.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include <mbus/capture/replay.hpp>
#include <mbus/core/time.hpp>
#include <mbus/sim/han_fault.hpp>
#include <mbus/sim/han_meter.hpp>
#include <mbus/sim/timeline.hpp>
#include <mbus/transport/byte_stream.hpp>

namespace mbus::runtime {

struct han_port_options {
    unsigned baud{2400};
    unsigned bits_per_char{11};
    duration write_timeout{std::chrono::seconds{2}};
    std::size_t max_clients{64};
    // [[fault]]s with han_* kinds (sim/han_fault.hpp), drawing from `seed`; each fault injected is
    // logged and handed to `injected` (the runner's transcript takes it as an event).
    std::vector<sim::han_fault_spec> faults;
    std::uint64_t seed{0};
    std::function<void(const std::string&)> injected;
    // The meters' clock at the start ([bus] clock); unset: the machine's.
    std::optional<wall_time> clock;
};

class han_port {
  public:
    // `log` gets one line per push and per client that comes or goes.
    han_port(const boost::asio::any_io_executor& ex, std::vector<sim::han_meter_config> meters,
             std::function<void(std::string)> log, han_port_options o = {});
    // A replay's chunks instead of a meter's pushes (faults are not applied to them).
    han_port(const boost::asio::any_io_executor& ex, capture::replay_config replay,
             std::function<void(std::string)> log, han_port_options o = {});
    han_port(const han_port&) = delete;
    han_port& operator=(const han_port&) = delete;
    ~han_port();

    void add(std::unique_ptr<transport::byte_stream> s); // pty, serial device: kept for good
    void add(std::unique_ptr<transport::listener> l);    // each accepted client, until it goes
    void stop();

    // HAN faults while the meters run (the control API, timeline events), each change logged and
    // handed to the options' `injected` as an event. A replay takes none (false, nothing done).
    bool add_fault(sim::han_fault_spec f);
    bool set_fault_active(std::string_view name, bool on); // false: no fault of that name
    bool remove_fault(std::string_view name);              // false: no fault of that name
    std::vector<sim::han_fault_spec> faults() const;
    // The scenario's timeline events that start and stop HAN faults: each at its time from now (an
    // event counted in requests never comes: nobody asks a HAN meter, and it is logged as skipped).
    void schedule(std::vector<sim::timeline_event> events);

    std::uint64_t pushes() const;   // pushes made, sent or not (replays: chunks sent)
    std::uint64_t injected() const; // faults injected into them

  private:
    struct state;
    std::shared_ptr<state> s_;
};

} // namespace mbus::runtime
