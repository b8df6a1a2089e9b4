#include <mbus/transport/tcp.hpp>

#include <mbus/transport/stream_io.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/socket_base.hpp>

#include <fmt/format.h>

#include <charconv>

namespace mbus::transport {

namespace {

std::string to_string(const asio::ip::tcp::endpoint& ep) {
    const auto a = ep.address();
    return a.is_v6() ? fmt::format("[{}]:{}", a.to_string(), ep.port())
                     : fmt::format("{}:{}", a.to_string(), ep.port());
}

} // namespace

std::optional<host_port> parse_host_port(std::string_view where) {
    host_port r{"127.0.0.1", 0};
    std::string_view port = where;
    if (!where.empty() && where.front() == '[') {
        const auto close = where.find("]:");
        if (close == std::string_view::npos) return std::nullopt;
        r.host = std::string(where.substr(1, close - 1));
        port = where.substr(close + 2);
    } else if (const auto colon = where.rfind(':'); colon != std::string_view::npos) {
        if (colon > 0) r.host = std::string(where.substr(0, colon));
        port = where.substr(colon + 1);
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535 ||
        r.host.empty())
        return std::nullopt;
    r.port = static_cast<unsigned short>(value);
    return r;
}

tcp_stream::tcp_stream(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
    boost::system::error_code ec;
    // Paced bytes must leave one by one, not wait for Nagle to batch them.
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    socket_.non_blocking(true, ec);
    const auto local = socket_.local_endpoint(ec);
    const auto remote = socket_.remote_endpoint(ec);
    describe_ = fmt::format("tcp {} <- {}", to_string(local), to_string(remote));
}

tcp_stream::~tcp_stream() { close(); }

asio::awaitable<std::pair<std::error_code, std::size_t>> tcp_stream::read_some(std::span<byte> buf) {
    // A request already in the socket is served without another epoll round (stream_io.hpp).
    return detail::read_some_in_place(socket_, buf, in_place_, /*reset_closes=*/true);
}

asio::awaitable<std::error_code> tcp_stream::write(bytes_view data) {
    return detail::write_open(socket_, data);
}

std::size_t tcp_stream::try_write(bytes_view data) {
    if (!socket_.is_open() || data.empty()) return 0;
    boost::system::error_code ec; // would_block, or an error write() will report
    const auto n = socket_.write_some(asio::buffer(data.data(), data.size()), ec);
    return ec ? 0 : n;
}

std::optional<std::size_t> tcp_stream::try_read(std::span<byte> buf) {
    return detail::try_read_now(socket_, buf);
}

std::string tcp_stream::describe() const { return describe_; }

void tcp_stream::close() {
    boost::system::error_code ec;
    if (socket_.is_open()) {
        socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        socket_.close(ec);
    }
}

open_result<tcp_listener> tcp_listener::open(const asio::any_io_executor& ex, std::string_view where) {
    auto fail = [&](std::error_code ec, std::string_view what) {
        return open_result<tcp_listener>{nullptr, ec, fmt::format("cannot listen on {}: {}", where, what)};
    };
    const auto hp = parse_host_port(where);
    if (!hp) {
        // A port that is a number but too big is a wrong port, not a wrong form.
        const auto colon = where.rfind(':');
        const auto port = where.substr(colon == std::string_view::npos ? 0 : colon + 1);
        if (!port.empty() && port.size() <= 9 &&
            port.find_first_not_of("0123456789") == std::string_view::npos)
            return fail(errc::bad_endpoint, fmt::format("port {} is out of range (0..65535)", port));
        return fail(errc::bad_endpoint, "expected PORT, HOST:PORT or [V6]:PORT");
    }
    boost::system::error_code ec;
    auto host = hp->host == "localhost" ? std::string("127.0.0.1") : hp->host;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) return fail(errc::bad_endpoint, fmt::format("'{}' is not an IP address", hp->host));
    asio::ip::tcp::acceptor acceptor(ex);
    const asio::ip::tcp::endpoint ep(address, hp->port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(ec, ec.message());
    return open_result<tcp_listener>{std::make_unique<tcp_listener>(std::move(acceptor)), {}, {}};
}

tcp_listener::tcp_listener(asio::ip::tcp::acceptor acceptor) : acceptor_(std::move(acceptor)) {}

asio::awaitable<std::pair<std::error_code, std::unique_ptr<byte_stream>>> tcp_listener::accept() {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return std::pair{std::error_code(ec), std::unique_ptr<byte_stream>{}};
    co_return std::pair{std::error_code{},
                        std::unique_ptr<byte_stream>(std::make_unique<tcp_stream>(std::move(socket)))};
}

asio::ip::tcp::endpoint tcp_listener::local_endpoint() const {
    boost::system::error_code ec;
    return acceptor_.local_endpoint(ec);
}

unsigned short tcp_listener::port() const { return local_endpoint().port(); }

std::string tcp_listener::describe() const { return fmt::format("tcp {}", to_string(local_endpoint())); }

void tcp_listener::close() {
    boost::system::error_code ec;
    acceptor_.close(ec);
}

} // namespace mbus::transport
