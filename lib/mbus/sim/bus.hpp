#pragma once
// Many slaves on one pair of wires. Every request is offered to every slave (that hears it at the
// line's baud rate); what the master receives is nothing, one clean answer, or the bit-level
// wired-AND of every answer (sim::collide). The reply carries its delay: the runner owns the timer.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/bus_hooks.hpp>
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
    // Pauses inside the answer (a fault): after `after` bytes the sender stops for `length`.
    struct gap {
        std::size_t after{0};
        microseconds length{0};
        friend bool operator==(const gap&, const gap&) = default;
    };
    std::vector<gap> gaps;
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
    std::vector<answer::gap> gaps;          // pauses inside `wire` (from a single answer's gaps)
    std::vector<std::string> injected;      // faults injected into this exchange, one line each
    bool silent() const { return wire.empty(); }
};
std::ostream& operator<<(std::ostream& os, const bus_reply& r);

class bus {
  public:
    explicit bus(bus_config config = {});

    // Adds a slave; returns its index.
    std::size_t add(meter_config m, time_point start = {});
    std::size_t add(slave s);

    // `line_baud` is the rate the master uses (0: unknown, as on a pty or TCP).
    bus_reply on_frame(const link::frame& request, unsigned line_baud, const sim_now& now);
    // The same with everything the runner knows about the request (ctx.index is filled in here).
    bus_reply on_frame(const link::frame& request, request_context ctx, const sim_now& now);

    std::size_t size() const { return slaves_.size(); }
    slave& at(std::size_t i) { return slaves_.at(i); }
    const slave& at(std::size_t i) const { return slaves_.at(i); }
    std::optional<std::size_t> find(std::string_view name) const;

    // A slave that has left the bus (or not joined yet) hears nothing and answers nothing.
    bool present(std::size_t i) const { return present_.at(i); }
    void set_present(std::size_t i, bool on) { present_.at(i) = on; }

    // Faults and the like; null: none. The bus shares ownership so that the runner can reach it too.
    void set_hooks(std::shared_ptr<bus_hooks> hooks) { hooks_ = std::move(hooks); }
    const std::shared_ptr<bus_hooks>& hooks() const { return hooks_; }
    const bus_config& config() const { return config_; }
    std::uint64_t handled() const { return handled_; } // requests handled so far

  private:
    bus_config config_;
    std::mt19937_64 rng_;
    std::vector<slave> slaves_;
    std::vector<bool> present_;
    std::shared_ptr<bus_hooks> hooks_;
    std::uint64_t handled_{0};
};

} // namespace mbus::sim
