#include "support.hpp"

using namespace mbus;
using namespace mbus::test;

// As in pty_test.cpp: every co_await in a plain statement (GCC 12 and temporaries).

namespace {

asio::awaitable<int> answer_after(duration d) {
    co_await transport::sleep_for(d);
    co_return 42;
}

} // namespace

TEST_CASE("deadline returns the result of an operation that finishes in time") {
    run_async([]() -> asio::awaitable<void> {
        const duration quick = std::chrono::milliseconds(1);
        auto value = co_await transport::with_timeout(answer_after(quick), wait_limit);
        CHECK(value == 42);
        const bool finished = co_await transport::with_timeout(transport::sleep_for(quick), wait_limit);
        CHECK(finished);
    });
}

TEST_CASE("deadline cancels an operation that does not finish in time") {
    run_async([]() -> asio::awaitable<void> {
        const duration forever = std::chrono::hours(1);
        const duration limit = std::chrono::milliseconds(20);
        const auto start = clock::now();
        auto value = co_await transport::with_timeout(answer_after(forever), limit);
        CHECK_FALSE(value.has_value());
        const bool finished = co_await transport::with_timeout(transport::sleep_for(forever), limit);
        CHECK_FALSE(finished);
        CHECK(clock::now() - start < forever); // both gave up instead of waiting
    });
}
