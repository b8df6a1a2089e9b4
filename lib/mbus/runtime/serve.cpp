// The bus loop: requests from every session, one at a time, each becoming one exchange entry.
// With immediate timing nothing in an exchange waits, and it is served by plain calls (serve_now):
// no coroutine frame, no timer per request. The coroutine (serve) is for the waits other timings have.

#include <mbus/runtime/detail/runner_state.hpp>
#include <mbus/runtime/summary.hpp>
#include <mbus/transport/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

// GCC 12 at -O2 warns that Asio's coroutine frames are freed by a mismatched operator delete once a
// coroutine grows large; a false positive (as in session.cpp): Asio's frame allocator pairs them.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace mbus::runtime {

asio::awaitable<void> runner::state::bus_loop(std::shared_ptr<state> st) {
    while (!st->stopped) {
        if (st->queue.empty() || st->serving) {
            st->wake.expires_at(asio::steady_timer::time_point::max());
            co_await st->wake.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (st->options.immediate)
            st->drain_now();
        else
            co_await st->drain();
    }
}

request runner::state::next_request() {
    auto req = std::move(queue.front());
    queue.pop_front();
    if (req.from->queued > 0) --req.from->queued;
    return req;
}

void runner::state::served() {
    if (options.max_requests != 0 && counters.requests >= options.max_requests)
        stop(fmt::format("{} requests served", counters.requests));
}

asio::awaitable<void> runner::state::drain() {
    serving = true;
    while (!stopped && !queue.empty()) {
        co_await serve(next_request());
        served();
    }
    serving = false;
}

void runner::state::drain_now() {
    serving = true;
    while (!stopped && !queue.empty()) {
        serve_now(next_request());
        served();
    }
    serving = false;
}

void runner::state::ask_bus(request& req, harness::exchange& x, bool words, sim::bus_reply& reply) {
    const auto now = calendar.now();
    apply_timeline(now);
    ++counters.requests;
    const unsigned id = req.from->id;

    x.number = counters.requests;
    x.bus = name;
    // `x` is new (serve) or reset (serve_now): its request record is filled in place.
    stamp(x.request, harness::record_kind::request, id, req.end);
    // The request's frame moves into its record, and the bus reads it there.
    const auto& frame = x.request.frame.emplace(std::move(req.frame));
    x.request.request = link::kind_of(frame);
    if (words) x.request.summary = summarize(frame);
    x.request.line_baud = req.line_baud;

    sim::request_context ctx;
    ctx.line_baud = req.line_baud;
    ctx.preamble_zeros = req.preamble_zeros;
    if (bus.config().echo || bus.hooks()) {
        x.request.raw.assign(req.raw.begin(), req.raw.end());
        ctx.raw = std::move(req.raw);
    } else {
        // Only echoes (the converter's, or a fault's) read the request's bytes on the bus: without
        // them the bytes move to the record, and the record's former storage goes back to the
        // session's parser for a later request's bytes, so that neither allocates per request.
        x.request.raw.swap(req.raw);
        req.raw.clear();
        req.from->parser.recycle(std::move(req.raw));
    }
    // A read-only bus takes no SND_UD but selections: the meters never see it, as meters ignore what
    // they do not support.
    const bool refused = options.read_only && x.request.request == link::request_kind::snd_ud;
    bus.set_notes(words); // the meters' notes are read only with the words
    if (refused) {
        reply = sim::bus_reply{};
        ++counters.read_only;
        x.notes.push_back("refused: the bus is read-only (--read-only)");
    } else {
        bus.on_frame(frame, std::move(ctx), now, reply);
    }

    auto& out = x.outcome;
    out.request = x.request.request;
    for (const auto& e : reply.events) {
        out.meters.push_back(meter_name(e.slave));
        out.repeated = out.repeated || e.reply.repeated;
        if (words)
            x.notes.push_back(
                fmt::format("{}: {}", meter_name(e.slave), e.reply.note.empty() ? "ignored" : e.reply.note));
    }
    if (write_hook && out.request == link::request_kind::snd_ud && !out.meters.empty())
        write_hook(out.meters);
    for (const auto& a : reply.answers)
        out.answered_by.push_back(meter_name(a.slave));
    out.collision = reply.collision;
    out.injected = std::move(reply.injected);
    if (reply.intact_from) x.intact_from = meter_name(*reply.intact_from);
    x.chosen_delay = reply.delay;
    x.baud = reply.baud;

    if (reply.silent()) {
        ++counters.silent;
    } else {
        ++counters.answered;
        if (reply.collision) ++counters.collisions;
    }
}

void runner::state::settle(harness::exchange& x, harness::fate f, harness::record_kind kind,
                           time_point at) const {
    x.end = f;
    stamp(x.outcome, kind, x.request.session, at);
}

void runner::state::publish_silence(harness::entry& entry) {
    auto& x = std::get<harness::exchange>(entry);
    settle(x, harness::fate::silent, harness::record_kind::silence, clock::now());
    x.outcome.summary = x.outcome.injected.empty() ? "no answer" : "no answer (fault injected)";
    publish(entry);
}

bool runner::state::publish_if_gone(harness::entry& entry, const session& s) {
    if (!s.closed) return false;
    auto& x = std::get<harness::exchange>(entry);
    settle(x, harness::fate::gone, harness::record_kind::event, clock::now());
    x.outcome.summary = "gone before its answer";
    publish(entry);
    return true;
}

void runner::state::publish_written(harness::entry& entry, sim::bus_reply& reply, std::error_code ec,
                                    time_point first, bool words) {
    auto& x = std::get<harness::exchange>(entry);
    auto& out = x.outcome;
    const auto last = clock::now();
    x.on_wire = last - first;
    if (ec == std::errc::operation_canceled && stopped) {
        settle(x, harness::fate::stopped, harness::record_kind::event, last);
    } else if (ec == transport::errc::closed) {
        settle(x, harness::fate::gone, harness::record_kind::event, last);
        out.summary = "gone before its answer";
    } else if (ec) {
        ++counters.write_errors;
        settle(x, harness::fate::write_failed, harness::record_kind::event, last);
        x.error = ec.message();
        out.summary = "cannot write the answer: " + x.error;
    } else {
        settle(x, harness::fate::answered, harness::record_kind::reply, last);
        // The one decode of what the master received: frame, summary and "more follows" all come from it.
        if (words) {
            auto decoded = decode_wire(reply.wire);
            out.frame = std::move(decoded.frame);
            out.summary = std::move(decoded.summary);
            out.more_follows = decoded.more_follows;
        }
        // Swapped rather than moved: the reply takes the record's storage (empty, its capacity kept by
        // serve_now's reset) for the next answer, so neither allocates once grown.
        out.raw.swap(reply.wire);
    }
    publish(entry);
}

asio::awaitable<void> runner::state::serve(request req) {
    const bool words = words_wanted();
    // Built in place in the entry the sinks read: publishing an exchange copied it whole (its frames,
    // bytes and names: half a dozen allocations per request).
    harness::entry entry{std::in_place_type<harness::exchange>};
    auto& x = std::get<harness::exchange>(entry);
    sim::bus_reply reply; // the coroutine's own, kept across its waits
    ask_bus(req, x, words, reply);
    if (reply.silent()) {
        publish_silence(entry);
        co_return;
    }
    // A fault may put this far beyond the master's timeout: the answer still goes out then, and
    // later requests wait, as on one pair of wires.
    if (!options.immediate && !co_await wait_until(req.end + reply.delay)) {
        settle(x, harness::fate::stopped, harness::record_kind::event, clock::now());
        publish(entry);
        co_return;
    }
    auto& s = *req.from;
    if (publish_if_gone(entry, s)) co_return;
    const auto first = clock::now();
    x.since_request = first - req.end;
    x.paced = !options.immediate && settings.timing == scenario::timing_mode::realistic && reply.baud != 0;
    // An answer with no pause to keep is handed over here and now, without a coroutine of its own.
    const bool waits = x.paced || (!options.immediate && !reply.gaps.empty());
    const auto ec = waits ? co_await write_answer(s, reply, x.paced) : write_now(s, reply);
    publish_written(entry, reply, ec, first, words);
}

void runner::state::serve_now(request req) {
    const bool words = words_wanted();
    auto& entry = spare;
    auto& x = std::get<harness::exchange>(entry);
    harness::reset(x); // as new, its vectors' and strings' storage kept from the requests before
    auto& reply = spare_reply;
    ask_bus(req, x, words, reply);
    if (reply.silent()) {
        publish_silence(entry);
        return;
    }
    auto& s = *req.from;
    if (publish_if_gone(entry, s)) return;
    const auto first = clock::now();
    x.since_request = first - req.end;
    const auto ec = write_now(s, reply);
    publish_written(entry, reply, ec, first, words);
}

} // namespace mbus::runtime
