#pragma once
// The fault engine: carries out a scenario's faults (fault_spec.hpp) through the bus hooks. Pure:
// the time comes with each request, the randomness from seeded generators, so a run with the same
// seed and the same requests injects the same faults into the same bytes.
//
// Two places to act:
// - offer() (before a slave sees a request): ignore_fcb, any_address, wake_up, preamble. These
//   change or hide the request; their log lines are handed out by the shape() that follows.
// - shape() (after the slaves answered): every other kind, on the answers of the meters in scope.
//
// Which requests count for a fault's trigger (every, after, probability): those of a kind in its
// `requests` list that the fault could act on: for the shaping kinds, a request that a meter in
// scope answered; for ignore_fcb a REQ_UD2 with FCV=1; for any_address a primary address that is not
// the meter's; for wake_up and preamble a request addressed to the meter. Each request counts once
// per fault, however many meters it reaches; a fault counts only while it is active.

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <mbus/core/time.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/bus_hooks.hpp>
#include <mbus/sim/fault_spec.hpp>

namespace mbus::sim {

class fault_engine final : public bus_hooks {
  public:
    // `meters`: the bus's meter names in slave order (faults name their meter). `seed`: the bus
    // seed; a fault without a seed of its own draws from the bus seed mixed with its index.
    // `start`: the origin of the faults' from/until windows.
    fault_engine(std::vector<fault_spec> faults, std::vector<std::string> meters, std::uint64_t seed,
                 time_point start);
    // The meters in scope of an active fault that acts on requests: any_address hears what is not
    // addressed to it, wake_up and preamble count the selects every meter hears.
    listeners listening() const override;
    bool offer(std::size_t index, slave& s, link::frame& request, const request_context& ctx,
               const sim_now& now) override;
    void shape(const link::frame& request, const request_context& ctx, const sim_now& now,
               std::vector<answer>& answers, std::vector<std::string>& injected) override;
    // A fault added while the bus runs; it draws as the scenario's next fault would.
    void add(fault_spec f);
    // A meter was power-cycled: wake-up faults start over.
    void power_cycled(std::size_t slave);
    // Starts or stops the fault with this name; false when there is none.
    bool set_active(std::string_view name, bool on);
    // Removes the fault of this name; false when there is none.
    bool remove(std::string_view name);
    // A slave added to the bus after the engine was made (index = the previous count of meters).
    void add_meter(std::string name);

    const std::vector<fault_spec>& faults() const { return faults_; }
    // Whether the fault with this name is active; nullopt when there is none.
    std::optional<bool> active(std::string_view name) const;

  private:
    struct state {
        std::mt19937_64 rng;
        std::uint64_t matched{0};                 // matching requests while active
        std::optional<std::uint64_t> decided_for; // the request index `fired` belongs to
        bool fired{false};
        std::optional<std::size_t> meter; // resolved `meter`; unset for the whole bus
        bool unknown_meter{false};        // named a meter the bus does not have: never fires
        std::vector<std::size_t> heard;   // wake_up: addressed requests per slave since power-on
    };

    bool in_scope(const state& st, std::size_t slave) const;
    // Whether fault i fires for this request (decided once per request, then remembered).
    bool fires(std::size_t i, const link::frame& request, const request_context& ctx, const sim_now& now);
    std::string line(std::size_t slave, std::string_view what, std::size_t fault) const;
    // Carries out fault i on one answer; false when the answer had nothing it could act on.
    bool apply(std::size_t i, answer& a, const request_context& ctx, std::string& what);

    std::vector<fault_spec> faults_;
    std::vector<std::string> meters_;
    std::vector<state> states_;
    time_point start_;
    std::uint64_t seed_{0};
    std::vector<byte> addresses_;      // each slave's primary address when last offered a request
    std::vector<std::string> pending_; // offer()'s injections, for the next shape()
};

} // namespace mbus::sim
