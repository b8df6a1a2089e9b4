// The bus loop: requests from every session, one at a time, each becoming one exchange entry.

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
        co_await st->drain();
    }
}

asio::awaitable<void> runner::state::drain() {
    serving = true;
    while (!stopped && !queue.empty()) {
        auto req = std::move(queue.front());
        queue.pop_front();
        if (req.from->queued > 0) --req.from->queued;
        co_await serve(std::move(req));
        if (options.max_requests != 0 && counters.requests >= options.max_requests)
            stop(fmt::format("{} requests served", counters.requests));
    }
    serving = false;
}

asio::awaitable<void> runner::state::serve(request req) {
    const auto now = calendar.now();
    apply_timeline(now);
    ++counters.requests;
    const unsigned id = req.from->id;

    const bool words = words_wanted();
    // Built in place in the entry the sinks read: publishing an exchange copied it whole (its frames,
    // bytes and names: half a dozen allocations per request).
    harness::entry entry{std::in_place_type<harness::exchange>};
    auto& x = std::get<harness::exchange>(entry);
    x.number = counters.requests;
    x.bus = name;
    x.request = make_record(harness::record_kind::request, id, req.end);
    x.request.request = link::kind_of(req.frame);
    if (words) x.request.summary = summarize(req.frame);
    x.request.line_baud = req.line_baud;
    x.request.frame = req.frame;
    x.request.raw = req.raw;

    sim::request_context ctx;
    ctx.line_baud = req.line_baud;
    ctx.preamble_zeros = req.preamble_zeros;
    ctx.raw = std::move(req.raw);
    // A read-only bus takes no SND_UD but selections: the meters never see it, as meters ignore what
    // they do not support.
    const bool refused = options.read_only && x.request.request == link::request_kind::snd_ud;
    bus.set_notes(words); // the meters' notes are read only with the words
    auto reply = refused ? sim::bus_reply{} : bus.on_frame(req.frame, std::move(ctx), now);
    if (refused) {
        ++counters.read_only;
        x.notes.push_back("refused: the bus is read-only (--read-only)");
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

    const auto finish = [&](harness::fate f, harness::record_kind kind, time_point at) {
        x.end = f;
        const auto stamp = make_record(kind, id, at);
        out.kind = stamp.kind;
        out.session = stamp.session;
        out.t = stamp.t;
        out.wall = stamp.wall;
    };

    if (reply.silent()) {
        ++counters.silent;
        finish(harness::fate::silent, harness::record_kind::silence, clock::now());
        out.summary = out.injected.empty() ? "no answer" : "no answer (fault injected)";
        publish(entry);
        co_return;
    }
    ++counters.answered;
    if (reply.collision) ++counters.collisions;
    // A fault may put this far beyond the master's timeout: the answer still goes out then, and
    // later requests wait, as on one pair of wires.
    if (!options.immediate && !co_await wait_until(req.end + reply.delay)) {
        finish(harness::fate::stopped, harness::record_kind::event, clock::now());
        publish(entry);
        co_return;
    }
    auto& s = *req.from;
    if (s.closed) {
        finish(harness::fate::gone, harness::record_kind::event, clock::now());
        out.summary = "gone before its answer";
        publish(entry);
        co_return;
    }
    const auto first = clock::now();
    x.since_request = first - req.end;
    x.paced = !options.immediate && settings.timing == scenario::timing_mode::realistic && reply.baud != 0;
    const auto ec = co_await write_answer(s, reply, x.paced);
    const auto last = clock::now();
    x.on_wire = last - first;
    if (ec == std::errc::operation_canceled && stopped) {
        finish(harness::fate::stopped, harness::record_kind::event, last);
        publish(entry);
        co_return;
    }
    if (ec == transport::errc::closed) {
        finish(harness::fate::gone, harness::record_kind::event, last);
        out.summary = "gone before its answer";
        publish(entry);
        co_return;
    }
    if (ec) {
        ++counters.write_errors;
        finish(harness::fate::write_failed, harness::record_kind::event, last);
        x.error = ec.message();
        out.summary = "cannot write the answer: " + x.error;
        publish(entry);
        co_return;
    }
    finish(harness::fate::answered, harness::record_kind::reply, last);
    // The one decode of what the master received: frame, summary and "more follows" all come from it.
    if (words) {
        auto decoded = decode_wire(reply.wire);
        out.frame = std::move(decoded.frame);
        out.summary = std::move(decoded.summary);
        out.more_follows = decoded.more_follows;
    }
    out.raw = std::move(reply.wire);
    publish(entry);
}

} // namespace mbus::runtime
