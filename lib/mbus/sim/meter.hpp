#pragma once
// One simulated meter's application side: its identity as it stands now (writes change it), its
// records and their values, and how they become telegrams. The link layer (FCB, selection,
// answers) is in slave.hpp.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mbus/app/telegram.hpp>
#include <mbus/app/value.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/core/time.hpp>
#include <mbus/sim/meter_config.hpp>
#include <mbus/sim/now.hpp>
#include <mbus/sim/value_source.hpp>

namespace mbus::sim {

// A telegram ready for the wire.
struct telegram {
    bytes wire;               // empty when the telegram could not be encoded (over 255 L)
    bool more_follows{false}; // its last record is DIF 1F: the readout goes on with the next one
    std::size_t index{0};     // which telegram of the readout it is (0 for any other telegram)
    friend bool operator==(const telegram&, const telegram&) = default;
};
std::ostream& operator<<(std::ostream& os, const telegram& t);

// CI 70 status bytes (EN 13757-3; libmbus names them the same way).
namespace app_status {
inline constexpr std::uint8_t unspecified = 0x00;
inline constexpr std::uint8_t unimplemented_ci = 0x01;
inline constexpr std::uint8_t buffer_too_long = 0x02;
inline constexpr std::uint8_t too_many_records = 0x03;
inline constexpr std::uint8_t premature_end = 0x04;
inline constexpr std::uint8_t too_many_dife = 0x05;
inline constexpr std::uint8_t too_many_vife = 0x06;
inline constexpr std::uint8_t busy = 0x08;
inline constexpr std::uint8_t too_many_readouts = 0x09;
} // namespace app_status

class meter {
  public:
    // `start` is when the meter began: elapsed-time sources count from it.
    explicit meter(meter_config config, time_point start = {});

    const meter_config& config() const { return config_; }

    byte address() const { return address_; }
    void set_address(byte a) { address_ = a; }
    const app::secondary_address& identity() const { return identity_; }
    void set_identity(const app::secondary_address& id) { identity_ = id; }
    unsigned baud() const { return baud_; }
    void set_baud(unsigned b) { baud_ = b; }
    bool alarm_pending() const { return alarm_pending_; }
    void set_alarm(bool pending) { alarm_pending_ = pending; }
    // The access number the next encoded telegram carries.
    std::uint8_t access_number() const { return access_; }
    // The status byte of the header of every telegram encoded from now on (recorded telegrams keep
    // their own).
    std::uint8_t status() const { return status_; }
    void set_status(std::uint8_t s) { status_ = s; }

    // Record `index` (of config().records) takes its value from `source` from now on, with elapsed
    // time counted from `since` (a counter of a timeline event starts when the event happens). A
    // value written by a SND_UD before is dropped: the newest change wins. False, changing nothing,
    // when the record has no value a source can drive (see source_problem).
    bool set_source(std::size_t index, value_source source, time_point since);
    // The source record `index` follows now (null: its own value, or one a master wrote).
    const value_source* source(std::size_t index) const;

    // The records as they would be sent at `now`, written values included (no access number used).
    // A record whose spec cannot be encoded goes out as an idle filler (DIF 2F); see problems().
    std::vector<app::record> records_at(const sim_now& now);
    // What went wrong or was clamped while building the last records (for logs), and what was
    // wrong with the configuration from the start (specs that cannot be encoded).
    const std::vector<std::string>& notes() const { return notes_; }
    const std::vector<std::string>& problems() const { return shapes_->problems; }

    // Telegram `index` of the readout (0 when `index` is past the last), encoded at `now` with the
    // next access number, which then counts on. ACD is set when `acd`.
    telegram readout(std::size_t index, const sim_now& now, bool acd);
    // A telegram given as bytes, as it is sent by this meter now.
    telegram render(const recorded_telegram& t, bool acd) const;
    // What a REQ_UD1 gets while an alarm is pending: the alarm telegram, else the first telegram.
    telegram alarm_telegram(const sim_now& now);
    // A CI 70 application error with one status byte.
    telegram app_error(std::uint8_t status, bool acd) const;

    // Replaces the data of the writable record whose DIF, DIFEs, VIF, VIFEs (and plain-text unit)
    // are those of `r`. False when no writable record has them.
    bool can_write(const app::record& r) const;
    bool write(const app::record& r);
    // Record `index` by position, for state kept over a restart (meter_state.hpp): the data a
    // SND_UD wrote into it, if any; the field writes must match; and a write of `data` into it
    // (false, changing nothing: no such writable record).
    const std::optional<bytes>& written(std::size_t index) const;
    const app::record& shape(std::size_t index) const { return shapes_->records.at(index).shape; }
    bool write(std::size_t index, bytes data);

    // Readout telegrams are built from records (false: recorded telegrams are replayed).
    bool generates() const { return config_.recorded.empty(); }

  private:
    // What the configured records are before any request: a pure function of config().records, so
    // the meters made from one list (a scenario's `repeat`, 100,000 on one bus) share one.
    struct record_shape {
        app::record shape;   // as configured (a spec with its own value): what writes match
        bytes wire;          // `shape` as it goes into a telegram
        std::size_t head{0}; // the bytes of `wire` before its data (DIB and VIB)
        int shift{0};        // powers of ten from the source's unit to the field's
        rounding round{rounding::nearest};
        bool sourced{false}; // a generator drives it from the configured source
    };
    struct record_shapes {
        std::vector<record_shape> records;
        std::vector<std::string> problems; // specs that cannot be encoded
    };
    static std::shared_ptr<const record_shapes> shapes_of(const meter_config& config);

    // What one meter's records do over time. Made on first use (a request that reads them, a write,
    // a new source): until then every record follows its shape and configured source from start_.
    struct record_state {
        std::optional<value_generator> generator;
        int shift{0}; // powers of ten from the source's unit to the field's
        rounding round{rounding::nearest};
        std::optional<bytes> written; // data written by a SND_UD; wins over the source
        time_point since;             // where the generator's elapsed time starts
        // The record encoded from the generator's last value, sent again while the value stays the
        // same: most polls find it unchanged, and encoding a record costs a dozen allocations. The
        // bytes are a function of the configured spec and the value alone, so nothing else (a new
        // source, a write, a fault) can make them stale.
        std::optional<app::value> encoded_value;
        bytes encoded;
        // The generator's sample that `encoded` was last sent for, fitted without a note: the same
        // sample again (a clock record within its second, a constant) sends the same bytes without
        // fitting it again. The fit depends on the sample, the spec, `shift` and `round` alone;
        // set_source() forgets it.
        std::optional<sample> sent_sample;
    };
    // Record i as it goes out now: its DIB and VIB, then its data (views into the shapes or state).
    struct record_bytes {
        bytes_view head;
        bytes_view data;
        std::size_t size() const { return head.size() + data.size(); }
    };
    std::vector<record_state>& state();

    app::record record_at(std::size_t i, const sim_now& now);
    // The value a generator gives record i at `now`, fitted to its coding (nothing: the record's
    // shape goes out; notes say why).
    std::optional<app::value> value_at(std::size_t i, const sim_now& now);
    std::optional<app::value> fitted(std::size_t i, const sample& s);
    record_bytes bytes_at(std::size_t i, const sim_now& now);
    std::uint8_t take_access_number();

    meter_config config_;
    time_point start_;
    byte address_;
    app::secondary_address identity_;
    unsigned baud_;
    bool alarm_pending_;
    std::uint8_t status_;
    std::uint8_t access_;
    std::shared_ptr<const record_shapes> shapes_;
    std::vector<record_state> state_; // empty until state() first makes it
    std::vector<std::string> notes_;
};

// Why `source` cannot drive record `index` of `m` (nothing: it can): no such record, a record given
// as bytes or of a coding without a number, or values the source reaches (its start, or the ends of
// a ramp, sine or random walk) that the coding cannot hold. A counter is checked at its start only:
// it grows without end, and a value past the coding's range is clamped when it is sent.
std::optional<std::string> source_problem(const meter_config& m, std::size_t index,
                                          const value_source& source);

// The bytes of one record as it is encoded inside a telegram.
std::size_t encoded_size(const app::record& r);
// Whether two records share DIF, DIFEs, VIF, VIFEs and plain-text unit (the data may differ).
bool same_field(const app::record& a, const app::record& b);

} // namespace mbus::sim
