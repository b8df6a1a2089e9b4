#include <mbus/runtime/runner.hpp>

#include <mbus/sim/fault.hpp>
#include <mbus/sim/timeline.hpp>
#include <mbus/transport/deadline.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
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
    bytes raw;                     // as it came, for echoes and the transcript
    time_point end;                // arrival of its last byte: answer delays count from here
    unsigned line_baud{0};         // the session's rate when it arrived
    std::size_t preamble_zeros{0}; // 0x00 bytes right before it
};

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

std::string meter_name(const sim::bus& bus, std::size_t i) {
    const auto& n = i < bus.size() ? bus.at(i).name() : std::string();
    return n.empty() ? fmt::format("meter{}", i) : n;
}

std::optional<link::frame> whole_frame(bytes_view raw) {
    if (raw.empty()) return std::nullopt;
    auto d = link::decode(raw);
    if (!d || d->size != raw.size()) return std::nullopt;
    return std::move(d->value);
}

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
          duration_timer(e), idle_timer(e), timeline_timer(e), started(clock::now()),
          started_wall(std::chrono::system_clock::now()), last_input(started), tl(sc.events, started) {
        std::vector<std::string> names;
        for (const auto& m : sc.meters) {
            bus.add(m, started);
            names.push_back(m.name);
        }
        // An empty list: every meter is there from the start.
        for (std::size_t i = 0; i < sc.present.size() && i < bus.size(); ++i)
            bus.set_present(i, sc.present[i]);
        // Timeline events start and stop faults and power-cycle meters through the engine, so it is
        // there whenever either is used.
        if (!sc.faults.empty() || !sc.events.empty()) {
            faults =
                std::make_shared<sim::fault_engine>(sc.faults, std::move(names), sc.bus.config.seed, started);
            bus.set_hooks(faults);
        }
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
    asio::steady_timer timeline_timer;

    time_point started;
    wall_time started_wall;
    time_point last_input;
    bool stopped{false};
    std::string reason;
    std::function<void()> stop_hook;

    std::vector<std::function<void(const harness::record&)>> record_hooks;
    harness::counters kinds;
    std::shared_ptr<sim::fault_engine> faults;
    sim::timeline tl;

    harness::record make_record(harness::record_kind kind, unsigned session, time_point at) const {
        harness::record r;
        r.kind = kind;
        r.session = session;
        // Rounded as the transcript writes them, so that a record read back equals the one emitted.
        r.t = std::round(std::chrono::duration<double>(at - started).count() * 1e6) / 1e6;
        r.wall = std::chrono::floor<std::chrono::milliseconds>(
            started_wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(at - started));
        return r;
    }

    void emit(const harness::record& r) {
        kinds.add(r);
        for (const auto& hook : record_hooks)
            hook(r);
    }

    void emit_event(unsigned session, std::string summary, time_point at = clock::now()) {
        auto r = make_record(harness::record_kind::event, session, at);
        r.summary = std::move(summary);
        emit(r);
    }

    // Timeline events due now, or once `counters.requests` requests have been served.
    void apply_timeline(const sim::sim_now& now) {
        if (tl.empty()) return;
        for (auto& what : tl.apply_due(now, counters.requests, bus, faults.get())) {
            log.event(what);
            emit_event(0, std::move(what), now.mono);
        }
    }

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
        timeline_timer.cancel();
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
        emit_event(s->id, "open " + s->stream->describe());
        asio::co_spawn(ex, read_loop(shared_from_this(), s), asio::detached);
        return s;
    }

    void handle(const std::shared_ptr<session>& s, const std::vector<link::stream_event>& events) {
        std::size_t preamble = 0;
        for (std::size_t i = 0; i < events.size(); ++i) {
            const auto& ev = events[i];
            s->held -= std::min(s->held, ev.raw.size());
            if (is_preamble(events, i, s->parser.gap_timeout())) {
                preamble = ev.raw.size();
                log.preamble(s->id, ev);
                auto r = make_record(harness::record_kind::event, s->id, ev.last);
                r.raw = ev.raw;
                r.summary = fmt::format("preamble {} x 00", preamble);
                emit(r);
                continue;
            }
            if (!ev.is_frame()) {
                ++counters.junk;
                counters.junk_bytes += ev.raw.size();
                log.junk(s->id, ev);
                auto r = make_record(harness::record_kind::junk, s->id, ev.last);
                r.raw = ev.raw;
                r.summary = ev.error.message();
                emit(r);
                continue;
            }
            const unsigned baud = s->stream->baud();
            log.request(s->id, ev, baud);
            if (stopped) continue;
            queue.push_back({s, ev.f, ev.raw, ev.last, baud, std::exchange(preamble, 0)});
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
        st->emit_event(s->id, why ? "closed: " + why.message() : std::string("closed"));
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

    // Writes an answer with the pauses a fault put inside it: the bytes up to each gap, the gap, the
    // rest. Paced or whole, as the timing mode says.
    asio::awaitable<std::error_code> write_answer(session& s, const sim::bus_reply& reply, bool paced) {
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
            if (!co_await wait_until(clock::now() + gaps[g].length))
                co_return std::make_error_code(std::errc::operation_canceled);
        }
        co_return std::error_code{};
    }

    harness::record exchange_record(harness::record_kind kind, unsigned session, time_point at,
                                    link::request_kind asked, const sim::bus_reply& reply) const {
        auto r = make_record(kind, session, at);
        r.request = asked;
        for (const auto& e : reply.events) {
            r.meters.push_back(meter_name(bus, e.slave));
            r.repeated = r.repeated || e.reply.repeated;
        }
        for (const auto& a : reply.answers)
            r.answered_by.push_back(meter_name(bus, a.slave));
        r.collision = reply.collision;
        r.injected = reply.injected;
        return r;
    }

    asio::awaitable<void> serve(request req) {
        const sim::sim_now now{clock::now(), std::chrono::system_clock::now()};
        apply_timeline(now);
        ++counters.requests;
        const auto asked = link::kind_of(req.frame);
        const unsigned id = req.from->id;
        {
            auto r = make_record(harness::record_kind::request, id, req.end);
            r.raw = req.raw;
            r.frame = req.frame;
            r.request = asked;
            r.summary = summarize(req.frame);
            r.line_baud = req.line_baud;
            emit(r);
        }
        sim::request_context ctx;
        ctx.line_baud = req.line_baud;
        ctx.preamble_zeros = req.preamble_zeros;
        ctx.raw = req.raw;
        auto reply = bus.on_frame(req.frame, std::move(ctx), now);
        for (const auto& what : reply.injected)
            log.injected(id, what);
        reply_timing timing;
        if (reply.silent()) {
            ++counters.silent;
            log.reply(id, reply, bus, timing);
            auto r = exchange_record(harness::record_kind::silence, id, clock::now(), asked, reply);
            r.summary = reply.injected.empty() ? "no answer" : "no answer (fault injected)";
            emit(r);
            co_return;
        }
        ++counters.answered;
        if (reply.collision) ++counters.collisions;
        // A fault may put this far beyond the master's timeout: the answer still goes out then, and
        // later requests wait, as on one pair of wires.
        if (!co_await wait_until(req.end + reply.delay)) co_return;
        auto& s = *req.from;
        if (s.closed) {
            log.info(fmt::format("#{} gone before its answer", s.id));
            emit_event(s.id, "gone before its answer");
            co_return;
        }
        const auto first = clock::now();
        timing.since_request = first - req.end;
        timing.paced = settings.timing == scenario::timing_mode::realistic && reply.baud != 0;
        const auto ec = co_await write_answer(s, reply, timing.paced);
        const auto last = clock::now();
        timing.on_wire = last - first;
        if (ec == std::errc::operation_canceled && stopped) co_return;
        if (ec) {
            ++counters.write_errors;
            log.write_failed(s.id, ec);
            emit_event(s.id, "cannot write the answer: " + ec.message());
            co_return;
        }
        log.reply(s.id, reply, bus, timing);
        auto r = exchange_record(harness::record_kind::reply, id, last, asked, reply);
        r.raw = reply.wire;
        r.frame = whole_frame(reply.wire);
        r.summary = summarize(reply.wire);
        emit(r);
    }

    // Timed events happen at their time even when no request comes.
    static asio::awaitable<void> timeline_watch(std::shared_ptr<state> st) {
        while (!st->stopped) {
            const auto next = st->tl.next_time();
            if (!next) break;
            st->timeline_timer.expires_at(*next);
            co_await st->timeline_timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (st->stopped) break;
            const auto now = clock::now();
            if (now < *next) continue; // woken early: the expiry moved or the wait was cancelled
            st->apply_timeline({now, std::chrono::system_clock::now()});
            if (st->tl.next_time() == next) {
                // Due and still not carried out: waiting again would spin.
                st->log.error("timeline: an event due now was not carried out");
                break;
            }
        }
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
    if (s_->tl.next_time()) asio::co_spawn(ex, state::timeline_watch(s_), asio::detached);
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
        st->emit_event(id, l.baud != 0 ? fmt::format("line {} baud{}", l.baud, l.raw ? " raw" : " not raw")
                                       : std::string(l.raw ? "line rate not set raw" : "line rate not set"));
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
    s_->log.kinds(s_->kinds);
}
void runner::on_record(std::function<void(const harness::record&)> fn) {
    s_->record_hooks.push_back(std::move(fn));
}
const harness::counters& runner::kind_counters() const { return s_->kinds; }
duration runner::elapsed() const { return clock::now() - s_->started; }
sim::bus& runner::bus() { return s_->bus; }
const scenario::bus_settings& runner::settings() const { return s_->settings; }
logger& runner::log() { return s_->log; }

} // namespace mbus::runtime
