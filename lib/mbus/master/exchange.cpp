#include <mbus/master/exchange.hpp>

#include <mbus/transport/deadline.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <array>
#include <exception>
#include <ostream>

namespace mbus::master {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

wall_time wall_at(time_point at) {
    return std::chrono::system_clock::now() -
           duration_cast<std::chrono::system_clock::duration>(clock::now() - at);
}

void log_event(const transcript_hook& hook, const link::stream_event& e, unsigned attempt) {
    if (!hook) return;
    transcript_entry t;
    t.kind = e.is_frame() ? transcript_kind::received : transcript_kind::junk;
    t.at = e.last;
    t.first = e.first;
    t.wall = wall_at(e.last);
    t.raw = e.raw;
    if (e.is_frame()) t.frame = e.f;
    t.error = e.error;
    t.attempt = attempt;
    hook(t);
}

struct read_outcome {
    std::error_code ec;
    std::size_t n{0};
    bool timed_out{false};
};

// A read with a deadline that never loses bytes: with_timeout() returns only the winner's result,
// so a read that completed in the same instant as the timer would drop what it read. The parallel
// group hands back both results.
asio::awaitable<read_outcome> read_within(transport::byte_stream& io, std::span<byte> buf, duration limit) {
    namespace ex = asio::experimental;
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, limit);
    auto [order, error, r, timer_ec] =
        co_await ex::make_parallel_group(asio::co_spawn(executor, io.read_some(buf), asio::deferred),
                                         timer.async_wait(asio::deferred))
            .async_wait(ex::wait_for_one(), asio::deferred);
    (void)timer_ec;
    if (error) std::rethrow_exception(error);
    if (r.second > 0) co_return read_outcome{{}, r.second, false};
    if (order[0] == 1) co_return read_outcome{{}, 0, true};
    co_return read_outcome{r.first, 0, false};
}

// A meter that answered after the window closed (a slow slave, a busy machine between us and a
// simulator) leaves its bytes for the next exchange, which would take them for its own answer.
// What is waiting is read and dropped: at once where the stream can read without waiting (no wait
// before every request), else with reads of 1 ms, enough for bytes already in the OS buffer.
asio::awaitable<result<void>> drop_stale(transport::byte_stream& io, const transcript_hook& hook) {
    std::array<byte, 512> buf{};
    bytes dropped;
    for (;;) {
        std::size_t n = 0;
        if (auto now = io.try_read(buf)) {
            if (*now == 0) break;
            n = *now;
        } else {
            auto r = co_await read_within(io, buf, std::chrono::milliseconds(1));
            if (r.timed_out) break;
            if (r.ec) co_return unexpected(r.ec);
            n = r.n;
        }
        dropped.insert(dropped.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        if (dropped.size() > 4096) break; // a line that never falls quiet: let the exchange see it
    }
    if (!dropped.empty() && hook) {
        transcript_entry e;
        e.kind = transcript_kind::stale;
        e.at = e.first = clock::now();
        e.wall = std::chrono::system_clock::now();
        e.raw = std::move(dropped);
        hook(e);
    }
    co_return result<void>{};
}

} // namespace

timing timing::for_line(transport::carrier c, unsigned baud) {
    const unsigned b = baud == 0 ? 2400 : baud;
    timing t;
    // EN 13757-2: 330 bit times + 50 ms, and the margin for what lies between us and the wire.
    // (bit_time() rounds to whole microseconds; 330 of them would be off by up to 330 us.)
    const auto margin = c == transport::carrier::stream ? milliseconds(50) : milliseconds(20);
    t.response_timeout = microseconds(330ULL * 1'000'000 / b) + milliseconds(50) + margin;
    t.gap_timeout = 10 * char_time(b) + milliseconds(20);
    // The longest frame (261 characters) twice over, after the response window.
    t.max_reply = t.response_timeout + 2 * 261 * char_time(b) + t.gap_timeout;
    switch (c) {
    case transport::carrier::stream: t.settle = duration::zero(); break;
    case transport::carrier::pty: t.settle = 2 * char_time(b); break;
    case transport::carrier::uart:
        t.whole_window = true;
        t.request_baud = b;
        break;
    }
    return t;
}

timing timing::for_baud(unsigned baud) { return for_line(transport::carrier::stream, baud); }

time_point window_opens(const timing& t, std::size_t request_bytes, time_point written) {
    if (t.request_baud == 0) return written;
    return written + microseconds(11'000'000ULL * request_bytes / t.request_baud);
}

std::ostream& operator<<(std::ostream& os, const timing& t) {
    os << "response " << duration_cast<milliseconds>(t.response_timeout).count() << " ms, gap "
       << duration_cast<milliseconds>(t.gap_timeout).count() << " ms, max "
       << duration_cast<milliseconds>(t.max_reply).count() << " ms, ";
    if (t.whole_window) return os << "whole window, requests at " << t.request_baud << " baud";
    return os << "settle " << duration_cast<microseconds>(t.settle).count() << " us";
}

asio::awaitable<result<void>> send(transport::byte_stream& io, bytes_view wire, const transcript_hook& hook,
                                   unsigned attempt) {
    // A write that cannot complete (a peer that stopped reading a full buffer) must not hang us.
    auto w = co_await transport::with_timeout(io.write(wire), std::chrono::seconds(5));
    if (!w) co_return unexpected(std::make_error_code(std::errc::timed_out));
    if (*w) co_return unexpected(*w);
    if (hook) {
        transcript_entry t;
        t.kind = transcript_kind::sent;
        t.at = t.first = clock::now();
        t.wall = std::chrono::system_clock::now();
        t.raw.assign(wire.begin(), wire.end());
        if (auto d = link::decode(wire); d && d->size == wire.size()) t.frame = d->value;
        t.attempt = attempt;
        hook(t);
    }
    co_return result<void>{};
}

asio::awaitable<result<reply>> collect(transport::byte_stream& io, const timing& t,
                                       const transcript_hook& hook, unsigned attempt,
                                       std::optional<time_point> opens) {
    link::stream_parser parser(duration_cast<microseconds>(t.gap_timeout));
    std::vector<link::stream_event> events;
    auto take = [&](std::vector<link::stream_event> more) {
        for (auto& e : more) {
            log_event(hook, e, attempt);
            events.push_back(std::move(e));
        }
    };
    // One whole frame (an E5 included) and nothing held after it: what a single slave sends.
    auto complete = [&] { return events.size() == 1 && events.front().is_frame() && !parser.holds_bytes(); };
    const auto start = opens.value_or(clock::now());
    const auto window_end = start + t.response_timeout;
    const auto hard_end = start + t.max_reply;
    bool any = false;
    time_point last{};
    std::array<byte, 512> buf{};
    for (;;) {
        const auto now = clock::now();
        auto until = window_end;
        if (any && complete())
            until = t.whole_window ? std::max(window_end, last + t.settle) : last + t.settle;
        else if (any)
            until = last + t.gap_timeout;
        until = std::min(until, hard_end);
        if (until <= now) break;
        auto r = co_await read_within(io, buf, until - now);
        if (r.timed_out) break;
        if (r.ec) co_return unexpected(r.ec);
        last = clock::now();
        any = true;
        take(parser.feed(bytes_view(buf.data(), r.n), last));
    }
    take(parser.finish());
    if (!any && hook) {
        transcript_entry e;
        e.kind = transcript_kind::timeout;
        e.at = e.first = clock::now();
        e.wall = std::chrono::system_clock::now();
        e.attempt = attempt;
        hook(e);
    }
    co_return classify(std::move(events));
}

asio::awaitable<result<reply>> exchange(transport::byte_stream& io, bytes_view request, const timing& t,
                                        const transcript_hook& hook, unsigned attempt) {
    if (auto d = co_await drop_stale(io, hook); !d) co_return unexpected(d.error());
    auto s = co_await send(io, request, hook, attempt);
    if (!s) co_return unexpected(s.error());
    co_return co_await collect(io, t, hook, attempt, window_opens(t, request.size(), clock::now()));
}

asio::awaitable<result<reply>> exchange(transport::byte_stream& io, const link::frame& request,
                                        const timing& t, const transcript_hook& hook, unsigned attempt) {
    auto wire = link::encode(request);
    if (!wire) co_return unexpected(wire.error());
    co_return co_await exchange(io, bytes_view(*wire), t, hook, attempt);
}

} // namespace mbus::master
