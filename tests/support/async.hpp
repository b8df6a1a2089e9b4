#pragma once
// Runs a test's coroutine on a fresh io_context with a deadline on the whole of it: a test that hangs
// fails with a message instead of hanging CTest, and an exception in the coroutine (a failed REQUIRE
// included) comes out of run_async as if the body had run inline.

#include <doctest/doctest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <utility>

namespace mbus::test {

// Runs body() (a callable returning asio::awaitable<void>) on io until io runs out of work; fails if
// the body has not ended within limit. For a test whose objects need io before the body starts.
template <class F>
void run_async(boost::asio::io_context& io, F&& body, std::chrono::seconds limit) {
    bool done = false;
    std::exception_ptr error;
    boost::asio::co_spawn(io, std::forward<F>(body)(), [&](std::exception_ptr e) {
        done = true;
        error = e;
    });
    io.run_for(limit);
    REQUIRE_MESSAGE(done, "the test coroutine did not finish within ", limit.count(), " s");
    if (error) std::rethrow_exception(error);
}

// The same on a fresh io_context.
template <class F>
void run_async(F&& body, std::chrono::seconds limit = std::chrono::seconds(30)) {
    boost::asio::io_context io{1};
    run_async(io, std::forward<F>(body), limit);
}

} // namespace mbus::test
