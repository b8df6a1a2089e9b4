#pragma once
// The control API on HTTP/1.1 and WebSocket (Boost.Beast), on the io_context the buses run on: a
// request is handled between two requests of a bus, so a change needs no lock. A coroutine per
// connection with a deadline on every read and write; bodies and headers are size-limited; a
// stream client gets records through its own bounded queue (feed.hpp) and never holds a bus.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include <mbus/control/api.hpp>

namespace mbus::control {

namespace asio = boost::asio;

struct server_options {
    std::string host{"127.0.0.1"};
    std::uint16_t port{0}; // 0: any free port
    std::string token;     // required (Authorization: Bearer TOKEN) when not empty
    std::string cors;      // an origin allowed to call the API from a page of its own; empty: none
    std::size_t body_limit{64 * 1024};
    std::size_t header_limit{16 * 1024};
    std::size_t stream_queue{1024}; // records a stream client may have waiting before it loses some
    // While records keep coming, a stream client gets a message at most this often (all that waits,
    // as JSON lines), or sooner when half its queue is full.
    std::chrono::milliseconds stream_flush{20};
    std::chrono::seconds read_timeout{30};
    std::chrono::seconds write_timeout{10};
    // At a clean shutdown (stop()), a stream client gets what waits for it and a close frame within
    // this long; a client that does not read by then is cut off.
    std::chrono::milliseconds shutdown_flush{1000};
    std::size_t max_connections{64};
};

// Whether `host` is a loopback address ("127.0.0.1", "::1", "localhost").
bool is_loopback(const std::string& host);

// "[HOST:]PORT" -> host and port (host 127.0.0.1 when left out); false when it is not that.
bool parse_listen(const std::string& text, std::string& host, std::uint16_t& port);

class server {
  public:
    // Listens at once; null with `error` set when it cannot (address in use, a non-loopback host
    // without a token).
    static std::unique_ptr<server> open(const asio::any_io_executor& ex, std::vector<bus_info> buses,
                                        server_options options, std::string& error);
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server(); // stops

    // HOST:PORT as bound (the port the system picked for 0).
    std::string bound() const;
    // Closes the listener and every connection; feeds stop following their buses. Stream clients
    // get the records still queued for them and a close frame first (bounded by shutdown_flush).
    void stop();

    struct state;

  private:
    explicit server(std::shared_ptr<state> s) : s_(std::move(s)) {}
    std::shared_ptr<state> s_;
};

} // namespace mbus::control
