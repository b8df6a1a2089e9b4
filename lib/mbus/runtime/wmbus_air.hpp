#pragma once
// The air around a scenario's wireless meters, heard through one receiver: each meter
// (sim/wmbus_meter.hpp) transmits on its own schedule, one coroutine per meter sleeping to its next
// transmission, and the receiver hands what it heard to the reader:
// - im871a, amb8465: a stick served on a stream (a pty), answering the reader's requests
//   (runtime/dongle.hpp) and pushing each telegram with the meter's RSSI;
// - rtlwmbus, hex: one text line per telegram (wmbus/receiver_text.hpp) on an ostream (stdout).
// Every meter is heard (no collisions, no losses: radio faults are not simulated yet).

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
    wmbus_air(const boost::asio::any_io_executor& ex, std::vector<sim::wmbus_meter_config> meters,
              scenario::receiver_settings receiver, std::function<void(std::string)> log);
    wmbus_air(const wmbus_air&) = delete;
    wmbus_air& operator=(const wmbus_air&) = delete;
    ~wmbus_air();

    // The meters' clock at the start ([bus] clock), before serve() or print_to(); unset: the machine's.
    void set_clock(std::optional<wall_time> start);
    // A stick (im871a, amb8465) on `s`; the meters start transmitting now.
    void serve(std::unique_ptr<transport::byte_stream> s);
    // Text lines (rtlwmbus, hex) on `out`, which must outlive the air; the meters start now.
    void print_to(std::ostream& out);
    void stop();

    std::uint64_t transmissions() const;

    struct state; // shared with the coroutines, which outlive a stop() until the io_context runs them out

  private:
    std::shared_ptr<state> s_;
};

} // namespace mbus::runtime
