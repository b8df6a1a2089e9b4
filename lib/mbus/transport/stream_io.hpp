#pragma once
// Shared by the transports built on an Asio stream (descriptor or socket) in non-blocking mode.

#include <mbus/core/bytes.hpp>
#include <mbus/transport/detail/in_place_reads.hpp>
#include <mbus/transport/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

namespace mbus::transport::detail {

namespace asio = boost::asio;

// Asio reports the peer's orderly close as its own eof code; sessions compare with errc::closed.
inline std::error_code to_std(const boost::system::error_code& ec) {
    if (ec == asio::error::eof) return errc::closed;
    return ec;
}

// Tries the write at once (the usual case: a paced byte or a short frame fits in the OS buffer), so
// that no trip through the io_context is needed; waits for room only when the buffer is full.
// The stream must be in non-blocking mode, else a full buffer would block the thread.
template <class Stream>
asio::awaitable<std::error_code> write_all(Stream& s, bytes_view data) {
    boost::system::error_code ec;
    const std::size_t n = data.empty() ? 0 : s.write_some(asio::buffer(data.data(), data.size()), ec);
    if (!ec && n == data.size()) co_return std::error_code{};
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return to_std(ec);
    auto rest = data.subspan(ec ? 0 : n);
    auto [ec2, m] = co_await asio::async_write(s, asio::buffer(rest.data(), rest.size()),
                                               asio::as_tuple(asio::use_awaitable));
    (void)m;
    co_return to_std(ec2);
}

// A read that never waits (the stream is in non-blocking mode): what is there, 0 for nothing or an
// error, which the next read reports.
template <class Stream>
std::size_t try_read_now(Stream& s, std::span<byte> buf) {
    if (!s.is_open() || buf.empty()) return 0;
    boost::system::error_code ec;
    const std::size_t n = s.read_some(asio::buffer(buf.data(), buf.size()), ec);
    return ec ? 0 : n;
}

// What an asynchronous read on a stream that close() may shut reports (read_some).
inline std::pair<std::error_code, std::size_t> read_outcome(bool open, const boost::system::error_code& ec,
                                                            std::size_t n, bool reset_closes) {
    if ((ec == asio::error::operation_aborted && !open) ||
        (reset_closes && ec == asio::error::connection_reset))
        return {errc::closed, 0};
    return {to_std(ec), n};
}

// A read on a stream that close() may shut: on a closed stream, or cut short by close(), it ends with
// errc::closed; with reset_closes a reset by the peer ends it so too.
template <class Stream>
asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(Stream& s, std::span<byte> buf,
                                                                   bool reset_closes = false) {
    if (!s.is_open()) co_return std::pair{std::error_code(errc::closed), std::size_t{0}};
    auto [ec, n] =
        co_await s.async_read_some(asio::buffer(buf.data(), buf.size()), asio::as_tuple(asio::use_awaitable));
    co_return read_outcome(s.is_open(), ec, n, reset_closes);
}

// Whether read_some_in_place tries the read in place first, after `misses` reads in a row that did
// not (or found nothing): at once after a hit, then after 8, 16, 32 and 64 more, then every 64th.
// A master that waits for each answer before it sends (every client of a fleet, whose next request
// to this bus comes hundreds of requests later) makes each attempt an EAGAIN, and the read_some
// after it starts with Asio's own speculative read, which misses too: a wasted syscall, cut from one
// read in 8 to one in 64 once the misses last.
constexpr bool tries_in_place(unsigned misses) {
    if (misses == 0) return true;
    if (misses < 8) return false;
    unsigned every = 8;
    while (every < 64 && every * 2 <= misses)
        every *= 2;
    return misses % every == 0;
}

// read_some that first takes what has already arrived, in place: a request the master sent while the
// last answer was being built is read without a trip through the io_context (a posted completion and
// another epoll_wait round). With nothing there it is read_some. A master slower than the server
// makes that first attempt a read that returns EAGAIN: after a miss only some reads try first
// (tries_in_place), the others are read_some at once (a wait for readiness alone would cost Asio an
// epoll_ctl each time). After 16 reads in place in a row a read goes through the io_context, so that
// a master that never pauses cannot keep the other sessions from their turn.
template <class Stream>
asio::awaitable<std::pair<std::error_code, std::size_t>>
read_some_in_place(Stream& s, std::span<byte> buf, in_place_reads& state, bool reset_closes = false) {
    constexpr unsigned max_streak = 16;
    if (!s.is_open()) co_return std::pair{std::error_code(errc::closed), std::size_t{0}};
    const bool try_first = state.streak < max_streak && tries_in_place(state.misses) && !buf.empty();
    if (try_first) {
        boost::system::error_code ec;
        const std::size_t n = s.read_some(asio::buffer(buf.data(), buf.size()), ec);
        if (!ec) {
            state.misses = 0;
            ++state.streak;
            co_return std::pair{std::error_code{}, n};
        }
        if (ec != asio::error::would_block && ec != asio::error::try_again) {
            if (reset_closes && ec == asio::error::connection_reset)
                co_return std::pair{std::error_code(errc::closed), std::size_t{0}};
            co_return std::pair{to_std(ec), std::size_t{0}};
        }
    }
    if (state.streak < max_streak) ++state.misses;
    state.streak = 0;
    // read_some, written out: a coroutine frame less per read. Asio recycles two frames per thread,
    // and this one, the read's own and the caller's made it allocate (memalign and free) each time.
    auto [ec, n] =
        co_await s.async_read_some(asio::buffer(buf.data(), buf.size()), asio::as_tuple(asio::use_awaitable));
    co_return read_outcome(s.is_open(), ec, n, reset_closes);
}

// write_all on a stream that close() may shut.
template <class Stream>
asio::awaitable<std::error_code> write_open(Stream& s, bytes_view data) {
    if (!s.is_open()) co_return errc::closed;
    co_return co_await write_all(s, data);
}

} // namespace mbus::transport::detail
