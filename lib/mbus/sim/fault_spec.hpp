#pragma once
// A fault as a scenario declares it ([[fault]]): what goes wrong, for which meter (or the whole bus),
// on which requests, and when. sim/fault.hpp's fault_engine carries it out.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/variant.hpp>
#include <mbus/link/request_kind.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/timing.hpp>

namespace mbus::sim {

// Which length byte a bad_length fault changes: both (the frame then claims another size) or one
// (the two L bytes disagree).
enum class length_field : std::uint8_t { both, first, second };

// One struct per kind, holding exactly its settings; `name` is the kind as scenarios spell it.
namespace faults {

// Timing.
struct no_answer { // the answer is dropped
    static constexpr std::string_view name = "no_answer";
    friend bool operator==(const no_answer&, const no_answer&) = default;
};
struct late { // the answer comes after `delay` (may lie beyond the response window)
    static constexpr std::string_view name = "late";
    delay_range delay{}; // a fixed delay has min == max
    friend bool operator==(const late&, const late&) = default;
};
struct gap { // a pause of pause.length after pause.after bytes
    static constexpr std::string_view name = "gap";
    answer::gap pause{};
    friend bool operator==(const gap&, const gap&) = default;
};

// Corruption of the bytes.
struct bad_checksum { // CS += delta
    static constexpr std::string_view name = "bad_checksum";
    int delta{1};
    friend bool operator==(const bad_checksum&, const bad_checksum&) = default;
};
struct bad_stop { // the stop byte becomes `stop`
    static constexpr std::string_view name = "bad_stop";
    byte stop{0x00};
    friend bool operator==(const bad_stop&, const bad_stop&) = default;
};
struct bad_length { // L += delta in the L field(s) `which` names (long frames)
    static constexpr std::string_view name = "bad_length";
    int delta{1};
    length_field which{length_field::both};
    friend bool operator==(const bad_length&, const bad_length&) = default;
};
struct truncate { // only the first `keep` bytes are sent
    static constexpr std::string_view name = "truncate";
    std::size_t keep{0};
    friend bool operator==(const truncate&, const truncate&) = default;
};
struct bit_errors { // every data bit flips with probability `rate`
    static constexpr std::string_view name = "bit_errors";
    double rate{0};
    friend bool operator==(const bit_errors&, const bit_errors&) = default;
};
struct garbage { // bytes (or that many random bytes) around the answer
    static constexpr std::string_view name = "garbage";
    bytes prefix;
    std::size_t prefix_random{0}; // random bytes when prefix is empty
    bytes suffix;
    std::size_t suffix_random{0}; // random bytes when suffix is empty
    friend bool operator==(const garbage&, const garbage&) = default;
};
struct ack_junk { // an E5 answer is followed by `junk` (or random bytes)
    static constexpr std::string_view name = "ack_junk";
    bytes junk;
    std::size_t junk_random{1}; // random bytes when junk is empty
    friend bool operator==(const ack_junk&, const ack_junk&) = default;
};

// Extra or misdirected answers.
struct echo { // the master's request, as it came, before the answer
    static constexpr std::string_view name = "echo";
    friend bool operator==(const echo&, const echo&) = default;
};
struct duplicate { // the answer `copies` times back to back
    static constexpr std::string_view name = "duplicate";
    std::size_t copies{2};
    friend bool operator==(const duplicate&, const duplicate&) = default;
};
struct wrong_address { // A becomes `address` (checksum recomputed: a valid frame)
    static constexpr std::string_view name = "wrong_address";
    std::optional<byte> address; // unset: the meter's address + 1 (250 wraps to 0)
    friend bool operator==(const wrong_address&, const wrong_address&) = default;
};

// Application layer.
struct ignore_fcb { // every REQ_UD2 reaches the meter as FCV=0: the first telegram, freshly made
    static constexpr std::string_view name = "ignore_fcb";
    friend bool operator==(const ignore_fcb&, const ignore_fcb&) = default;
};
struct access_number { // the header's access number becomes `value` (checksum recomputed)
    static constexpr std::string_view name = "access_number";
    byte value{0};
    friend bool operator==(const access_number&, const access_number&) = default;
};
struct status_flags { // `flags` ORed into the header's status byte (checksum recomputed)
    static constexpr std::string_view name = "status_flags";
    byte flags{0};
    friend bool operator==(const status_flags&, const status_flags&) = default;
};
struct app_error { // the answer is replaced by a CI 70 frame with `status`
    static constexpr std::string_view name = "app_error";
    byte status{0};
    friend bool operator==(const app_error&, const app_error&) = default;
};

// Addressing and the line.
struct any_address { // the meter takes any primary address 0..250 as its own
    static constexpr std::string_view name = "any_address";
    friend bool operator==(const any_address&, const any_address&) = default;
};
struct wrong_baud { // the meter sends at `baud`; the master's UART samples at the line rate
    static constexpr std::string_view name = "wrong_baud";
    unsigned baud{0};         // the meter's rate
    unsigned line_baud{2400}; // the line's rate when the master's is unknown (TCP)
    friend bool operator==(const wrong_baud&, const wrong_baud&) = default;
};
struct wake_up { // the first `count` requests after power-on are not heard
    static constexpr std::string_view name = "wake_up";
    std::size_t count{1};
    friend bool operator==(const wake_up&, const wake_up&) = default;
};
struct preamble { // requests are heard only after at least `zeros` 0x00 bytes
    static constexpr std::string_view name = "preamble";
    std::size_t zeros{1};
    friend bool operator==(const preamble&, const preamble&) = default;
};

} // namespace faults

using fault_action =
    std::variant<faults::no_answer, faults::late, faults::gap, faults::bad_checksum, faults::bad_stop,
                 faults::bad_length, faults::truncate, faults::bit_errors, faults::garbage, faults::ack_junk,
                 faults::echo, faults::duplicate, faults::wrong_address, faults::ignore_fcb,
                 faults::access_number, faults::status_flags, faults::app_error, faults::any_address,
                 faults::wrong_baud, faults::wake_up, faults::preamble>;

// Every kind's name, in the variant's order: for "expected one of" messages and docs.
inline constexpr auto fault_kind_names = alternative_names<fault_action>();

// "no_answer", "late", ... as scenarios spell them.
std::string_view name(const fault_action& a);
// The kind with that name (case-blind), its settings at their defaults.
std::optional<fault_action> parse_fault_kind(std::string_view text);
std::ostream& operator<<(std::ostream& os, const fault_action& a); // the kind's name

// When a fault fires. Every condition that is set must hold; the probability is drawn last, so the
// random sequence depends only on the requests that passed the rest.
struct fault_trigger {
    std::vector<link::request_kind> requests; // empty: every kind
    std::optional<double> probability;        // 0..1
    std::uint64_t every{0};                   // every Nth matching request (counted after `after`); 0: each
    std::uint64_t after{0};                   // the first N matching requests pass unharmed
    std::optional<microseconds> from;         // since the engine's start time
    std::optional<microseconds> until;        // exclusive
    std::optional<std::uint64_t> seed;        // else derived from the bus seed and the fault's index
    friend bool operator==(const fault_trigger&, const fault_trigger&) = default;
};

// What M-Bus and HAN faults share: their own random stream, seeded from the trigger's seed or else from
// the bus seed and the fault's index (splitmix64: nearby seeds give unrelated streams).
std::uint64_t fault_seed(const fault_trigger& t, std::uint64_t bus_seed, std::size_t index);
// A uniform draw in [0, 1) from the top 53 bits, the same on every standard library (the
// distributions of <random> are not).
double uniform01(std::mt19937_64& rng);
// Whether the n-th event (from 1) the fault matched, `since` the engine's start, fires: window, after,
// every, then probability. Drawn last, so the sequence depends only on the events that passed the rest.
// The request kinds are the caller's to check.
bool trigger_fires(const fault_trigger& t, std::uint64_t n, microseconds since, std::mt19937_64& rng);

struct fault_spec {
    std::string name;
    std::string meter; // empty: every meter on the bus
    fault_trigger trigger;
    fault_action action;
    bool active{true}; // false: waits for the timeline to switch it on
    friend bool operator==(const fault_spec&, const fault_spec&) = default;
};
std::ostream& operator<<(std::ostream& os, const fault_spec& f);

} // namespace mbus::sim
