// Writing an answer: whole or paced at the line rate, with the pauses a fault put inside it, never
// longer than the write timeout.

#include <mbus/runtime/detail/runner_state.hpp>
#include <mbus/transport/deadline.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace mbus::runtime {

namespace {

using std::chrono::nanoseconds;

// When character i (from 0) of a paced answer may be handed over: at the end of its 11 bit times,
// as a UART delivers it, rounded up so that pacing is never faster than the line.
nanoseconds char_end(std::size_t i, unsigned baud) {
    const auto bits = static_cast<std::uint64_t>(i + 1) * 11u * 1'000'000'000u;
    return nanoseconds(static_cast<nanoseconds::rep>((bits + baud - 1) / baud));
}

} // namespace

// Waits on reply_timer until `at`; false when the runner stopped meanwhile.
asio::awaitable<bool> runner::state::wait_until(time_point at) {
    // stop() cancels only a wait already under way.
    if (stopped) co_return false;
    if (clock::now() < at) {
        reply_timer.expires_at(at);
        co_await reply_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return !stopped;
}

// A master that stops reading a pty fills its buffer; the deadline keeps that from stalling the
// bus for every other session.
asio::awaitable<std::error_code> runner::state::write(session& s, bytes_view data) {
    auto r = co_await transport::with_timeout(s.stream->write(data), options.write_timeout);
    co_return r ? *r : std::make_error_code(std::errc::timed_out);
}

// Character i no sooner than start + (i+1) * 11 bit times. Characters already due when the timer
// fires go out together, so a late wake-up catches up instead of drifting.
asio::awaitable<std::error_code> runner::state::write_paced(session& s, bytes_view wire, unsigned baud) {
    const auto start = clock::now();
    std::size_t written = 0;
    while (written < wire.size()) {
        const auto elapsed = clock::now() - start;
        std::size_t due = written;
        while (due < wire.size() && char_end(due, baud) <= elapsed)
            ++due;
        if (due > written) {
            if (auto ec = co_await write(s, wire.subspan(written, due - written))) co_return ec;
            counters.bytes_out += due - written;
            written = due;
            continue;
        }
        if (!co_await wait_until(start + std::chrono::duration_cast<duration>(char_end(written, baud))))
            co_return std::make_error_code(std::errc::operation_canceled);
    }
    co_return std::error_code{};
}

// The bytes up to each gap, the gap, the rest; paced or whole, as the timing mode says.
asio::awaitable<std::error_code> runner::state::write_answer(session& s, const sim::bus_reply& reply,
                                                             bool paced) {
    auto gaps = reply.gaps;
    std::stable_sort(gaps.begin(), gaps.end(),
                     [](const auto& a, const auto& b) { return a.after < b.after; });
    const bytes_view wire(reply.wire);
    std::size_t from = 0;
    for (std::size_t g = 0;; ++g) {
        const std::size_t to = g < gaps.size() ? std::min(gaps[g].after, wire.size()) : wire.size();
        if (to > from) {
            const auto part = wire.subspan(from, to - from);
            if (paced) {
                if (auto ec = co_await write_paced(s, part, reply.baud)) co_return ec;
            } else {
                if (auto ec = co_await write(s, part)) co_return ec;
                counters.bytes_out += part.size();
            }
            from = to;
        }
        if (g >= gaps.size() || from >= wire.size()) break;
        if (options.immediate) continue;
        if (!co_await wait_until(clock::now() + gaps[g].length))
            co_return std::make_error_code(std::errc::operation_canceled);
    }
    co_return std::error_code{};
}

} // namespace mbus::runtime
