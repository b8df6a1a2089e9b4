#include <mbus/runtime/recorder.hpp>

#include <array>
#include <chrono>

#include <fmt/format.h>

#include <mbus/transport/deadline.hpp>

namespace mbus::runtime {

boost::asio::awaitable<record_summary> recorder::run(std::optional<duration> limit) {
    record_summary sum;
    const auto start = clock::now();
    const auto since = [&start] { return std::chrono::duration_cast<capture::micros>(clock::now() - start); };
    std::array<byte, 4096> buf{};
    // A read waits at most this long, so that stop() and the time limit are seen without a byte coming.
    constexpr auto tick = std::chrono::milliseconds{200};
    while (!stopped_) {
        auto wait = duration{tick};
        if (limit) {
            const auto left = *limit - (clock::now() - start);
            if (left <= duration::zero()) {
                sum.ended = "time up";
                break;
            }
            wait = std::min(wait, left);
        }
        const auto r = co_await transport::with_timeout(in_.read_some(buf), wait);
        if (!r) continue;
        const auto [ec, n] = *r;
        // The bytes of a read that also ended the stream still count.
        if (n > 0) out_.write(since(), bytes_view(buf).first(n));
        if (ec) {
            sum.ended = stopped_ ? "stopped" : fmt::format("the stream ended: {}", ec.message());
            break;
        }
    }
    if (sum.ended.empty()) sum.ended = "stopped";
    sum.elapsed = since();
    out_.finish(sum.elapsed);
    sum.chunks = out_.chunks();
    sum.bytes = out_.bytes_written();
    co_return sum;
}

void recorder::stop() { stopped_ = true; }

} // namespace mbus::runtime
