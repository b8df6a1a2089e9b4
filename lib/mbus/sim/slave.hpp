#pragma once
// One meter's EN 13757-2 link layer as a state machine: a request frame and the time in, what the
// meter answers (nothing, E5 or a frame) and how its state changed out. No I/O and no clock.
//
// What it does, request by request (see ../shared/protocol.md):
// - SND_NKE: E5, and the link state is reset (FCB expectation, multi-telegram position); sent to
//   FD it reaches the selected meter only, which is then deselected.
// - REQ_UD2: RSP_UD with the values at `now`. FCB (with FCV=1): the first request after a reset or a
//   selection starts at telegram 1 whatever its FCB; the same FCB as the previous REQ_UD2 is a
//   repetition and gets the previous reply again, byte for byte; a toggled FCB moves on to the next
//   telegram when the previous one ended in DIF 1F, else back to the first. A master that never
//   toggles keeps getting its first reply. FCV=0 (C=4B; note 5B is FCV=1 FCB=0) asks for the
//   current data: the first telegram, freshly encoded, FCB state untouched.
// - REQ_UD1: E5 when no alarm is pending, else the class 1 telegram (which clears the alarm).
//   Every RSP_UD carries ACD (C=28) while an alarm is pending.
// - SND_UD: CI 52 / 56 select (to FD only; every meter looks at it, selected or not), the meter's
//   write rules, CI 51 set address (01 7A), set identification (0C 79 / 07 79) and writes to
//   writable records, CI 50 application reset, CI B8..BF baud rate. Anything else, or any record
//   the meter cannot carry out, is refused as quirks::refuse says; nothing is half applied.
//   SND_UD takes no part in FCB repetition: masters send C=53 for every SND_UD, and a meter that
//   read the second of two as a repetition would drop it.
// - Addresses: its primary address (0 included), FD while selected, FE (answers), FF (acts,
//   never answers). Frames from slaves (PRM=0), unknown C fields and mismatched frame kinds are
//   ignored.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>

#include <mbus/core/bytes.hpp>
#include <mbus/core/time.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/meter.hpp>
#include <mbus/sim/meter_config.hpp>
#include <mbus/sim/now.hpp>

namespace mbus::sim {

struct slave_reply {
    bytes wire;                         // what the meter sends; empty: it stays silent
    std::optional<unsigned> baud_after; // from now on the meter listens and answers at this rate
    std::optional<byte> address_after;  // from now on the meter answers at this primary address
    std::string note;                   // what the meter did, for logs; empty: the frame was not for it
    bool repeated{false};               // the previous reply again (same FCB: the master repeated)
    bool silent() const { return wire.empty(); }
    bool is_ack() const { return wire.size() == 1 && wire[0] == link::ack_byte; }
    friend bool operator==(const slave_reply&, const slave_reply&) = default;
};
std::ostream& operator<<(std::ostream& os, const slave_reply& r);

// Whether a slave takes `f` as a request at all: E5 and anything a slave sent (PRM clear) are not,
// and bit 7 is reserved in every C field. The bus asks it too, to offer a frame to nobody.
bool is_request(const link::frame& f);
// Whether `f` is a CI 52 / 56 select (a SND_UD long frame): sent to FD, every meter looks at it.
bool is_select(const link::frame& f);
// Whether `f` is a SND_NKE (a short frame).
bool is_snd_nke(const link::frame& f);

class slave {
  public:
    explicit slave(meter_config config, time_point start = {});

    slave_reply on_frame(const link::frame& request, const sim_now& now);

    const std::string& name() const { return meter_.config().name; }
    byte address() const { return meter_.address(); }
    unsigned baud() const { return meter_.baud(); }
    bool selected() const { return selected_; }
    // The FCB of the last REQ_UD with FCV=1 since the last reset; unset: none yet.
    std::optional<bool> last_fcb() const { return last_fcb_; }
    bool alarm_pending() const { return meter_.alarm_pending(); }
    // For the runner's scheduled events (an alarm that a scenario raises at some time).
    void set_alarm(bool pending) { meter_.set_alarm(pending); }
    // Power lost and back: the link state and any selection are forgotten (the primary address,
    // identity, rate and written values are kept, as a meter keeps them in non-volatile memory).
    void power_cycle();
    // A select went by that this slave heard but was not offered because it could not match it (the
    // bus offers a select to the meters it may select and to the selected ones): what taking it
    // would have done to a meter it did not select.
    void missed_select();
    // Whether a plain REQ_UD2's reply says which telegram went ("REQ_UD2: telegram 1"): a runner that
    // nobody reads notes from turns it off, and the hot path formats nothing. Other notes stay.
    void set_notes(bool on) { notes_ = on; }

    meter& app() { return meter_; }
    const meter& app() const { return meter_; }

  private:
    enum class request_kind : std::uint8_t { req_ud1, req_ud2 };
    using pending_reply = std::variant<std::size_t, recorded_telegram>;

    slave_reply snd_nke(const link::frame& f);
    slave_reply req_ud(const link::frame& f, request_kind kind, const sim_now& now);
    slave_reply snd_ud(const link::frame& f, const sim_now& now);
    slave_reply select(const link::frame& f);
    slave_reply data_send(const link::frame& f);
    slave_reply refuse(std::uint8_t status, std::string why);
    slave_reply ack(std::string note) const;
    telegram fresh_ud2(std::size_t index, const sim_now& now, std::string& note);
    void reset_link();

    bool notes_{true};

    meter meter_;
    bool selected_{false};

    // The last REQ_UD exchange with FCV=1: what a repetition gets again.
    std::optional<bool> last_fcb_; // unset after a reset: the next request is new whatever its FCB
    // Whether the master has toggled the FCB since the last reset. Only then does an unchanged FCB
    // mean a repetition: many masters (libmbus request-data: always 5B, no SND_NKE) never toggle and
    // must still get fresh data on every poll.
    bool toggled_{false};
    request_kind last_kind_{request_kind::req_ud2};
    bytes last_reply_;
    // The REQ_UD2 readout: the telegram last sent and whether it ended in DIF 1F.
    std::size_t position_{0};
    bool last_more_{false};

    // Application state a SND_UD leaves for the next REQ_UD2.
    std::optional<pending_reply> pending_reply_;
    std::optional<std::uint8_t> pending_error_;
};

} // namespace mbus::sim
