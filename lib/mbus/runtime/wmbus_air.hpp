#pragma once
// The air around a scenario's wireless meters, heard through one receiver: each meter
// (sim/wmbus_meter.hpp) transmits on its own schedule, one coroutine per meter sleeping to its next
// transmission, and the receiver hands what it heard to the reader:
// - im871a, amb8465: a stick served on a stream (a pty), answering the reader's requests
//   (runtime/dongle.hpp) and pushing each telegram with the meter's RSSI;
// - rtlwmbus, hex: one text line per telegram (wmbus/receiver_text.hpp) on an ostream (stdout), or
//   to every client of a TCP listener (`mbus-sim run --tcp`), as a HAN port's pushes go to each of
//   its clients: each client has its own queue, one that stalls past the write timeout or holds
//   more than `max_queued` bytes is closed, the others go on; what a client sends is read and dropped.
// The air has its physics: each telegram is on the air for its time on air (sim/wmbus_fault.hpp:
// the mode's chip rate and coding, the frame's length) and the receiver hands it over when it ends,
// unless another overlapped it: then it hears neither, or the one stronger by the capture margin
// ([receiver] capture_db). The scenario's wm_* faults (sim/wmbus_fault.hpp) shape transmissions.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include <mbus/core/time.hpp>
#include <mbus/scenario/scenario.hpp>
#include <mbus/transport/byte_stream.hpp>

namespace mbus::runtime {

class wmbus_air {
  public:
    // `log` gets one line per transmission and per problem.
    // `faults` with the scenario's `seed`; `injected` gets one line per injected fault (the transcript),
    // the log when it is empty.
    wmbus_air(const boost::asio::any_io_executor& ex, std::vector<sim::wmbus_meter_config> meters,
              scenario::receiver_settings receiver, std::function<void(std::string)> log,
              std::vector<sim::wmbus_fault_spec> faults = {}, std::uint64_t seed = 0,
              std::function<void(std::string)> injected = {});
    wmbus_air(const wmbus_air&) = delete;
    wmbus_air& operator=(const wmbus_air&) = delete;
    ~wmbus_air();

    // The meters' clock at the start ([bus] clock), before serve() or print_to(); unset: the machine's.
    void set_clock(std::optional<wall_time> start);
    // A stick (im871a, amb8465) on `s`; the meters start transmitting now.
    void serve(std::unique_ptr<transport::byte_stream> s);
    // Text lines (rtlwmbus, hex) on `out`, which must outlive the air; the meters start now.
    void print_to(std::ostream& out);
    // Text lines (rtlwmbus, hex) to every client `l` accepts, from when it connects; the meters start now.
    void serve_lines(std::unique_ptr<transport::listener> l);
    void stop();

    std::uint64_t transmissions() const;
    std::uint64_t injected() const;   // faults injected
    std::uint64_t collided() const;   // telegrams lost in a collision
    std::size_t line_clients() const; // TCP clients served lines now

    struct state; // shared with the coroutines, which outlive a stop() until the io_context runs them out

  private:
    std::shared_ptr<state> s_;
};

} // namespace mbus::runtime
