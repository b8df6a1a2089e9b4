#pragma once
// One request and its answer on a byte stream: write the frame, then collect bytes with the stream
// parser until the answer is complete (timing::settle, timing::whole_window), the line has been
// quiet for the gap timeout after anything else, or nothing came within the response window, and
// classify them. No retries here; master.hpp adds them per call.

#include <iosfwd>
#include <optional>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/core/time.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/master/reply.hpp>
#include <mbus/master/transcript.hpp>
#include <mbus/transport/byte_stream.hpp>

#include <boost/asio/awaitable.hpp>

namespace mbus::master {

namespace asio = boost::asio;

struct timing {
    // From the end of the request to the first byte of the answer. EN 13757-2 allows the slave
    // 330 bit times + 50 ms; for_line() adds a margin for what lies between us and the wire.
    duration response_timeout{std::chrono::milliseconds(250)};
    // A quiet line for this long ends a garbled or partial answer (a partial frame is then junk). A
    // real slave sends a telegram without pauses, so a few character times is enough on a wire; pty
    // and TCP peers scheduled by a busy OS need more.
    duration gap_timeout{std::chrono::milliseconds(70)};
    // Upper bound on collecting one answer, so that a line that never falls quiet ends the call.
    duration max_reply{std::chrono::seconds(2)};
    // A complete answer (one clean E5, or one whole frame with a good checksum, and no byte after
    // it) ends the exchange once the line has been quiet this long after it: 0 ends it at once. A
    // second slave's answer that starts a character or more after the first one ends shows only
    // as bytes after it (protocol.md), so where such bytes can still be on their way a short wait
    // catches them; where the far end writes a collision in one piece (a socket) nothing can.
    duration settle{0};
    // A real wire (carrier::uart): every slave may start its answer anywhere in the response window,
    // so an exchange lasts until the window has closed even after a complete answer. Ending it
    // sooner would leave a late second answer to arrive in the next request's window, where it
    // would be taken for an answer to that request. The wait is part of the physical bound (a
    // request and its window), so it costs no more than the wire does.
    bool whole_window{false};
    // The rate the request leaves at, where it leaves at a rate (carrier::uart): the write returns
    // when the bytes are in the driver's buffer, and the window opens once they have gone out.
    // 0: the window opens when the write returns (a pty or a socket takes the request at once).
    unsigned request_baud{0};

    // The windows for `c` at `baud` (0, as on TCP: 2400). Margins over the standard's window: a
    // serial port 20 ms (USB converters hold received bytes up to their latency timer, 16 ms on
    // FTDI's default), a pty 20 ms (the OS scheduling both ends), a socket 50 ms (a gateway and a
    // network). settle: a pty two character times (the simulator paces a collision's bytes one
    // character time apart), a socket 0; a serial port listens to the whole window instead.
    static timing for_line(transport::carrier c, unsigned baud);
    // for_line(carrier::stream, baud): the defaults for a line not yet known.
    static timing for_baud(unsigned baud);
    friend bool operator==(const timing&, const timing&) = default;
};
std::ostream& operator<<(std::ostream& os, const timing& t);

// Writes `wire` (logged as sent, with its decoded frame when it is one). Errors: the transport's.
asio::awaitable<result<void>> send(transport::byte_stream& io, bytes_view wire,
                                   const transcript_hook& hook = {}, unsigned attempt = 1);

// Collects one answer, the response window opening at `opens` (now, by default): waits up to
// response_timeout for the first byte; after a complete answer, settle (or to the window's end with
// whole_window); after anything else until the line is quiet for gap_timeout; never past max_reply
// after the window opened. Errors: the transport's (a closed stream); silence is reply_kind::none,
// not an error.
asio::awaitable<result<reply>> collect(transport::byte_stream& io, const timing& t,
                                       const transcript_hook& hook = {}, unsigned attempt = 1,
                                       std::optional<time_point> opens = std::nullopt);
// When the response window to a request of `request_bytes` written at `written` opens.
time_point window_opens(const timing& t, std::size_t request_bytes, time_point written);

// Reads and drops what is already waiting (logged as stale), then send() then collect(): an answer
// that came after an earlier window closed is not taken for the answer to this request. The frame
// must encode (a long frame of at most 252 data bytes).
asio::awaitable<result<reply>> exchange(transport::byte_stream& io, const link::frame& request,
                                        const timing& t, const transcript_hook& hook = {},
                                        unsigned attempt = 1);
// The same with bytes as they are, for requests no well-formed frame can express.
asio::awaitable<result<reply>> exchange(transport::byte_stream& io, bytes_view request, const timing& t,
                                        const transcript_hook& hook = {}, unsigned attempt = 1);

} // namespace mbus::master
