#pragma once
// Every wait has a deadline: with_timeout races an operation against a steady_timer and cancels the
// loser, so a silent peer can never hang a session or a test.

#include <mbus/core/time.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>
#include <utility>

namespace mbus::transport {

namespace asio = boost::asio;

// The result of op, or nullopt when limit passed first (op is then cancelled and has finished).
template <class T>
asio::awaitable<std::optional<T>> with_timeout(asio::awaitable<T> op, duration limit) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(co_await asio::this_coro::executor, limit);
    auto r = co_await (std::move(op) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (r.index() == 0) co_return std::optional<T>(std::move(std::get<0>(r)));
    co_return std::nullopt;
}

// For operations without a value: true when op finished before limit.
inline asio::awaitable<bool> with_timeout(asio::awaitable<void> op, duration limit) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(co_await asio::this_coro::executor, limit);
    auto r = co_await (std::move(op) || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    co_return r.index() == 0;
}

// Suspends for d on the current executor (pacing, reply delays).
inline asio::awaitable<void> sleep_for(duration d) {
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

} // namespace mbus::transport
