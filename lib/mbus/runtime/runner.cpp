#include <mbus/runtime/runner.hpp>

#include <mbus/transport/deadline.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <deque>
#include <vector>

namespace mbus::runtime {

namespace {

using std::chrono::nanoseconds;

struct session {
    unsigned id{0};
    std::unique_ptr<transport::byte_stream> stream;
    link::stream_parser parser;
    std::size_t held{0}; // bytes fed to the parser and not yet covered by an event
    bool closed{false};

    session(unsigned i, std::unique_ptr<transport::byte_stream> s, std::chrono::microseconds gap)
        : id(i), stream(std::move(s)), parser(gap) {}
};

struct request {
    std::shared_ptr<session> from;
    link::frame frame;
    time_point end;     // arrival of its last byte: answer delays count from here
    unsigned line_baud; // the session's rate when it arrived
};

// When character i (from 0) of a paced answer may be handed over: at the end of its 11 bit times,
// as a UART delivers it, rounded up so that pacing is never faster than the line.
nanoseconds char_end(std::size_t i, unsigned baud) {
    const auto bits = static_cast<std::uint64_t>(i + 1) * 11u * 1'000'000'000u;
    return nanoseconds(static_cast<nanoseconds::rep>((bits + baud - 1) / baud));
}

std::chrono::microseconds gap_for(std::chrono::microseconds configured, unsigned baud) {
    return baud == 0 ? configured : std::max(configured, 3 * char_time(baud));
}

} // namespace

struct runner::state : std::enable_shared_from_this<runner::state> {
    state(const asio::any_io_executor& e, const scenario::scenario& sc, logger l, runner_options o)
        : ex(e), settings(sc.bus), options(o), log(std::move(l)), bus(sc.bus.config), wake(e), reply_timer(e),
          duration_timer(e), idle_timer(e), started(clock::now()), last_input(started) {
        for (const auto& m : sc.meters)
            bus.add(m, started);
    }

    asio::any_io_executor ex;
    scenario::bus_settings settings;
    runner_options options;
    logger log;
    sim::bus bus;
    stats counters;

    std::vector<std::shared_ptr<session>> sessions;
    std::vector<std::unique_ptr<transport::tcp_listener>> listeners;
    unsigned next_id{1};

    std::deque<request> queue;
    asio::steady_timer wake; // parked at time_point::max(); cancelled when the queue gets a request
    asio::steady_timer reply_timer;
    asio::steady_timer duration_timer;
    asio::steady_timer idle_timer;

    time_point started;
    time_point last_input;
    bool stopped{false};
    std::string reason;
    std::function<void()> stop_hook;

    void stop(std::string why) {
        if (stopped) return;
        stopped = true;
        reason = std::move(why);
        for (auto& l : listeners)
            l->close();
        for (auto& s : sessions)
            s->stream->close();
        queue.clear();
        wake.cancel();
        reply_timer.cancel();
        duration_timer.cancel();
        idle_timer.cancel();
        log.info(fmt::format("stopping: {}", reason));
        if (auto hook = std::move(stop_hook)) hook();
    }

    std::shared_ptr<session> open_session(std::unique_ptr<transport::byte_stream> stream) {
        if (stopped) {
            stream->close();
            return nullptr;
        }
        const auto gap = gap_for(options.gap_timeout, stream->baud());
        auto s = std::make_shared<session>(next_id++, std::move(stream), gap);
        ++counters.sessions;
        sessions.push_back(s);
        log.opened(s->id, s->stream->describe());
        asio::co_spawn(ex, read_loop(shared_from_this(), s), asio::detached);
        return s;
    }

    void handle(const std::shared_ptr<session>& s, const std::vector<link::stream_event>& events) {
        for (const auto& ev : events) {
            s->held -= std::min(s->held, ev.raw.size());
            if (!ev.is_frame()) {
                ++counters.junk;
                counters.junk_bytes += ev.raw.size();
                log.junk(s->id, ev);
                continue;
            }
            const unsigned baud = s->stream->baud();
            log.request(s->id, ev, baud);
            if (stopped) continue;
            queue.push_back({s, ev.f, ev.last, baud});
            wake.cancel();
        }
    }

    static asio::awaitable<void> read_loop(std::shared_ptr<state> st, std::shared_ptr<session> s) {
        std::array<byte, 4096> buf{};
        std::error_code why;
        for (;;) {
            std::pair<std::error_code, std::size_t> r;
            if (s->held > 0) {
                // Something is held: a partial frame or junk whose end is not known yet. Once the
                // master has been quiet for the gap timeout, it is dropped or reported.
                auto t = co_await transport::with_timeout(s->stream->read_some(buf), s->parser.gap_timeout());
                if (!t) {
                    st->handle(s, s->parser.expire(clock::now()));
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
            s->held += r.second;
            st->handle(s, s->parser.feed(std::span<const byte>(buf.data(), r.second), now));
        }
        st->handle(s, s->parser.finish());
        s->closed = true;
        s->stream->close();
        std::erase(st->sessions, s);
        st->log.closed(s->id, why);
    }

    static asio::awaitable<void> accept_loop(std::shared_ptr<state> st, transport::tcp_listener* l) {
        while (!st->stopped) {
            auto [ec, stream] = co_await l->accept();
            if (st->stopped) break;
            if (ec) {
                // Out of descriptors and the like: say so, and try again a little later.
                st->log.error(fmt::format("{}: accept failed: {}", l->describe(), ec.message()));
                co_await transport::sleep_for(100ms);
                continue;
            }
            st->open_session(std::move(stream));
        }
    }

    // Waits on reply_timer until `at`; false when the runner stopped meanwhile.
    asio::awaitable<bool> wait_until(time_point at) {
        if (clock::now() < at) {
            reply_timer.expires_at(at);
            co_await reply_timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        co_return !stopped;
    }

    // A master that stops reading a pty fills its buffer; the deadline keeps that from stalling the
    // bus for every other session.
    asio::awaitable<std::error_code> write(session& s, bytes_view data) {
        auto r = co_await transport::with_timeout(s.stream->write(data), options.write_timeout);
        co_return r ? *r : std::make_error_code(std::errc::timed_out);
    }

    // Writes an answer one character at a time: character i no sooner than start + (i+1) * 11 bit
    // times. Characters already due when the timer fires go out together, so a late wake-up
    // catches up instead of drifting.
    asio::awaitable<std::error_code> write_paced(session& s, bytes_view wire, unsigned baud) {
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

    static asio::awaitable<void> bus_loop(std::shared_ptr<state> st) {
        while (!st->stopped) {
            if (st->queue.empty()) {
                st->wake.expires_at(asio::steady_timer::time_point::max());
                co_await st->wake.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            auto req = std::move(st->queue.front());
            st->queue.pop_front();
            co_await st->serve(std::move(req));
            if (st->options.max_requests != 0 && st->counters.requests >= st->options.max_requests)
                st->stop(fmt::format("{} requests served", st->counters.requests));
        }
    }

    asio::awaitable<void> serve(request req) {
        ++counters.requests;
        const sim::sim_now now{clock::now(), std::chrono::system_clock::now()};
        auto reply = bus.on_frame(req.frame, req.line_baud, now);
        reply_timing timing;
        if (reply.silent()) {
            ++counters.silent;
            log.reply(req.from->id, reply, bus, timing);
            co_return;
        }
        ++counters.answered;
        if (reply.collision) ++counters.collisions;
        if (!co_await wait_until(req.end + reply.delay)) co_return;
        auto& s = *req.from;
        if (s.closed) {
            log.info(fmt::format("#{} gone before its answer", s.id));
            co_return;
        }
        const auto first = clock::now();
        timing.since_request = first - req.end;
        std::error_code ec;
        if (settings.timing == scenario::timing_mode::realistic && reply.baud != 0) {
            timing.paced = true;
            ec = co_await write_paced(s, reply.wire, reply.baud);
        } else {
            ec = co_await write(s, reply.wire);
            if (!ec) counters.bytes_out += reply.wire.size();
        }
        timing.on_wire = clock::now() - first;
        if (ec == std::errc::operation_canceled && stopped) co_return;
        if (ec) {
            ++counters.write_errors;
            log.write_failed(s.id, ec);
            co_return;
        }
        log.reply(s.id, reply, bus, timing);
    }

    static asio::awaitable<void> duration_watch(std::shared_ptr<state> st) {
        st->duration_timer.expires_at(st->started + st->options.max_duration);
        co_await st->duration_timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!st->stopped) st->stop("duration reached");
    }

    static asio::awaitable<void> idle_watch(std::shared_ptr<state> st) {
        while (!st->stopped) {
            const auto deadline = st->last_input + st->options.idle_limit;
            if (clock::now() >= deadline) {
                st->stop("idle");
                break;
            }
            st->idle_timer.expires_at(deadline);
            co_await st->idle_timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }
};

runner::runner(const asio::any_io_executor& ex, const scenario::scenario& sc, logger log,
               runner_options options)
    : s_(std::make_shared<state>(ex, sc, std::move(log), options)) {
    asio::co_spawn(ex, state::bus_loop(s_), asio::detached);
    if (options.max_duration > duration::zero())
        asio::co_spawn(ex, state::duration_watch(s_), asio::detached);
    if (options.idle_limit > duration::zero()) asio::co_spawn(ex, state::idle_watch(s_), asio::detached);
}

runner::~runner() { s_->stop("runner destroyed"); }

void runner::add(std::unique_ptr<transport::pty> p) {
    auto* raw = p.get();
    auto s = s_->open_session(std::move(p));
    if (!s) return;
    std::weak_ptr<state> weak = s_;
    raw->on_line_change([weak, id = s->id](const transport::line_settings& l) {
        auto st = weak.lock();
        if (!st) return;
        ++st->counters.line_changes;
        std::size_t at_rate = 0;
        for (std::size_t i = 0; i < st->bus.size(); ++i)
            if (st->bus.at(i).baud() == l.baud) ++at_rate;
        st->log.line_change(id, l, at_rate, st->bus.config().strict_baud);
    });
}

void runner::add(std::unique_ptr<transport::serial_port> s) {
    s_->open_session(std::unique_ptr<transport::byte_stream>(std::move(s)));
}

void runner::add(std::unique_ptr<transport::byte_stream> s) { s_->open_session(std::move(s)); }

void runner::add(std::unique_ptr<transport::tcp_listener> l) {
    auto* raw = l.get();
    s_->log.info(fmt::format("listening on {}", raw->describe()));
    s_->listeners.push_back(std::move(l));
    asio::co_spawn(s_->ex, state::accept_loop(s_, raw), asio::detached);
}

void runner::stop(std::string why) { s_->stop(std::move(why)); }
bool runner::stopping() const { return s_->stopped; }
const std::string& runner::stop_reason() const { return s_->reason; }
void runner::on_stop(std::function<void()> fn) { s_->stop_hook = std::move(fn); }
const stats& runner::counters() const { return s_->counters; }
void runner::summary() {
    s_->log.summary(s_->reason.empty() ? "running" : s_->reason, s_->counters, elapsed());
}
duration runner::elapsed() const { return clock::now() - s_->started; }
sim::bus& runner::bus() { return s_->bus; }
const scenario::bus_settings& runner::settings() const { return s_->settings; }
logger& runner::log() { return s_->log; }

} // namespace mbus::runtime
