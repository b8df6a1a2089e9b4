#include <mbus/transport/tcp_connect.hpp>

#include <mbus/transport/deadline.hpp>
#include <mbus/transport/errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <string>

namespace mbus::transport {

asio::awaitable<open_result<tcp_stream>> connect_tcp(std::string_view where, duration limit) {
    using result_type = open_result<tcp_stream>;
    const auto hp = parse_host_port(where);
    if (!hp)
        co_return result_type{nullptr, errc::bad_endpoint, fmt::format("{}: not a HOST:PORT address", where)};
    const auto ex = co_await asio::this_coro::executor;
    const auto deadline = clock::now() + limit;

    asio::ip::tcp::resolver resolver(ex);
    auto resolved = co_await with_timeout(
        resolver.async_resolve(hp->host, std::to_string(hp->port), asio::as_tuple(asio::use_awaitable)),
        limit);
    if (!resolved)
        co_return result_type{nullptr, std::make_error_code(std::errc::timed_out),
                              fmt::format("cannot resolve {}: timed out", hp->host)};
    auto [rec, endpoints] = std::move(*resolved);
    if (rec)
        co_return result_type{nullptr, rec, fmt::format("cannot resolve {}: {}", hp->host, rec.message())};

    asio::ip::tcp::socket socket(ex);
    auto connected = co_await with_timeout(
        asio::async_connect(socket, endpoints, asio::as_tuple(asio::use_awaitable)), deadline - clock::now());
    const auto name = fmt::format("{}:{}", hp->host, hp->port);
    if (!connected)
        co_return result_type{nullptr, std::make_error_code(std::errc::timed_out),
                              fmt::format("cannot connect to {}: timed out", name)};
    auto [cec, endpoint] = *connected;
    (void)endpoint;
    if (cec)
        co_return result_type{nullptr, cec, fmt::format("cannot connect to {}: {}", name, cec.message())};
    co_return result_type{std::make_unique<tcp_stream>(std::move(socket)), {}, {}};
}

} // namespace mbus::transport
