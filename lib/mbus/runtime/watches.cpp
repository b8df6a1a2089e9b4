// Timers that act on the bus without a request: timed timeline events and the stop conditions.

#include <mbus/runtime/detail/runner_state.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mbus::runtime {

// Timed events happen at their time even when no request comes.
asio::awaitable<void> runner::state::timeline_watch(std::shared_ptr<state> st) {
    while (!st->stopped) {
        const auto next = st->tl.next_time();
        if (!next) break;
        st->timeline_timer.expires_at(*next);
        co_await st->timeline_timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (st->stopped) break;
        const auto now = clock::now();
        if (now < *next) continue; // woken early: the expiry moved or the wait was cancelled
        st->apply_timeline(st->calendar.at(now));
        if (st->tl.next_time() == next) {
            // Due and still not carried out: waiting again would spin.
            const std::string what = "timeline: an event due now was not carried out";
            st->event(0, what, what, true);
            break;
        }
    }
}

asio::awaitable<void> runner::state::duration_watch(std::shared_ptr<state> st) {
    st->duration_timer.expires_at(st->started + st->options.max_duration);
    co_await st->duration_timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!st->stopped) st->stop("duration reached");
}

asio::awaitable<void> runner::state::idle_watch(std::shared_ptr<state> st) {
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

} // namespace mbus::runtime
