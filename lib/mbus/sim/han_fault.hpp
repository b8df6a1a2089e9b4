#pragma once
// Faults on a HAN meter's pushes: what a reader of a HAN port must survive (bad check sequences,
// cut frames, missing and late pushes, noise between frames, a clock that jumps, a meter that
// reboots, an object it does not know). A scenario declares them as [[fault]]s with a han_* kind
// (scenario/detail/fault_table.cpp) and the triggers of every fault (fault_trigger: every, after,
// probability with the seed, from/until, active).
//
// Pure: han_fault_engine::decide says which faults fire on push N at time t (a function of the
// engine's counters, its seeded generators and t), apply_han_faults turns a push into what goes on
// the wire and what the meter must do afterwards. The runtime (runtime/han_push.hpp) only carries
// that out: it sleeps, writes and reboots.
//
// Each push counts once per fault that is active and in scope (its meter), as a request does for a
// [[fault]] on an M-Bus meter; from/until are times since the engine's start.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/core/time.hpp>
#include <mbus/core/variant.hpp>
#include <mbus/han/objects.hpp>
#include <mbus/sim/fault_spec.hpp>
#include <mbus/sim/han_meter.hpp>
#include <mbus/sim/push_fault_engine.hpp>

namespace mbus::sim {

namespace han_faults {

struct bad_hcs { // the first frame's header check sequence is wrong, the frame otherwise intact
    static constexpr std::string_view name = "han_bad_hcs";
    friend bool operator==(const bad_hcs&, const bad_hcs&) = default;
};
struct bad_fcs { // the last frame's frame check sequence is wrong
    static constexpr std::string_view name = "han_bad_fcs";
    friend bool operator==(const bad_fcs&, const bad_fcs&) = default;
};
struct truncate { // only the first `keep` bytes, or that `fraction` of the push
    static constexpr std::string_view name = "han_truncate";
    std::size_t keep{0};  // bytes; 0: use fraction
    double fraction{0.5}; // (0, 1)
    friend bool operator==(const truncate&, const truncate&) = default;
};
struct missing { // the push is not sent
    static constexpr std::string_view name = "han_missing";
    friend bool operator==(const missing&, const missing&) = default;
};
struct late { // the push goes out `delay` after it was due
    static constexpr std::string_view name = "han_late";
    delay_range delay{}; // a fixed delay has min == max
    friend bool operator==(const late&, const late&) = default;
};
struct junk { // bytes (or that many random ones) on the line before the push
    static constexpr std::string_view name = "han_junk";
    bytes data;
    std::size_t random{0}; // random bytes when data is empty
    friend bool operator==(const junk&, const junk&) = default;
};
struct clock_jump { // after this push the meter clock is off by `by`, for good
    static constexpr std::string_view name = "han_clock_jump";
    std::chrono::seconds by{0};
    friend bool operator==(const clock_jump&, const clock_jump&) = default;
};
struct reboot { // after this push the meter restarts: clock at `clock`, frame counter from the start
    static constexpr std::string_view name = "han_reboot";
    wall_time clock{std::chrono::sys_days{std::chrono::year{2000} / 1 / 1}};
    friend bool operator==(const reboot&, const reboot&) = default;
};
struct unknown_obis { // an object no list of the make has, inserted at `position` (end when unset)
    static constexpr std::string_view name = "han_unknown_obis";
    han::obis code{{0, 0, 96, 99, 99, 255}};
    std::uint32_t value{42}; // double-long-unsigned
    std::optional<std::size_t> position;
    friend bool operator==(const unknown_obis&, const unknown_obis&) = default;
};

} // namespace han_faults

using han_fault_action = std::variant<han_faults::bad_hcs, han_faults::bad_fcs, han_faults::truncate,
                                      han_faults::missing, han_faults::late, han_faults::junk,
                                      han_faults::clock_jump, han_faults::reboot, han_faults::unknown_obis>;

inline constexpr auto han_fault_kind_names = alternative_names<han_fault_action>();

std::string_view name(const han_fault_action& a);
// The kind with that name (case-blind), its settings at their defaults.
std::optional<han_fault_action> parse_han_fault_kind(std::string_view text);

// A [[fault]] on a HAN meter. The trigger's `requests` stays empty: nobody asks on a HAN port.
struct han_fault_spec {
    std::string name;
    std::string meter; // empty: every HAN meter
    fault_trigger trigger;
    han_fault_action action;
    bool active{true};
    friend bool operator==(const han_fault_spec&, const han_fault_spec&) = default;
};

using han_fault_engine = push_fault_engine<han_fault_spec>;

// What becomes of one push.
struct han_push_outcome {
    bool sent{true};                                // false: han_missing
    duration delay{};                               // han_late: after the due time
    bytes wire;                                     // junk first, then the frames (maybe cut)
    std::optional<std::chrono::seconds> clock_jump; // for the meter after this push
    std::optional<wall_time> reboot;                // likewise: restart with the clock here
    std::vector<std::string> injected;              // one line per fault, as M-Bus's `injected`
};

// The meter the push came from: for re-encoding a list that gained an object.
struct han_push_source {
    const han_identity& identity;
    const std::optional<han_cipher>& cipher;
    std::uint32_t frame_counter{0}; // the counter the push was ciphered with
};

// Applies the fired faults (from decide) to the push, in a fixed order whatever the scenario's: the
// list's content (unknown object), then the frames' check sequences, the cut, the noise before, the
// delay and the skip. errc from the list encoder when a list with the extra object does not encode.
result<han_push_outcome> apply_han_faults(han_fault_engine& engine, const std::vector<std::size_t>& fired,
                                          const han_push& push, const han_push_source& source);

// The meter as it comes back from a reboot at `restart` (its clock then at restart.wall): the
// scenario's first frame counter, the energy registers where they stood (a meter keeps them in
// non-volatile memory), its first push at the next even second of the new clock.
han_meter rebooted(const han_meter& m, sim_now restart);

// Byte-level helpers, for tests and the fault: the offsets in a push's first HDLC frame.
// Where a frame's HCS starts (after format, addresses and control); nullopt when `frame` is no frame
// with an information field.
std::optional<std::size_t> hdlc_hcs_offset(bytes_view frame);
// The frames of a push: [start, end) of each, by their length fields.
std::vector<std::pair<std::size_t, std::size_t>> hdlc_frame_spans(bytes_view wire);
// Copies of the push with a corrupted check sequence (the frame otherwise as sent).
std::optional<bytes> with_bad_hcs(bytes wire);
std::optional<bytes> with_bad_fcs(bytes wire);
// The list with the object inserted (a positional KFM_001 list gets the value alone: it has no codes).
han::object_list with_unknown_object(han::object_list list, const han_faults::unknown_obis& u);

} // namespace mbus::sim
