#include <mbus/transport/memory_stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>

namespace mbus::transport {

// One direction per side: side i reads in[i] and writes in[1 - i].
struct memory_stream::shared {
    struct direction {
        std::deque<byte> bytes;
        asio::steady_timer signal; // a reader parks on it; a write or close cancels it
        line_settings line;        // as set by the writing end
        std::function<void(const line_settings&)> on_change;
        explicit direction(const asio::any_io_executor& ex)
            : signal(ex, asio::steady_timer::time_point::max()) {}
    };
    std::string name;
    direction in[2];
    bool closed{false};

    shared(const asio::any_io_executor& ex, std::string n)
        : name(std::move(n)), in{direction(ex), direction(ex)} {}
};

std::pair<std::unique_ptr<memory_stream>, std::unique_ptr<memory_stream>>
memory_stream::make_pair(const asio::any_io_executor& ex, std::string name) {
    auto s = std::make_shared<shared>(ex, std::move(name));
    return {std::unique_ptr<memory_stream>(new memory_stream(s, 0)),
            std::unique_ptr<memory_stream>(new memory_stream(s, 1))};
}

memory_stream::memory_stream(std::shared_ptr<shared> s, int side) : s_(std::move(s)), side_(side) {}

memory_stream::~memory_stream() { close(); }

std::optional<std::size_t> memory_stream::try_read(std::span<byte> buf) {
    auto& d = s_->in[side_];
    const auto n = std::min(buf.size(), d.bytes.size());
    std::copy_n(d.bytes.begin(), n, buf.begin());
    d.bytes.erase(d.bytes.begin(), d.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
}

asio::awaitable<std::pair<std::error_code, std::size_t>> memory_stream::read_some(std::span<byte> buf) {
    auto s = s_; // the other end may go away while this waits
    auto& d = s->in[side_];
    while (d.bytes.empty() && !s->closed) {
        d.signal.expires_at(asio::steady_timer::time_point::max());
        auto [ec] = co_await d.signal.async_wait(asio::as_tuple(asio::use_awaitable));
        // A cancel from write() or close() ends the wait as operation_aborted; an outside cancellation
        // (with_timeout) too, and then nothing has arrived: report it as the caller expects.
        if (ec && d.bytes.empty() && !s->closed) {
            if (auto state = co_await asio::this_coro::cancellation_state;
                state.cancelled() != asio::cancellation_type::none)
                co_return std::pair{std::make_error_code(std::errc::operation_canceled), std::size_t{0}};
        }
    }
    if (d.bytes.empty()) co_return std::pair{make_error_code(errc::closed), std::size_t{0}};
    const auto n = std::min(buf.size(), d.bytes.size());
    std::copy_n(d.bytes.begin(), n, buf.begin());
    d.bytes.erase(d.bytes.begin(), d.bytes.begin() + static_cast<std::ptrdiff_t>(n));
    co_return std::pair{std::error_code{}, n};
}

asio::awaitable<std::error_code> memory_stream::write(bytes_view data) {
    if (s_->closed) co_return make_error_code(errc::closed);
    auto& d = s_->in[1 - side_];
    d.bytes.insert(d.bytes.end(), data.begin(), data.end());
    d.signal.cancel();
    co_return std::error_code{};
}

std::string memory_stream::describe() const { return "memory " + s_->name; }

unsigned memory_stream::baud() const { return s_->in[side_].line.baud; }

void memory_stream::close() {
    if (!s_ || s_->closed) return;
    s_->closed = true;
    s_->in[0].signal.cancel();
    s_->in[1].signal.cancel();
}

void memory_stream::on_line_change(std::function<void(const line_settings&)> fn) {
    s_->in[side_].on_change = std::move(fn);
}

void memory_stream::set_line(unsigned baud, bool raw) {
    auto& d = s_->in[1 - side_];
    d.line.baud = baud;
    d.line.raw = raw;
    ++d.line.changes;
    if (d.on_change) d.on_change(d.line);
}

std::size_t memory_stream::available() const { return s_->in[side_].bytes.size(); }

bytes memory_stream::take() {
    auto& d = s_->in[side_].bytes;
    bytes out(d.begin(), d.end());
    d.clear();
    return out;
}

} // namespace mbus::transport
