#pragma once
// One request and its answer on a byte stream: write the frame, then collect bytes with the stream
// parser until the line has been quiet for the gap timeout (or nothing came within the response
// window), and classify them. No retries here; master.hpp adds them per call.

#include <iosfwd>

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
    // 330 bit times + 50 ms; for_baud() adds a margin for the OS.
    duration response_timeout{std::chrono::milliseconds(250)};
    // A quiet line for this long ends the answer; a partial frame is then junk. A real slave sends
    // a telegram without pauses, so a few character times is enough on a wire; pty and TCP peers
    // scheduled by a busy OS need more.
    duration gap_timeout{std::chrono::milliseconds(70)};
    // Upper bound on collecting one answer, so that a line that never falls quiet ends the call.
    duration max_reply{std::chrono::seconds(2)};

    // The windows for a line at `baud` (0, as on TCP: 2400).
    static timing for_baud(unsigned baud);
    friend bool operator==(const timing&, const timing&) = default;
};
std::ostream& operator<<(std::ostream& os, const timing& t);

// Writes `wire` (logged as sent, with its decoded frame when it is one). Errors: the transport's.
asio::awaitable<result<void>> send(transport::byte_stream& io, bytes_view wire,
                                   const transcript_hook& hook = {}, unsigned attempt = 1);

// Collects one answer from now on: waits up to response_timeout for the first byte, then until
// the line is quiet for gap_timeout (or max_reply has passed since the call). Errors: the
// transport's (a closed stream); silence is reply_kind::none, not an error.
asio::awaitable<result<reply>> collect(transport::byte_stream& io, const timing& t,
                                       const transcript_hook& hook = {}, unsigned attempt = 1);

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
