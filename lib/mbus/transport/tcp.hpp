#pragma once
// Raw M-Bus frames over TCP, as libmbus's mbus-tcp-* tools and serial-to-Ethernet gateways send them:
// no header, one stream of bytes per connection. Each accepted connection is its own session; a
// dropped connection ends only that session.

#include <mbus/transport/byte_stream.hpp>
#include <mbus/transport/detail/in_place_reads.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mbus::transport {

class tcp_stream final : public byte_stream {
  public:
    explicit tcp_stream(asio::ip::tcp::socket socket);
    ~tcp_stream() override;

    asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<byte> buf) override;
    asio::awaitable<std::error_code> write(bytes_view data) override;
    std::size_t try_write(bytes_view data) override;
    std::optional<std::size_t> try_read(std::span<byte> buf) override;
    std::string describe() const override; // "tcp 127.0.0.1:5000 <- 127.0.0.1:40212"
    void close() override;

  private:
    asio::ip::tcp::socket socket_;
    std::string describe_;
    detail::in_place_reads in_place_; // how the last reads went (detail::read_some_in_place)
};

class tcp_listener final : public listener {
  public:
    // where: "5000" or ":5000" listens on loopback only (the default: a simulator is not a service);
    // "HOST:PORT" listens there ("0.0.0.0:5000", "[::]:5000" to expose it). Port 0 picks a free port,
    // which port() then reports.
    static open_result<tcp_listener> open(const asio::any_io_executor& ex, std::string_view where);

    explicit tcp_listener(asio::ip::tcp::acceptor acceptor);

    // The next connection; errors as values (operation_canceled after close()).
    asio::awaitable<std::pair<std::error_code, std::unique_ptr<byte_stream>>> accept() override;

    asio::ip::tcp::endpoint local_endpoint() const;
    unsigned short port() const;
    std::string describe() const override; // "tcp 127.0.0.1:5000"
    void close() override;

  private:
    asio::ip::tcp::acceptor acceptor_;
};

// "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" -> host (loopback when absent) and port; nullopt if malformed.
struct host_port {
    std::string host;
    unsigned short port = 0;
    friend bool operator==(const host_port&, const host_port&) = default;
};
std::optional<host_port> parse_host_port(std::string_view where);

} // namespace mbus::transport
