#pragma once
// Many slaves on one pair of wires. A request reaches every slave it concerns (that hears it at the
// line's baud rate); what the master receives is nothing, one clean answer, or the bit-level
// wired-AND of every answer (sim::collide), or what a level converter makes of it (sim::level_convert). The
// reply carries its delay: the runner owns the timer.
//
// The bus offers a request only to the slaves it concerns, found through an address_index: on a bus
// of 100,000 meters a request to one of them costs what it costs on a bus of one. The others would
// have ignored it, with one exception: a select at FD is looked at by every meter, and one that does
// not match still ends the repetition of its last reply (slave::missed_select). The bus counts the
// selects each rate heard and gives a slave the ones it missed when it next offers it anything.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/address_index.hpp>
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
    collision_model collision{collision_model::wired_and};
    collision_fill fill{collision_fill::zeros}; // with level_converter
    // The level converter echoes every request back to the master before any answer.
    bool echo{false};
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
    // Its offset comes from its own delay (no skew_bits given): kept at least a bit time from every
    // other answer, so that two such meters never line up by the chance of the draw.
    bool own_offset{false};
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
    // Room for `n` slaves in all: a runner adding a scenario's 100,000 meters moves none of them.
    void reserve(std::size_t n);

    // `line_baud` is the rate the master uses (0: unknown, as on a pty or TCP).
    bus_reply on_frame(const link::frame& request, unsigned line_baud, const sim_now& now);
    // The same with everything the runner knows about the request (ctx.index is filled in here).
    bus_reply on_frame(const link::frame& request, request_context ctx, const sim_now& now);
    // The same into `out`, every field overwritten: its vectors (and its answers' bytes) keep their
    // storage, so a runner that serves request after request with one bus_reply allocates nothing
    // for them once they have grown.
    void on_frame(const link::frame& request, request_context ctx, const sim_now& now, bus_reply& out);

    std::size_t size() const { return slaves_.size(); }
    // A slave to change (a timeline event, a test): the bus indexes it anew before the next request.
    // Keep the reference no longer than until then.
    slave& at(std::size_t i);
    const slave& at(std::size_t i) const { return slaves_.at(i); }
    std::optional<std::size_t> find(std::string_view name) const;

    // A slave that has left the bus (or not joined yet) hears nothing and answers nothing.
    bool present(std::size_t i) const { return present_.at(i); }
    void set_present(std::size_t i, bool on);

    // Faults and the like; null: none. The bus shares ownership so that the runner can reach it too.
    void set_hooks(std::shared_ptr<bus_hooks> hooks) { hooks_ = std::move(hooks); }
    const std::shared_ptr<bus_hooks>& hooks() const { return hooks_; }
    const bus_config& config() const { return config_; }
    // Notes of plain REQ_UD2 replies on or off for every slave (slave::set_notes); on by default.
    void set_notes(bool on);
    std::uint64_t handled() const { return handled_; } // requests handled so far

  private:
    using slave_index = address_index::slave_index;

    // The slaves `request` concerns besides the hooks' listeners, sorted, in candidates_; true when
    // that is every slave (FE, FF, or a hook that listens to all).
    bool gather(const link::frame& request);
    // Selects at FD slave i heard (at its rate) and was not offered.
    std::uint64_t selects_heard(unsigned baud) const;
    void catch_up(std::size_t i);
    // After slave i was offered a request or changed: the index and its count of selects follow.
    void settle(std::span<const slave_index> which);

    bus_config config_;
    bool notes_{true};
    std::mt19937_64 rng_;
    std::vector<slave> slaves_;
    std::vector<bool> present_;
    address_index index_;
    // Selects at FD so far: heard by every rate, and (strict baud) by one rate only.
    std::uint64_t selects_{0};
    std::vector<std::pair<unsigned, std::uint64_t>> selects_at_;
    std::vector<std::uint64_t> heard_; // per slave: selects_heard() when it was last offered one
    std::vector<slave_index> touched_; // handed out by at() since the last request
    std::vector<bool> is_touched_;
    std::vector<slave_index> candidates_;
    std::vector<slave_index> fd_answering_; // quirk fd_unselected = ack: SND_NKE at FD reaches them
    std::shared_ptr<bus_hooks> hooks_;
    std::uint64_t handled_{0};
};

} // namespace mbus::sim
