#pragma once
// A wireless M-Bus meter (EN 13757-4, OMS): it transmits, unasked, a telegram every interval, each
// interval drawn between the scenario's bounds (real meters jitter their transmissions so that two
// meters do not collide for good). Pure: the runner passes the time in and asks for the transmission
// due; the meter answers with its bytes and moves on.
//
// Each transmission: SND_NR (SND_IR or ACC_NR when the scenario asks, see the config), a short transport
// header (CI 7A) whose access number counts up by one per transmission (mod 256), the records from the
// scenario's generators at that instant, and security mode 5 (AES-128-CBC) when a key is given, or OMS mode 7
// (ELL, AFL with the message counter and the CMAC, keys derived by KDF-A) when asked for
// (wmbus/meter_telegram.hpp); mode 7's message counter counts up by one per transmission. T1 and S1 put the
// frame on the air in format A, C1 in format B.

#include <cstdint>
#include <optional>
#include <string>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/core/shared_vector.hpp>
#include <mbus/core/time.hpp>
#include <mbus/sim/meter.hpp>
#include <mbus/sim/meter_config.hpp>
#include <mbus/sim/now.hpp>
#include <mbus/wmbus/frame.hpp>

namespace mbus::sim {

enum class wmbus_mode : std::uint8_t { t1, c1, s1 };
std::string_view name_of(wmbus_mode m); // "T1", "C1", "S1"
wmbus::frame_format format_of(wmbus_mode m);

struct wmbus_meter_config {
    std::string name;
    std::string model; // the model file it came from, for logs ("" without one)
    std::uint16_t manufacturer{0};
    std::uint32_t id{0}; // BCD nibbles
    std::uint8_t version{0};
    std::uint8_t device_type{0x07};
    wmbus_mode mode{wmbus_mode::t1};
    // Seconds between two transmissions, drawn uniformly in [min, max] for each one (min == max: no
    // jitter). The first transmission is one such interval after the start.
    double interval_min_s{16};
    double interval_max_s{16};
    shared_vector<record_config> records;
    std::optional<bytes> key;         // mode 5 (or 7) with this AES-128 key; none: unencrypted
    bool mode7{false};                // with a key: OMS mode 7 instead of mode 5
    std::uint32_t message_counter{1}; // mode 7: AFL.MCR of the first transmission
    std::uint8_t status{0};
    std::uint8_t access_number{0}; // of the first transmission
    // C fields (EN 13757-4): the first `install_telegrams` transmissions are SND_IR (the meter's
    // installation button pressed at start: the same data as SND_NR); after them every
    // `access_demand_every`th transmission (counted from the first, 0: never) is an ACC_NR with no
    // data (wmbus/meter_telegram.hpp). Each takes its access number; ACC_NR leaves mode 7's
    // message counter alone (it has no AFL).
    std::uint32_t install_telegrams{0};
    std::uint32_t access_demand_every{0};
    double rssi_dbm{-60};
    double rssi_noise_db{0}; // each transmission's RSSI drawn in rssi_dbm +- this, rounded
    std::uint64_t seed{0};   // intervals and RSSI noise: the same seed, the same schedule
    friend bool operator==(const wmbus_meter_config&, const wmbus_meter_config&) = default;
};

struct wmbus_transmission {
    time_point at{};
    std::uint64_t number{0}; // 0 for the first
    std::uint8_t access_number{0};
    std::uint32_t message_counter{0}; // mode 7's; 0 otherwise
    wmbus::frame frame;
    bytes air;   // on the air: the frame with its CRCs in the mode's format
    bytes plain; // as receivers hand it over: L first, no CRCs
    int rssi_dbm{0};
};

class wmbus_meter {
  public:
    wmbus_meter(wmbus_meter_config c, sim_now start);

    const wmbus_meter_config& config() const { return config_; }
    time_point next_due() const { return next_; }
    std::uint8_t access_number() const { return access_; } // of the next transmission
    // The transmission due at next_due(), its records at `now` (the runner passes the instant it
    // sends); the schedule moves on by one interval from the due time, not from `now`, so a late
    // runner does not make the meter walk. Errors: the frame cannot be encoded (too long for L).
    // `key`: encrypt this one with another key (wm_wrong_key), in the meter's mode (5 without one).
    result<wmbus_transmission> transmit(const sim_now& now, const std::optional<bytes>& key = {});
    // The transmission due at next_due(), sent at `at` instead (a wm_collision moves the other
    // meter's next transmission onto the faulted one): the telegram the meter would send anyway (its
    // next access number, its records at `now`), no telegram added; the schedule after it moves on
    // from the due time as transmit()'s does, so the meter's later transmissions keep their times.
    result<wmbus_transmission> transmit_at(time_point at, const sim_now& now,
                                           const std::optional<bytes>& key = {});
    // The meter's clock runs `ppm` parts per million fast (> 0) or slow: the wait to the next
    // transmission, measured in real time, shrinks or grows by that much (wm_drift, applied after
    // each transmission it fires on, so the transmissions walk against the schedule).
    void drift_next(double ppm, time_point from);

    // The interval before transmission `n` (0: before the first), in seconds: a pure function of
    // the seed, for tests.
    double interval_s(std::uint64_t n) const;

  private:
    result<wmbus_transmission> make(const sim_now& now, time_point at, const std::optional<bytes>& key);
    wmbus_meter_config config_;
    meter records_; // turns the record table into records at an instant
    time_point next_;
    std::uint64_t count_{0};
    std::uint8_t access_;
    std::uint32_t counter_;
};

} // namespace mbus::sim
