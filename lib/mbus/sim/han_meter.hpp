#pragma once
// A HAN push meter: it sends, unasked, the lists of its make on the make's schedule. Pure: the
// runner passes the time in (sim_now) and asks which pushes are due; the meter answers with the
// bytes of each push and moves on.
//
// Schedule, in slots of the meter clock (han_slot_length); a slot carries at most one list, and the
// hourly list carries the meter clock and the energy registers as they stood at hh:00:00:
// - Kaifa (corpus captures: list 1 at 14:37:18, list 2 at :20, list 3 at hh:00:10): 2 s slots at even
//   seconds; list 3 at hh:00:10, else list 2 when the second is a multiple of 10, else list 1;
// - Aidon ("Aidon HAN Interface v1.1A": list 1 every 2.5 s, list 2 every 10 s, list 3 at the start of
//   the hour; its clock reads hh:00:00 in amsreader_aidon_no_list3_gh1119_*): 2.5 s slots; list 3 at
//   hh:00:00, else list 2 at whole multiples of 10 s, else list 1;
// - Kamstrup (HAN-NVE rev 3.1 and the corpus: list 1 at hh:mm:x0, the hourly list 2 at hh:00:05 in
//   the document's example and the old-firmware capture): 5 s slots; list 1 at multiples of 10 s,
//   list 2 at hh:00:05, nothing in the other slots;
// - Swedish Aidon (its one list, every 10 s: Aidon RJ45 HAN Interface v1.4A, section 4): list 1 at
//   multiples of 10 s of the 2.5 s grid, with the registers as they are;
// - Swedish Kaifa: as the Norwegian (gurux.fi node 23817: list 3 at hh:00:10 ... as in Norway);
// - Danish and Swiss Kamstrup: "DLMS push 1" (list 3) at multiples of 10 s (amsreader issues #216, #517
//   show it at hh:mm:x0), with the registers as they are.
//
// Values: active power from the scenario's generator (positive: import, negative: export); the
// phases share it equally; voltage from its generator; each phase current is P / (phases U cos phi);
// reactive power |P| tan phi, on the side of the active power; per-phase powers and registers are the
// totals shared by the phases, each phase's power factor the scenario's. Energy registers integrate the
// powers over each 2 s slot (the power at the slot's start held for the slot).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/core/time.hpp>
#include <mbus/han/objects.hpp>
#include <mbus/sim/han_lists.hpp>
#include <mbus/sim/now.hpp>
#include <mbus/sim/value_source.hpp>

namespace mbus::sim {

struct han_meter_config {
    std::string name;
    han_identity identity;
    value_source power{constant{1000}};  // W
    value_source voltage{constant{230}}; // V
    double power_factor{1.0};            // cos phi, (0, 1]
    std::optional<han_cipher> cipher;    // general-glo-ciphering when set
    std::uint32_t frame_counter{1};      // of the first ciphered push; +1 per push
    double import_wh{0}, export_wh{0};   // registers at the start
    double import_varh{0}, export_varh{0};
    friend bool operator==(const han_meter_config&, const han_meter_config&) = default;
};

struct han_push {
    int list{0};                    // 1, 2, 3
    time_point at{};                // when it is due (steady clock)
    wall_time clock{};              // the meter clock it carries
    han::object_list objects;       // as sent (before ciphering)
    bytes wire;                     // HDLC frame(s), back to back
    std::uint32_t frame_counter{0}; // the one it was ciphered with (han_fault re-encodes with it)
};

// The readings at an instant from the generators alone (no registers): for tests and logs.
han_readings han_instant(const han_meter_config& c, duration elapsed, wall_time wall);
// The same from a power (W, signed) and a voltage.
han_readings han_readings_of(const han_meter_config& c, double power_w, double voltage_v);

class han_meter {
  public:
    // The meter starts at `start`: its first slot is the first one of its make after it.
    han_meter(han_meter_config c, sim_now start);

    const han_meter_config& config() const { return config_; }
    time_point next_due() const;
    // Every push due at or before `now`, in order (slots without a list send nothing). A slot more than an
    // hour late is skipped, its energy still counted (a machine that slept does not flood the line).
    result<std::vector<han_push>> poll(sim_now now);

    // The registers now (after the slots polled so far).
    const han_readings& registers() const { return registers_; }
    std::uint32_t frame_counter() const { return counter_; }
    // The meter clock jumps by `by` (a han_clock_jump fault): pushes keep their pace on the steady
    // clock, their slots and the clock they carry move; energy is not counted for the jump.
    void shift_clock(std::chrono::seconds by);

  private:
    result<han_push> push(int list, wall_time slot, time_point at);

    han_meter_config config_;
    value_generator power_;
    value_generator voltage_;
    sim_now start_;
    wall_time next_slot_;     // wall time of the next slot
    wall_time integrated_to_; // the registers count energy up to here
    han_readings registers_;  // energy fields only
    han_readings at_hour_;    // the registers at the last whole hour
    std::uint32_t counter_;
};

// The length of a make's push slot, and the list a slot at `since_hour` into the hour carries (0: none).
duration han_slot_length(han_make m);
int han_list_at(han_make m, duration since_hour);
int han_list_at(const han_identity& who, duration since_hour);

// The COSEM date-time of a wall time (UTC as the meter's local time) in the make's form
// (han::clock_of: hundredths not given, Kaifa and Kamstrup deviation not specified, Aidon 0).
han::date_time han_clock(wall_time t, han_make m = han_make::kaifa, han_variant v = han_variant::no);

} // namespace mbus::sim
