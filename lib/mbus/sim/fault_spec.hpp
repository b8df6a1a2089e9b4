#pragma once
// A fault as a scenario declares it ([[fault]]): what goes wrong, for which meter (or the whole bus),
// on which requests, and when. sim/fault.hpp's fault_engine carries it out.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/link/request_kind.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/timing.hpp>

namespace mbus::sim {

enum class fault_kind : std::uint8_t {
    // Timing.
    no_answer, // the answer is dropped
    late,      // the answer comes after params.late (may lie beyond the response window)
    gap,       // a pause of params.gap.length after params.gap.after bytes
    // Corruption of the bytes.
    bad_checksum, // CS += params.delta
    bad_stop,     // the stop byte becomes params.value
    bad_length,   // L += params.delta in the L field(s) params.which names (long frames)
    truncate,     // only the first params.keep bytes are sent
    bit_errors,   // every data bit flips with probability params.rate
    garbage,      // params.prefix / params.suffix (or that many random bytes) around the answer
    ack_junk,     // an E5 answer is followed by params.suffix (or random bytes)
    // Extra or misdirected answers.
    echo,          // the master's request, as it came, before the answer
    duplicate,     // the answer params.copies times back to back
    wrong_address, // A becomes params.address (checksum recomputed: a valid frame)
    // Application layer.
    ignore_fcb,    // every REQ_UD2 reaches the meter as FCV=0: the first telegram, freshly made
    access_number, // the header's access number becomes params.value (checksum recomputed)
    status_flags,  // params.value ORed into the header's status byte (checksum recomputed)
    app_error,     // the answer is replaced by a CI 70 frame with status params.value
    // Addressing and the line.
    any_address, // the meter takes any primary address 0..250 as its own
    wrong_baud,  // the meter sends at params.baud; the master's UART samples at the line rate
    wake_up,     // the first params.count requests after power-on are not heard
    preamble,    // requests are heard only after at least params.count 0x00 bytes
};
inline constexpr std::size_t fault_kind_count = 21;

// "no_answer", "late", ... as scenarios spell them.
std::string_view name(fault_kind k);
std::optional<fault_kind> parse_fault_kind(std::string_view text);
std::ostream& operator<<(std::ostream& os, fault_kind k);

// Which length byte a bad_length fault changes: both (the frame then claims another size) or one
// (the two L bytes disagree).
enum class length_field : std::uint8_t { both, first, second };

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

// Kind-specific settings; each kind reads only the fields its comment in fault_kind names.
struct fault_params {
    delay_range late{};                     // late: a fixed delay has min == max
    answer::gap gap{};                      // gap
    int delta{1};                           // bad_checksum, bad_length
    byte value{0};                          // bad_stop, access_number, status_flags, app_error
    length_field which{length_field::both}; // bad_length
    std::size_t keep{0};                    // truncate
    double rate{0};                         // bit_errors
    bytes prefix;                           // garbage
    std::size_t prefix_random{0};           // garbage: random bytes when prefix is empty
    bytes suffix;                           // garbage, ack_junk
    std::size_t suffix_random{0};           // garbage, ack_junk
    std::size_t copies{2};                  // duplicate
    std::optional<byte> address;            // wrong_address; unset: the meter's address + 1 (250 wraps to 0)
    unsigned baud{0};                       // wrong_baud: the meter's rate
    unsigned line_baud{2400};               // wrong_baud: the line's rate when the master's is unknown (TCP)
    std::size_t count{1};                   // wake_up, preamble
    friend bool operator==(const fault_params&, const fault_params&) = default;
};

struct fault_spec {
    std::string name;
    std::string meter; // empty: every meter on the bus
    fault_kind kind{fault_kind::no_answer};
    fault_trigger when;
    fault_params params;
    bool active{true}; // false: waits for the timeline to switch it on
    friend bool operator==(const fault_spec&, const fault_spec&) = default;
};
std::ostream& operator<<(std::ostream& os, const fault_spec& f);

} // namespace mbus::sim
