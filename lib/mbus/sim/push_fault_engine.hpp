#pragma once
// The fault engine of meters that send unasked (HAN pushes, wireless transmissions): which of a
// scenario's faults fire on a meter's next send, with the trigger rules and seeds M-Bus faults use
// (fault_spec.hpp). One template for every such meter kind; `Spec` is its [[fault]] (name, meter,
// trigger, action, active).

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <mbus/core/time.hpp>
#include <mbus/core/variant.hpp>
#include <mbus/sim/fault_spec.hpp>

namespace mbus::sim {

// The kind of `Action` named `text` (case-blind), its settings at their defaults.
template <class Action>
std::optional<Action> parse_fault_kind(std::string_view text) {
    return alternative_named<Action>(text, [](std::string_view typed, std::string_view known) {
        return std::equal(typed.begin(), typed.end(), known.begin(), known.end(),
                          [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == y; });
    });
}

template <class Spec>
class push_fault_engine {
  public:
    // `meters`: the meters' names in scenario order; `seed` the scenario's (a fault without a seed of
    // its own draws from it mixed with its index, as M-Bus faults do); `start` the origin of from/until.
    push_fault_engine(std::vector<Spec> faults, std::vector<std::string> meters, std::uint64_t seed,
                      time_point start)
        : faults_(std::move(faults)), meters_(std::move(meters)), seed_(seed), start_(start) {
        for (std::size_t i = 0; i < faults_.size(); ++i)
            states_.push_back(state_for(faults_[i], i));
    }

    // A fault added while the meters run (the control API): it counts sends from now on, and draws as
    // it would have as the scenario's fault at this index.
    void add(Spec f) {
        states_.push_back(state_for(f, faults_.size()));
        faults_.push_back(std::move(f));
    }
    bool remove(std::string_view name) { // false: no fault of that name
        bool found = false;
        for (std::size_t i = faults_.size(); i-- > 0;)
            if (faults_[i].name == name) {
                faults_.erase(faults_.begin() + static_cast<std::ptrdiff_t>(i));
                states_.erase(states_.begin() + static_cast<std::ptrdiff_t>(i));
                found = true;
            }
        return found;
    }

    // The faults (indices into faults()) that fire on meter `meter`'s next send, due at `at`, in
    // scenario order. Counts the send for every active fault in scope.
    std::vector<std::size_t> decide(std::size_t meter, time_point at) {
        std::vector<std::size_t> out;
        const auto since = std::chrono::duration_cast<microseconds>(at - start_);
        for (std::size_t i = 0; i < faults_.size(); ++i) {
            const auto& f = faults_[i];
            auto& st = states_[i];
            if (!f.active || (st.meter && *st.meter != meter)) continue;
            if (trigger_fires(f.trigger, ++st.matched, since, st.rng)) out.push_back(i);
        }
        return out;
    }
    // Draws for faults that take a random part (a range, random bytes).
    std::mt19937_64& rng(std::size_t fault) { return states_.at(fault).rng; }

    bool set_active(std::string_view name, bool on) { // false: no fault of that name
        bool found = false;
        for (auto& f : faults_)
            if (f.name == name) {
                f.active = on;
                found = true;
            }
        return found;
    }
    const std::vector<Spec>& faults() const { return faults_; }
    const std::string& meter_name(std::size_t meter) const { return meters_.at(meter); }
    // The index of a meter by name; nullopt when there is none.
    std::optional<std::size_t> meter_index(std::string_view name) const {
        const auto it = std::find(meters_.begin(), meters_.end(), name);
        if (it == meters_.end()) return std::nullopt;
        return static_cast<std::size_t>(it - meters_.begin());
    }

  private:
    struct state {
        std::mt19937_64 rng;
        std::uint64_t matched{0};
        std::optional<std::size_t> meter; // unset: every meter
    };
    state state_for(const Spec& f, std::size_t index) const {
        state st;
        st.rng.seed(fault_seed(f.trigger, seed_, index));
        // A meter the scenario does not have (the loader says so first): the fault never fires.
        if (!f.meter.empty()) st.meter = meter_index(f.meter).value_or(meters_.size());
        return st;
    }
    std::vector<Spec> faults_;
    std::vector<std::string> meters_;
    std::uint64_t seed_;
    std::vector<state> states_;
    time_point start_;
};

} // namespace mbus::sim
