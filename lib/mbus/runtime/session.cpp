// Sessions: each stream's bytes become requests in the bus's queue, junk and preamble notices.

#include <mbus/runtime/detail/runner_state.hpp>
#include <mbus/runtime/summary.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

// GCC 12 at -O2 warns that Asio's coroutine frames are freed by a mismatched operator delete once a
// coroutine grows large (here the read loop); a false positive: Asio's frame allocator pairs them.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace mbus::runtime {

namespace {

// A master that wakes meters with a run of 0x00 before its frame: the parser reports the run as
// junk right before the frame, in the same batch. A pause longer than the gap timeout between them
// makes the zeros mere noise.
bool is_preamble(const std::vector<link::stream_event>& events, std::size_t i,
                 std::chrono::microseconds gap) {
    const auto& ev = events[i];
    if (ev.is_frame() || ev.raw.empty() || i + 1 >= events.size() || !events[i + 1].is_frame()) return false;
    if (events[i + 1].first - ev.last > gap) return false;
    return std::all_of(ev.raw.begin(), ev.raw.end(), [](byte b) { return b == 0x00; });
}

std::chrono::microseconds gap_for(std::chrono::microseconds configured, unsigned baud) {
    return baud == 0 ? configured : std::max(configured, 3 * char_time(baud));
}

std::string line_words(const transport::line_settings& l) {
    return l.baud != 0 ? fmt::format("line {} baud{}", l.baud, l.raw ? " raw" : " not raw")
                       : std::string(l.raw ? "line rate not set raw" : "line rate not set");
}

// The log's words: why nobody may answer is worth saying at once.
std::string line_log(unsigned id, const transport::line_settings& l, std::size_t at_rate, bool strict) {
    auto text =
        l.baud != 0 ? fmt::format("#{} line {} baud", id, l.baud) : fmt::format("#{} line rate not set", id);
    text += l.raw ? " raw" : " NOT raw (the master may see bytes changed or lost)";
    if (strict && l.baud != 0)
        text += at_rate == 0 ? " (strict baud: no meter listens at this rate)"
                             : fmt::format(" (strict baud: {} meters listen)", at_rate);
    return text;
}

} // namespace

std::shared_ptr<session> runner::state::open_session(std::unique_ptr<transport::byte_stream> stream,
                                                     bool from_listener) {
    if (stopped) {
        stream->close();
        return nullptr;
    }
    if (from_listener && connections >= options.max_sessions) {
        // Refused at once and said, rather than kept waiting: the master sees the connection close.
        ++counters.refused;
        const auto what =
            fmt::format("{} refused: {} connections are open (the cap)", stream->describe(), connections);
        event(0, what, what, true);
        stream->close();
        return nullptr;
    }
    const auto gap = gap_for(options.gap_timeout, stream->baud());
    auto s = std::make_shared<session>(next_id++, std::move(stream), gap, from_listener, ex);
    ++counters.sessions;
    if (from_listener) ++connections;
    sessions.push_back(s);
    const auto what = "open " + s->stream->describe();
    event(s->id, what, fmt::format("#{} {}", s->id, what));
    std::weak_ptr<state> weak = shared_from_this();
    s->stream->on_line_change([weak, id = s->id](const transport::line_settings& l) {
        auto st = weak.lock();
        if (!st) return;
        ++st->counters.line_changes;
        std::size_t at_rate = 0;
        const auto& slaves = st->bus; // reading only: at() of a bus that may change reindexes the slave
        for (std::size_t i = 0; i < slaves.size(); ++i)
            if (slaves.at(i).baud() == l.baud) ++at_rate;
        st->event(id, line_words(l), line_log(id, l, at_rate, st->bus.config().strict_baud));
    });
    asio::co_spawn(ex, read_loop(shared_from_this(), s), asio::detached);
    asio::co_spawn(ex, write_loop(shared_from_this(), s), asio::detached);
    if (from_listener && options.session_idle > duration::zero())
        asio::co_spawn(ex, idle_loop(shared_from_this(), s), asio::detached);
    return s;
}

void runner::state::close_session(session& s, std::string why, bool error) {
    if (s.closed || !s.closing_why.empty()) return;
    s.closing_why = std::move(why);
    s.closing_error = error;
    s.stream->close(); // the read loop ends and reports it
}

void runner::state::handle(const std::shared_ptr<session>& s, std::vector<link::stream_event>& events,
                           bool caller_drains) {
    std::size_t preamble = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        auto& ev = events[i]; // a request's frame and bytes move to the queue
        s->held -= std::min(s->held, ev.raw.size());
        if (is_preamble(events, i, s->parser.gap_timeout())) {
            preamble = ev.raw.size();
            const auto what = fmt::format("preamble {} x 00", preamble);
            notice(harness::record_kind::event, s->id, ev.last, what, fmt::format("#{} {}", s->id, what),
                   false, ev.raw);
            continue;
        }
        // Only meters acknowledge: an E5 from a master is noise on the line, not a request.
        const bool stray_ack = ev.is_frame() && ev.f.kind == link::frame_kind::ack;
        if (!ev.is_frame() || stray_ack) {
            const auto why = stray_ack ? std::string("an E5 from the master (only meters acknowledge)")
                                       : ev.error.message();
            ++counters.junk;
            counters.junk_bytes += ev.raw.size();
            notice(harness::record_kind::junk, s->id, ev.last, why,
                   fmt::format("#{} ! junk {} bytes: {}", s->id, ev.raw.size(), why), false, ev.raw);
            continue;
        }
        if (stopped) continue;
        if (s->queued >= options.max_queued) {
            ++counters.dropped;
            const auto what =
                fmt::format("request dropped: {} requests of this session wait already", s->queued);
            notice(harness::record_kind::event, s->id, ev.last, what,
                   fmt::format("#{} ! {}: {}", s->id, what, summarize(ev.f)), false, ev.raw);
            continue;
        }
        ++s->queued;
        queue.push_back(
            {s, std::move(ev.f), std::move(ev.raw), ev.last, s->stream->baud(), std::exchange(preamble, 0)});
        if (!caller_drains) wake.cancel();
    }
}

asio::awaitable<void> runner::state::read_loop(std::shared_ptr<state> st, std::shared_ptr<session> s) {
    std::array<byte, 4096> buf{};
    // One vector for every read's events: its storage is kept from read to read.
    std::vector<link::stream_event> events;
    std::error_code why;
    for (;;) {
        std::pair<std::error_code, std::size_t> r;
        if (s->held > 0) {
            // Something is held: a partial frame or junk whose end is not known yet. Once the
            // master has been quiet for the gap timeout, it is dropped or reported.
            auto t = co_await transport::with_timeout(s->stream->read_some(buf), s->parser.gap_timeout());
            if (!t) {
                events = s->parser.expire(clock::now());
                st->handle(s, events);
                continue;
            }
            r = *t;
        } else {
            r = co_await s->stream->read_some(buf);
        }
        if (r.first) {
            why = r.first;
            break;
        }
        const auto now = clock::now();
        st->counters.bytes_in += r.second;
        st->last_input = now;
        s->last_byte = now;
        s->held += r.second;
        // With immediate timing serving never waits: a reader that finds the bus idle serves its
        // requests itself, without a trip through the io_context to the bus loop and back.
        const bool serve_here = st->options.immediate && !st->serving;
        s->parser.feed(std::span<const byte>(buf.data(), r.second), now, events);
        st->handle(s, events, serve_here);
        if (serve_here && !st->queue.empty()) st->drain_now();
    }
    events = s->parser.finish();
    st->handle(s, events);
    s->closed = true;
    s->stream->close();
    s->stream->on_line_change(nullptr);
    s->out_signal.cancel();
    s->idle.cancel();
    if (s->from_listener) --st->connections;
    std::erase(st->sessions, s);
    if (!s->closing_why.empty()) {
        const auto what = "closed: " + s->closing_why;
        st->event(s->id, what, fmt::format("#{} {}", s->id, what), s->closing_error);
        co_return;
    }
    // A closed stream or a stop is the normal end; anything else is worth an error line.
    const bool normal = !why || why == transport::errc::closed || why == std::errc::operation_canceled;
    const auto what = why ? "closed: " + why.message() : std::string("closed");
    const auto text = why == transport::errc::closed ? fmt::format("#{} closed: {}", s->id, why.message())
                      : normal                       ? fmt::format("#{} closed", s->id)
                                                     : fmt::format("#{} closed: {}", s->id, why.message());
    st->event(s->id, what, text, !normal);
}

asio::awaitable<void> runner::state::idle_loop(std::shared_ptr<state> st, std::shared_ptr<session> s) {
    const auto limit = st->options.session_idle;
    while (!s->closed) {
        const auto due = s->last_byte + limit;
        if (clock::now() >= due) {
            ++st->counters.idle_closed;
            st->close_session(
                *s, fmt::format("idle: no byte for {:g} s", std::chrono::duration<double>(limit).count()),
                false);
            break; // the read loop reports the close
        }
        s->idle.expires_at(due);
        co_await s->idle.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<void> runner::state::accept_loop(std::shared_ptr<state> st, transport::listener* l) {
    // Out of descriptors and the like: said once per streak, retried after a wait that doubles up to
    // 5 s, so that a lasting condition neither spins nor floods the log.
    duration backoff = 100ms;
    std::uint64_t failures = 0;
    while (!st->stopped) {
        auto [ec, stream] = co_await l->accept();
        if (st->stopped) break;
        if (ec) {
            if (failures++ == 0) {
                const auto what = fmt::format("{}: accept failed: {} (retrying, up to every 5 s)",
                                              l->describe(), ec.message());
                st->event(0, what, what, true);
            }
            co_await transport::sleep_for(backoff);
            backoff = std::min<duration>(backoff * 2, 5s);
            continue;
        }
        if (failures != 0) {
            const auto what =
                fmt::format("{}: accepting again after {} failed attempts", l->describe(), failures);
            st->event(0, what, what);
        }
        failures = 0;
        backoff = 100ms;
        st->open_session(std::move(stream), true);
    }
}

} // namespace mbus::runtime
