// Writing an answer: whole or paced at the line rate, with the pauses a fault put inside it, into the
// session's own output, which its writer drains; a master that does not read never holds the bus.

#include <mbus/runtime/detail/runner_state.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/errc.hpp>

#include <fmt/format.h>

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

std::error_code runner::state::deliver(session& s, bytes_view data) {
    if (s.closed) return make_error_code(transport::errc::closed);
    if (s.out.size() + data.size() > options.output_limit) {
        // A connection is closed: the next frame could only go out half. A pty or serial line stays;
        // the answer is lost, as bytes a UART sends while nobody listens.
        if (s.from_listener && s.closing_why.empty()) {
            ++counters.slow_closed;
            close_session(s, fmt::format("its master does not read: {} bytes of answers wait", s.out.size()),
                          false);
        }
        return std::make_error_code(std::errc::no_buffer_space);
    }
    if (s.out.empty() && !s.writing) {
        // The usual case: the peer keeps up, and the answer goes out here and now, whole.
        const auto n = s.stream->try_write(data);
        counters.bytes_out += n;
        data = data.subspan(n);
        if (data.empty()) return {};
    }
    s.out.insert(s.out.end(), data.begin(), data.end());
    s.out_signal.cancel();
    return {};
}

// Drains a session's output. A write that cannot finish within the write timeout ends a connection
// (a frame is written whole or not at all); on a pty or serial line the waiting answers are dropped.
asio::awaitable<void> runner::state::write_loop(std::shared_ptr<state> st, std::shared_ptr<session> s) {
    bytes chunk;
    while (!s->closed) {
        if (s->out.empty() && st->stopped) {
            s->stream->close(); // stop() left it open for what waited here
            break;
        }
        if (s->out.empty()) {
            s->out_signal.expires_at(asio::steady_timer::time_point::max());
            co_await s->out_signal.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        chunk.swap(s->out);
        s->writing = true;
        auto r = co_await transport::with_timeout(s->stream->write(chunk), st->options.write_timeout);
        s->writing = false;
        if (s->closed) break;
        if (r && !*r) {
            st->counters.bytes_out += chunk.size();
        } else if (s->from_listener) {
            st->close_session(
                *s,
                r ? "cannot write: " + r->message()
                  : fmt::format("its master does not read: {} bytes not written in {:.1f} s", chunk.size(),
                                std::chrono::duration<double>(st->options.write_timeout).count()),
                false);
            break;
        } else {
            ++st->counters.write_errors;
            const auto what = fmt::format("{} bytes of answers dropped: {}", chunk.size(),
                                          r ? r->message() : std::string("nobody reads them"));
            st->event(s->id, what, fmt::format("#{} {}", s->id, what), true);
        }
        chunk.clear();
    }
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
            if (auto ec = deliver(s, wire.subspan(written, due - written))) co_return ec;
            written = due;
            continue;
        }
        if (!co_await wait_until(start + std::chrono::duration_cast<duration>(char_end(written, baud))))
            co_return std::make_error_code(std::errc::operation_canceled);
    }
    co_return std::error_code{};
}

namespace {

// The answer's gaps in the order they come on the wire.
std::vector<sim::answer::gap> sorted_gaps(const sim::bus_reply& reply) {
    auto gaps = reply.gaps;
    std::stable_sort(gaps.begin(), gaps.end(),
                     [](const auto& a, const auto& b) { return a.after < b.after; });
    return gaps;
}

} // namespace

// The bytes up to each gap, the gap, the rest; paced or whole, as the timing mode says.
asio::awaitable<std::error_code> runner::state::write_answer(session& s, const sim::bus_reply& reply,
                                                             bool paced) {
    const auto gaps = sorted_gaps(reply);
    const bytes_view wire(reply.wire);
    std::size_t from = 0;
    for (std::size_t g = 0;; ++g) {
        const std::size_t to = g < gaps.size() ? std::min(gaps[g].after, wire.size()) : wire.size();
        if (to > from) {
            const auto part = wire.subspan(from, to - from);
            if (paced) {
                if (auto ec = co_await write_paced(s, part, reply.baud)) co_return ec;
            } else {
                if (auto ec = deliver(s, part)) co_return ec;
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

// write_answer without its waits: the pieces between the gaps, one after the other.
std::error_code runner::state::write_now(session& s, const sim::bus_reply& reply) {
    const bytes_view wire(reply.wire);
    if (reply.gaps.empty()) return wire.empty() ? std::error_code{} : deliver(s, wire);
    std::size_t from = 0;
    for (const auto& gap : sorted_gaps(reply)) {
        const std::size_t to = std::min(gap.after, wire.size());
        if (to > from) {
            if (auto ec = deliver(s, wire.subspan(from, to - from))) return ec;
            from = to;
        }
    }
    if (from < wire.size()) return deliver(s, wire.subspan(from));
    return {};
}

} // namespace mbus::runtime
