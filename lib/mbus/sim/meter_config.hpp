#pragma once
// Everything a scenario can say about one simulated meter, as plain structs with defaults: the
// scenario loader fills them, slave and bus run them.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <mbus/app/record_spec.hpp>
#include <mbus/app/secondary_address.hpp>
#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/shared_vector.hpp>
#include <mbus/sim/timing.hpp>
#include <mbus/sim/value_source.hpp>

namespace mbus::sim {

// ---- records ----

// A record described by its meaning (app::record_spec: function, storage, tariff, subunit,
// quantity, unit, exponent, data coding and a value), encoded anew for every reply. Without a
// source it always sends spec.v; with one, the source's value at the request time replaces spec.v.
// A number x from the source means x * 10^value_exponent of the VIF's unit (Wh, m3, C...): with
// value_exponent 0 sources work in plain units whatever the record's resolution; a loader whose
// author wrote "kWh" sets 3. It is then scaled to the field (by the VIF's exponent and any VIFE
// correction), rounded and clamped as fit() in record_value.hpp says. A local time from a date
// source goes into date (int16), time (int24) or date-time (int32, int48) fields.
struct spec_record {
    app::record_spec spec;
    std::optional<value_source> source;
    int value_exponent{0};
    friend bool operator==(const spec_record&, const spec_record&) = default;
};

// A record given as its bytes: DIF/DIFE, VIF/VIFE (and plain-text unit) and data, sent as they are.
struct raw_record {
    app::record record;
    friend bool operator==(const raw_record&, const raw_record&) = default;
};

struct record_config {
    std::variant<spec_record, raw_record> content;
    // A SND_UD CI 51 record with the same DIF, DIFEs, VIF and VIFEs replaces this record's data
    // (and stops its value source: the meter shows what was written).
    bool writable{false};
    friend bool operator==(const record_config&, const record_config&) = default;
};

// ---- telegrams given as bytes ----

// User data after CI; sent in an RSP_UD long frame with the meter's address (and ACD while an
// alarm is pending). Not re-encoded: the access number is the recorded one.
struct recorded_user_data {
    byte ci{app::ci::variable_long};
    bytes data;
    friend bool operator==(const recorded_user_data&, const recorded_user_data&) = default;
};
// A whole frame, start to stop byte, sent byte for byte (even with a wrong checksum or address).
struct recorded_frame {
    bytes wire;
    friend bool operator==(const recorded_frame&, const recorded_frame&) = default;
};
using recorded_telegram = std::variant<recorded_user_data, recorded_frame>;

// "After a SND_UD matching these bytes, the next REQ_UD2 returns telegram X": selection for readout
// (CI 51 with DIF 08 records), a manufacturer CI, and the like. The SND_UD is answered with E5.
struct write_rule {
    byte ci{app::ci::data_send};
    bytes data;         // the SND_UD user data after CI
    bool prefix{false}; // `data` need only start the SND_UD's data
    // One of the meter's readout telegrams (index from 0), or a telegram given as bytes.
    std::variant<std::size_t, recorded_telegram> reply{std::size_t{0}};
    friend bool operator==(const write_rule&, const write_rule&) = default;
};

// ---- behaviour ----

// How a slave refuses a SND_UD it cannot carry out (unknown CI, a record that is not writable,
// malformed records, an invalid new address).
enum class refusal : std::uint8_t {
    silent,             // no answer: the master times out
    ack,                // E5 as for any SND_UD received whole (the link layer confirms receipt)
    ack_then_app_error, // E5, then the next REQ_UD2 gets a CI 70 application error
};

enum class fcb_mode : std::uint8_t {
    standard, // repetition, multi-telegram progress and wrap by the FCB (EN 13757-2)
    ignore,   // the FCB means nothing: every REQ_UD2 gets the first telegram, freshly encoded
};

// What a meter does with SND_NKE at FD while no select has chosen it.
enum class fd_mode : std::uint8_t {
    silent, // EN 13757-3: FD concerns only a selected meter
    ack,    // E5, as some real meters do (a master that waits for it before selecting works there)
};

struct access_number_config {
    std::uint8_t initial{0};
    bool fixed{false}; // every reply carries `initial`; otherwise it counts up per new reply (mod 256)
    friend bool operator==(const access_number_config&, const access_number_config&) = default;
};

struct quirks {
    refusal refuse{refusal::ack};
    app::wildcard_style wildcards{app::wildcard_style::standard};
    fcb_mode fcb{fcb_mode::standard};
    // Unset (the default): the meter answers at its own point within a character time (0..11 bit
    // times) after the delay the bus drew for the request, drawn per meter and request from the bus
    // seed, so meters answering together overlap shifted and garble as on a real wire. Set: this
    // many bit times after that delay (fractions allowed); with 0 everywhere identical answers line
    // up exactly and come through a collision as one.
    std::optional<double> skew_bits;
    // This meter's own delay range; unset: the bus's.
    std::optional<delay_range> response_delay;
    fd_mode fd_unselected{fd_mode::silent};
    friend bool operator==(const quirks&, const quirks&) = default;
};

// ---- the meter ----

struct meter_config {
    std::string name;
    byte primary_address{0}; // 0..250; 0 is an ordinary address
    app::secondary_address identity;
    std::optional<std::uint32_t> fabrication_number; // BCD nibbles; enables enhanced selection
    std::uint8_t status{0};
    std::uint16_t signature{0};
    access_number_config access_number;

    // Shared by copies until one changes: the meters made from one table hold one list.
    shared_vector<record_config> records;
    // Record indices of each telegram of a multi-telegram readout. Empty: records are packed in
    // order, as many as fit in one frame (L <= 255), each telegram but the last closed by DIF 1F.
    std::vector<std::vector<std::size_t>> pages;
    // When not empty, the readout is these telegrams instead of the records.
    std::vector<recorded_telegram> recorded;

    // Class 1 data for REQ_UD1; without one, a pending alarm is answered with the first telegram.
    std::optional<recorded_telegram> alarm;
    bool alarm_pending{false};

    std::vector<write_rule> write_rules;
    unsigned baud{2400};
    quirks options;

    friend bool operator==(const meter_config&, const meter_config&) = default;
};

std::ostream& operator<<(std::ostream& os, const recorded_telegram& t);
std::ostream& operator<<(std::ostream& os, const meter_config& m);

} // namespace mbus::sim
