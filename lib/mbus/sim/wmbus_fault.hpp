#pragma once
// Radio faults on wireless meters' transmissions: what a reader of a receiver stick must survive (a
// CRC error in one block, a telegram it cannot decrypt, a cut frame, a transmission that never came,
// a meter whose clock drifts, two meters on the air at once). A scenario declares them as [[fault]]s
// with a wm_* kind (scenario/detail/fault_table.cpp) and the triggers every fault has (fault_trigger:
// every, after, probability with the seed, from/until, active), counted per transmission as HAN
// faults count pushes (sim/han_fault.hpp).
//
// Pure: wmbus_fault_engine::decide says which faults fire on a transmission, apply_wmbus_faults what
// becomes of its bytes; time_on_air and resolve_collisions are the air's physics. The runtime
// (runtime/wmbus_air.hpp) carries that out.

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
#include <mbus/sim/fault_spec.hpp>
#include <mbus/sim/push_fault_engine.hpp>
#include <mbus/sim/wmbus_meter.hpp>

namespace mbus::sim {

namespace wmbus_faults {

struct crc { // one data bit flipped in block `block` (1-based, as EN 13757-4 numbers them): its CRC fails
    static constexpr std::string_view name = "wm_crc";
    std::size_t block{2}; // past the last block: the last
    friend bool operator==(const crc&, const crc&) = default;
};
struct wrong_key { // encrypted (the meter's mode, mode 5 for a meter in the clear) with another key
    static constexpr std::string_view name = "wm_wrong_key";
    bytes key; // empty: the meter's key with every bit inverted (FF x 16 for a meter without one)
    friend bool operator==(const wrong_key&, const wrong_key&) = default;
};
// A reception cut off after the first `keep` bytes of the telegram (L first, no CRCs), or that
// fraction: the meter sent it all (its time on air is whole), the receiver lost the rest. L still
// says the whole length, so the frame is short of it and its last block's CRC cannot be checked: a
// stick (iM871A, AMB8465) hands nothing over, as for a CRC error; rtl_wmbus prints it with CRC_OK 0;
// a hex line carries what arrived, CRCs included.
struct truncate {
    static constexpr std::string_view name = "wm_truncate";
    std::size_t keep{0};  // 0: use fraction
    double fraction{0.5}; // (0, 1)
    friend bool operator==(const truncate&, const truncate&) = default;
};
struct missing { // the transmission is not sent (the meter counts it: a gap in access numbers)
    static constexpr std::string_view name = "wm_missing";
    friend bool operator==(const missing&, const missing&) = default;
};
struct drift { // the wait after this transmission as a clock `ppm` fast (> 0) or slow measures it
    static constexpr std::string_view name = "wm_drift";
    double ppm{100};
    friend bool operator==(const drift&, const drift&) = default;
};
// Meter `with` transmits while this one is on the air: its next transmission, the one it would send
// anyway (next access number, its values then, its own faults), starts `offset` after this one
// started instead of at its due time; no transmission is added and the ones after it keep their
// times. Which of the two a receiver hears is the air's: the capture margin ([receiver] capture_db).
struct collision {
    static constexpr std::string_view name = "wm_collision";
    std::string with;
    microseconds offset{0};
    friend bool operator==(const collision&, const collision&) = default;
};

} // namespace wmbus_faults

using wmbus_fault_action = std::variant<wmbus_faults::crc, wmbus_faults::wrong_key, wmbus_faults::truncate,
                                        wmbus_faults::missing, wmbus_faults::drift, wmbus_faults::collision>;

inline constexpr auto wmbus_fault_kind_names = alternative_names<wmbus_fault_action>();

std::string_view name(const wmbus_fault_action& a);
// The kind with that name (case-blind), its settings at their defaults.
std::optional<wmbus_fault_action> parse_wmbus_fault_kind(std::string_view text);

// A [[fault]] on a wireless meter. The trigger's `requests` stays empty: nobody asks.
struct wmbus_fault_spec {
    std::string name;
    std::string meter; // empty: every wireless meter
    fault_trigger trigger;
    wmbus_fault_action action;
    bool active{true};
    friend bool operator==(const wmbus_fault_spec&, const wmbus_fault_spec&) = default;
};

using wmbus_fault_engine = push_fault_engine<wmbus_fault_spec>;

// What becomes of one transmission.
struct wmbus_outcome {
    bool sent{true};                      // false: wm_missing
    bytes air;                            // on the air, with CRCs (maybe one failing)
    bytes plain;                          // as a stick hands it over: L first, no CRCs (maybe cut)
    std::optional<std::size_t> crc_block; // wm_crc: the block whose CRC fails
    std::size_t sent_bytes{0};            // on the air, with CRCs: the whole frame, cut or not
    std::optional<std::size_t> cut;       // wm_truncate: the telegram bytes that arrived (of L + 1)
    std::optional<double> drift_ppm;      // wm_drift: for the meter's next wait
    std::vector<std::pair<std::size_t, microseconds>> collide_with; // wm_collision: meter, offset
    std::vector<std::string> injected;                              // one line per fault, as HAN's `injected`
};

// The key a fired wm_wrong_key makes the meter encrypt with (the meter transmits with it: the
// records must be encrypted afresh); nullopt when none fired.
std::optional<bytes> wrong_key_of(const wmbus_fault_engine& engine, const std::vector<std::size_t>& fired,
                                  const wmbus_meter_config& c);

// Applies the fired faults (from decide) to the transmission of meter `c` (already encrypted with
// wrong_key_of's key when that fired), in a fixed order: the CRC, the cut, then the air's (missing,
// drift, collisions).
wmbus_outcome apply_wmbus_faults(const wmbus_fault_engine& engine, const std::vector<std::size_t>& fired,
                                 const wmbus_meter_config& c, const wmbus_transmission& t);

// Byte-level helpers, for tests and the faults.
// How many bytes of a frame on the air hold its first `n` telegram bytes (L first) and the CRCs
// between them: format A has a CRC after byte 10 and after every 16 bytes from there; format B one
// after byte 126.
std::size_t air_bytes_for(std::size_t n, wmbus::frame_format fmt);
// Where each block's CRC sits in a frame on the air (format A: after 10, then every 16 bytes;
// format B: after 126 bytes and at the end), 1-based blocks in order.
std::vector<std::size_t> crc_offsets(bytes_view air, wmbus::frame_format fmt);
// The frame with one bit flipped in the last data byte before block `block`'s CRC (clamped to the
// last block); the block it chose.
std::pair<bytes, std::size_t> with_crc_error(bytes air, wmbus::frame_format fmt, std::size_t block);

// The air. Time on air of `air_bytes` bytes (the frame with its CRCs) in `mode` (EN 13757-4, physical
// layer): T1 100 kchip/s, 3 out of 6 (12 chips a byte), header 19 x (01) + 10 sync chips; C1 100
// kchip/s NRZ (8 chips a byte), header 16 x (01) + 32 sync chips; S1 32.768 kchip/s Manchester (16
// chips a byte), header 279 x (01) + 18 sync chips; a postamble of 2 chips in each (the minimum).
// Checked against (2026-12): Microchip's wM-Bus stack guide, table 5-1 "TRX Configuration"
// (onlinedocs.microchip.com, S1 Manchester n >= 279 sync 0x07696 18 bits; T1 3-of-6 100 kbit/s n >= 19
// sync 0x03D 10 bits); rtl_433 src/devices/m_bus.c (C: 100 kbit/s NRZ, after the preamble 0x543D then
// 0x54CD for format A, 0x543D for B: 32 sync chips; S: 32.768 kbit/s Manchester, sync 0x7696); the
// iM871A user manual v1.2, table 4-3 (100 kcps with 3 out of 6 = 66.66 kbps; 32.768 kcps Manchester)
// and 3.1.3 (that stick's postamble: 8 chips, 4 for even-length T frames, within EN 13757-4's 2..8:
// 6 chips more are 60 us at 100 kchip/s, well inside the collision window's other uncertainties).
duration time_on_air(wmbus_mode mode, std::size_t air_bytes);

struct air_slot {
    time_point start{};
    duration length{};
    int rssi_dbm{0};
};
// The capture margin the receiver needs by default: a telegram survives an overlap when it is at
// least this much stronger than every telegram it overlaps (co-channel rejection of the sub-GHz FSK
// receivers in the sticks is in the order of 6-10 dB; 6 dB is the optimistic end).
inline constexpr double default_capture_db = 6;
// Which slots a receiver hears: each one that overlaps no other, or that is stronger than every one it
// overlaps by `capture_db` or more. Overlap: the open intervals [start, start + length) meet.
std::vector<bool> resolve_collisions(const std::vector<air_slot>& slots, double capture_db);

} // namespace mbus::sim
