#pragma once
// bus_master: the master side of one M-Bus line: requests with deadlines and retries, replies classified,
// errors as values. One coroutine at a time uses a master (a bus carries one exchange at a time).
//
// FCB (EN 13757-2): per address, the first FCV=1 request after SND_NKE or a selection carries FCB=1
// (C=7B); every good exchange toggles it; a request repeated after a lost or garbled answer keeps
// it, which tells the slave to send its last answer again.
//
// Retries: a call that expects an answer repeats the request up to `retries` more times when
// nothing or garbage came back. Exceptions, and why: ping() says what to repeat on (a scan's probe
// repeats on garbage only: a silent address is silent); select() repeats on silence only when asked
// (silence is the answer "no match", and a collision is information for the scan);
// set_primary_address() and switch_baud() never repeat (if the first request was carried out, its
// repetition goes to an address or rate the slave no longer listens at).

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>

#include <mbus/app/secondary_address.hpp>
#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/master/exchange.hpp>
#include <mbus/master/readout.hpp>
#include <mbus/master/reply.hpp>
#include <mbus/master/transcript.hpp>
#include <mbus/transport/byte_stream.hpp>

#include <boost/asio/awaitable.hpp>

namespace mbus::master {

struct master_options {
    master::timing timing{timing::for_baud(2400)};
    unsigned retries{2};           // repeats after the first attempt (libmbus's default is 3 attempts too)
    std::size_t max_telegrams{16}; // a readout whose telegram number max_telegrams still ends in 1F fails
    friend bool operator==(const master_options&, const master_options&) = default;
};

struct read_options {
    // SND_NKE first, so that the readout starts at the meter's first telegram whatever an earlier
    // master left behind. Off: REQ_UD2 at once, with the FCB the master holds for the address.
    bool reset_first{true};
    friend bool operator==(const read_options&, const read_options&) = default;
};

// How often a request is repeated, by what came back: nothing, or garbage (garbled bytes, a cut-off
// frame, bytes after a good answer). At most 1 + max(on_silence, on_garbage) attempts in all.
struct repeats {
    unsigned on_silence{0};
    unsigned on_garbage{0};
    friend bool operator==(const repeats&, const repeats&) = default;
};

// The CI of a baud switch to `baud` (B8 = 300 ... BF = 38400), or nullopt for other rates.
std::optional<byte> baud_switch_ci(unsigned baud);

// The SND_UD user data a command sends (after CI), for tests and transcripts.
bytes set_address_data(byte new_address);        // 01 7A NEW
bytes set_identification_data(std::uint32_t id); // 0C 79 and the 8 BCD digits LSB first

class bus_master {
  public:
    explicit bus_master(transport::byte_stream& io, master_options options = {});

    // After reopening the line (e.g. at a new baud rate): the FCB state is the bus's and is kept.
    void set_stream(transport::byte_stream& io) { io_ = &io; }
    transport::byte_stream& stream() const { return *io_; }
    const master_options& options() const { return options_; }
    void set_options(const master_options& options) { options_ = options; }
    void set_transcript(transcript_hook hook) { hook_ = std::move(hook); }

    // One request and its answer: no retry, no check, no FCB bookkeeping.
    asio::awaitable<result<reply>> exchange(const link::frame& request);
    // A request that expects no answer (to FF, say).
    asio::awaitable<result<void>> send(const link::frame& request);

    // SND_NKE to `address`; repeats on silence only (options().retries). presence_of(reply) is what a
    // primary scan needs: none, one (a clean E5), collision. A clean E5 resets the address's FCB (FE,
    // FF: all).
    asio::awaitable<result<reply>> ping(byte address);
    // The same with the repeats given. What comes back is the last answer that was not silence (a
    // garbled answer then silence is a garbled answer), else silence.
    asio::awaitable<result<reply>> ping(byte address, repeats when);

    // One REQ_UD2 with the address's FCB and FCV=1; the RSP_UD decoded. Errors: timeout, collision
    // (after the retries), unexpected_reply (an E5 or anything not RSP_UD), the transport's.
    asio::awaitable<result<telegram>> request_ud2(byte address);
    // The whole readout: SND_NKE (see read_options), then REQ_UD2 while the last record is DIF 1F.
    asio::awaitable<readout> read(byte address, read_options options = {});
    // The readout of the slave selected by secondary address, at FD. No SND_NKE: at FD it would
    // deselect the slave.
    asio::awaitable<readout> read_selected();
    // REQ_UD1 (class 1 data): nullopt for E5 (nothing pending), else the RSP_UD.
    asio::awaitable<result<std::optional<telegram>>> request_ud1(byte address);

    // SND_UD to FD with CI 52 (fields LSB first) or 56 (MSB first); one attempt (more on silence
    // when asked), the answer as it came: presence_of() gives none / one / collision. A clean E5 resets the
    // FCB at FD. Errors: invalid_argument for another CI, the transport's.
    asio::awaitable<result<reply>> select(const app::select_mask& mask, byte ci = app::ci::select,
                                          unsigned repeats_on_silence = 0);

    // SND_UD (C=53) with CI and data; success is a clean E5. Errors: timeout, collision,
    // unexpected_reply (a frame), the transport's.
    asio::awaitable<result<void>> send_ud(byte address, byte ci, bytes data);
    // CI 51 01 7A NEW; new_address 0..250 (else invalid_argument). Never repeated.
    asio::awaitable<result<void>> set_primary_address(byte address, byte new_address);
    // CI 51 0C 79 ID: id holds 8 BCD digits as nibbles (0x12345678).
    asio::awaitable<result<void>> set_identification(byte address, std::uint32_t id);
    // CI 50, with an optional subcode byte.
    asio::awaitable<result<void>> application_reset(byte address, std::optional<byte> subcode = {});
    // CI B8..BF; the slave answers E5 at the old rate. The caller then moves its own line (reopen
    // at the new rate, set_stream, set_options with timing::for_baud). Never repeated.
    asio::awaitable<result<void>> switch_baud(byte address, unsigned baud);

    // The FCB the next REQ_UD to `address` will carry.
    bool next_fcb(byte address) const { return next_fcb_[address]; }

  private:
    asio::awaitable<result<reply>> attempt(const link::frame& request, repeats when);
    asio::awaitable<result<void>> expect_ack(const link::frame& request, unsigned attempts);
    asio::awaitable<readout> read_all(byte address);
    void reset_fcb(byte address);

    transport::byte_stream* io_;
    master_options options_;
    transcript_hook hook_;
    std::array<bool, 256> next_fcb_;
};

} // namespace mbus::master
