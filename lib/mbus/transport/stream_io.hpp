#pragma once
// Shared by the transports built on an Asio stream (descriptor or socket) in non-blocking mode.

#include <mbus/core/bytes.hpp>
#include <mbus/transport/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <system_error>

namespace mbus::transport::detail {

namespace asio = boost::asio;

// Asio reports the peer's orderly close as its own eof code; sessions compare with errc::closed.
inline std::error_code to_std(const boost::system::error_code& ec) {
    if (ec == asio::error::eof) return errc::closed;
    return ec;
}

// Tries the write at once (the usual case: a paced byte or a short frame fits in the OS buffer), so
// that no trip through the io_context is needed; waits for room only when the buffer is full.
// The stream must be in non-blocking mode, else a full buffer would block the thread.
template <class Stream>
asio::awaitable<std::error_code> write_all(Stream& s, bytes_view data) {
    boost::system::error_code ec;
    const std::size_t n = data.empty() ? 0 : s.write_some(asio::buffer(data.data(), data.size()), ec);
    if (!ec && n == data.size()) co_return std::error_code{};
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) co_return to_std(ec);
    auto rest = data.subspan(ec ? 0 : n);
    auto [ec2, m] = co_await asio::async_write(s, asio::buffer(rest.data(), rest.size()),
                                               asio::as_tuple(asio::use_awaitable));
    (void)m;
    co_return to_std(ec2);
}

} // namespace mbus::transport::detail
