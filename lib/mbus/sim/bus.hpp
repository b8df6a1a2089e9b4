#pragma once
// Many slaves on one pair of wires. Every request is offered to every slave (that hears it at the
// line's baud rate); what the master receives is nothing, one clean answer, or the bit-level
// wired-AND of every answer (sim::collide). The reply carries its delay: the runner owns the timer.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/now.hpp>
#include <mbus/sim/slave.hpp>
#include <mbus/sim/timing.hpp>
#include <mbus/sim/wire.hpp>

namespace mbus::sim {

struct bus_config {
    // A slave whose rate differs from the line rate the master set does not see the request, as on
    // a real wire. Off: every slave sees every request (a pty or TCP carries no rate).
    bool strict_baud{false};
    delay_range response_delay{}; // moved inside the EN 13757-2 window at the line's rate
    std::uint64_t seed{0};        // for the delays: the same seed gives the same timing
    friend bool operator==(const bus_config&, const bus_config&) = default;
};

// One slave's answer on its way to the wire.
struct answer {
    std::size_t slave{0}; // index on the bus
    bytes wire;
    microseconds delay{0}; // after the end of the request
    double skew_bits{0};   // further delay in bit times (quirks::skew_bits)
    unsigned baud{0};      // the rate it answers at (its rate when the request arrived)
    friend bool operator==(const answer&, const answer&) = default;
};
std::ostream& operator<<(std::ostream& os, const answer& a);

// What one slave did with a request it took (answer or not), for logs and transcripts.
struct slave_event {
    std::size_t slave{0};
    slave_reply reply;
    friend bool operator==(const slave_event&, const slave_event&) = default;
};

struct bus_reply {
    bytes wire;                             // what the master receives; empty: nothing
    std::vector<received_byte> received;    // the same with each character's parity and framing errors
    microseconds delay{0};                  // from the end of the request to the first character
    unsigned baud{0};                       // the rate the reply travels at
    bool collision{false};                  // more than one answer reached the wire
    std::optional<std::size_t> intact_from; // the slave whose answer came through unharmed, if any
    std::vector<answer> answers;            // what went on the wire (after the fault hook)
    std::vector<slave_event> events;        // every slave that took the request
    bool silent() const { return wire.empty(); }
};
std::ostream& operator<<(std::ostream& os, const bus_reply& r);

// FAULT INJECTION HOOK. Called for every request with the answers the slaves gave, before the wire
// combines them; it may drop, delay, corrupt or duplicate them (change `wire`, `delay`,
// `skew_bits`, erase or add entries). The bus itself injects no fault.
using answer_hook =
    std::function<void(const link::frame& request, const sim_now& now, std::vector<answer>& answers)>;

class bus {
  public:
    explicit bus(bus_config config = {});

    // Adds a slave; returns its index.
    std::size_t add(meter_config m, time_point start = {});
    std::size_t add(slave s);

    // `line_baud` is the rate the master uses (0: unknown, as on a pty or TCP).
    bus_reply on_frame(const link::frame& request, unsigned line_baud, const sim_now& now);

    std::size_t size() const { return slaves_.size(); }
    slave& at(std::size_t i) { return slaves_.at(i); }
    const slave& at(std::size_t i) const { return slaves_.at(i); }
    std::optional<std::size_t> find(std::string_view name) const;

    void set_answer_hook(answer_hook hook) { hook_ = std::move(hook); }
    const bus_config& config() const { return config_; }

  private:
    bus_config config_;
    std::mt19937_64 rng_;
    std::vector<slave> slaves_;
    answer_hook hook_;
};

} // namespace mbus::sim
