// control/server.hpp over a real loopback socket: the size limits (413, 431), a request line that is
// no HTTP, the bearer token, the cap on connections, and the refusal to listen beyond loopback
// without a token. The server runs on its io_context in a thread of its own; the client here is
// plain blocking sockets, so that what is checked is the bytes the server sends.

#include <mbus/control/server.hpp>
#include <mbus/scenario/demo.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

using namespace mbus;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// A server on the built-in demo bus, served by a thread of its own until the fixture goes.
struct served {
    explicit served(control::server_options o) {
        std::string error;
        s = control::server::open(io.get_executor(), {control::bus_info{&r, {}, "", nullptr, {}}},
                                  std::move(o), error);
        REQUIRE_MESSAGE(s, error);
        const auto bound = s->bound();
        port = static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
        thread = std::thread([this] { io.run(); });
    }
    ~served() {
        // The server and the runner belong to the io thread: stopped there, then the thread ends.
        std::promise<void> done;
        asio::post(io, [&] {
            s->stop();
            r.stop("test over");
            done.set_value();
        });
        done.get_future().wait();
        work.reset();
        io.stop();
        thread.join();
    }
    served(const served&) = delete;
    served& operator=(const served&) = delete;

    tcp::socket connect() {
        tcp::socket sock(client_io);
        sock.connect({asio::ip::make_address("127.0.0.1"), port});
        return sock;
    }

    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    runtime::runner r{io.get_executor(), scenario::builtin_demo()};
    std::unique_ptr<control::server> s;
    std::uint16_t port{0};
    std::thread thread;
    asio::io_context client_io; // for the client's blocking sockets only
};

control::server_options small_limits() {
    control::server_options o;
    o.body_limit = 256;
    o.header_limit = 512;
    o.read_timeout = std::chrono::seconds(5);
    return o;
}

// Sends `raw` as it is and reads one response; nullopt when the server closed without one.
std::optional<http::response<http::string_body>> ask(tcp::socket& sock, const std::string& raw) {
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(raw), ec);
    if (ec) return std::nullopt;
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(sock, buffer, res, ec);
    if (ec) return std::nullopt;
    return res;
}

std::optional<http::response<http::string_body>> ask(served& f, const std::string& raw) {
    auto sock = f.connect();
    return ask(sock, raw);
}

std::string get(std::string_view target, std::string_view extra_headers = "") {
    return fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}\r\n", target, extra_headers);
}

// The JSON error body's field and reason.
nlohmann::json error_of(const http::response<http::string_body>& res) {
    return nlohmann::json::parse(res.body())["error"];
}

// True when the server closed `sock` (the next read sees the end) within `wait`.
bool closed_by_server(tcp::socket& sock) {
    char c = 0;
    boost::system::error_code ec;
    sock.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
}

} // namespace

TEST_CASE("server: a body beyond the limit is refused with 413 before it is read") {
    served f(small_limits());
    const std::string body(1000, 'x');
    const auto res = ask(f, fmt::format("PUT /api/v1/buses/demo/meters/demo/records/volume HTTP/1.1\r\n"
                                        "Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                        "Content-Length: {}\r\n\r\n{}",
                                        body.size(), body));
    REQUIRE(res);
    CHECK(res->result_int() == 413);
    CHECK(error_of(*res)["field"] == "body");
    CHECK(error_of(*res)["reason"] == "a body may have at most 256 bytes");
    CHECK(!res->keep_alive());
    // A body within the limit on the same route is read and answered.
    const auto ok = ask(f, "PUT /api/v1/buses/demo/meters/demo/records/volume HTTP/1.1\r\nHost: x\r\n"
                           "Content-Length: 14\r\n\r\n{\"value\":42.5}");
    REQUIRE(ok);
    CHECK(ok->result_int() == 200);
}

TEST_CASE("server: headers beyond the limit are refused with 431") {
    served f(small_limits());
    const auto res = ask(f, get("/api/v1/health", "X-Padding: " + std::string(1000, 'p') + "\r\n"));
    REQUIRE(res);
    CHECK(res->result_int() == 431);
    CHECK(error_of(*res)["field"] == "header");
    CHECK(error_of(*res)["reason"] == "headers may have at most 512 bytes");
}

TEST_CASE("server: a request line that is no HTTP gets 400 and the connection closes") {
    served f(small_limits());
    auto sock = f.connect();
    const auto res = ask(sock, "HELLO THERE\r\n\r\n");
    REQUIRE(res);
    CHECK(res->result_int() == 400);
    CHECK(error_of(*res)["field"] == "request");
    CHECK(error_of(*res)["reason"].get<std::string>().starts_with("not an HTTP request: "));
    CHECK(closed_by_server(sock));
    // The server goes on serving others.
    const auto health = ask(f, get("/api/v1/health"));
    REQUIRE(health);
    CHECK(health->result_int() == 200);
}

TEST_CASE("server: with a token, the API wants it as a bearer header; the page does not") {
    auto o = small_limits();
    o.token = "s3cret";
    served f(o);
    auto res = ask(f, get("/api/v1/health"));
    REQUIRE(res);
    CHECK(res->result_int() == 401);
    CHECK((*res)[http::field::www_authenticate] == "Bearer");
    CHECK(error_of(*res)["field"] == "authorization");
    res = ask(f, get("/api/v1/health", "Authorization: Bearer s3creT\r\n"));
    REQUIRE(res);
    CHECK(res->result_int() == 401);
    // ?token= is for WebSocket upgrades only (a browser cannot set their headers).
    res = ask(f, get("/api/v1/health?token=s3cret"));
    REQUIRE(res);
    CHECK(res->result_int() == 401);
    res = ask(f, get("/api/v1/health", "Authorization: Bearer s3cret\r\n"));
    REQUIRE(res);
    CHECK(res->result_int() == 200);
    CHECK(nlohmann::json::parse(res->body())["status"] == "ready");
    res = ask(f, get("/"));
    REQUIRE(res);
    CHECK(res->result_int() == 200);
    CHECK((*res)[http::field::content_type] == "text/html; charset=utf-8");
}

TEST_CASE("server: beyond the connection cap a connection is closed at once; freed, one is taken") {
    auto o = small_limits();
    o.max_connections = 2;
    served f(o);
    // Two connections held open, each served once (keep-alive) so that both are surely accepted.
    auto a = f.connect();
    auto b = f.connect();
    for (auto* s : {&a, &b}) {
        const auto res = ask(*s, get("/api/v1/health"));
        REQUIRE(res);
        CHECK(res->result_int() == 200);
        CHECK(res->keep_alive());
    }
    auto c = f.connect(); // the kernel accepts; the server closes it unanswered
    CHECK(!ask(c, get("/api/v1/health")));
    // One let go: a new connection is served (once the server has seen the close).
    a.close();
    bool served_again = false;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!served_again && std::chrono::steady_clock::now() < until) {
        auto d = f.connect();
        const auto res = ask(d, get("/api/v1/health"));
        served_again = res && res->result_int() == 200;
        if (!served_again) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(served_again);
}

TEST_CASE("server: at a clean stop a stream client gets what was queued for it, then a close frame") {
    auto o = small_limits();
    // Nothing would go before this interval but the first record: what stop() finds queued must be
    // flushed by stop() itself.
    o.stream_flush = std::chrono::seconds(30);
    served f(o);
    beast::websocket::stream<tcp::socket> ws(f.connect());
    ws.handshake("127.0.0.1", "/api/v1/buses/demo/stream");
    // The subscription is made once the handshake is answered; an exchange of the API on another
    // connection after it makes sure the server has seen it through.
    REQUIRE(ask(f, get("/api/v1/health")));
    std::promise<void> stopped;
    asio::post(f.io, [&] {
        for (int i = 0; i < 50; ++i)
            f.r.announce(fmt::format("notice {}", i));
        f.s->stop();
        stopped.set_value();
    });
    stopped.get_future().wait();
    std::vector<std::string> summaries;
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    for (;;) {
        ws.read(buffer, ec);
        if (ec) break;
        const auto text = beast::buffers_to_string(buffer.data());
        buffer.clear();
        for (std::size_t from = 0; from < text.size();) {
            auto end = text.find('\n', from);
            if (end == std::string::npos) end = text.size();
            summaries.push_back(nlohmann::json::parse(text.substr(from, end - from))["summary"]);
            from = end + 1;
        }
    }
    CHECK(ec == beast::websocket::error::closed); // a close frame, not a connection cut
    CHECK(ws.reason().code == beast::websocket::close_code::going_away);
    REQUIRE(summaries.size() == 50);
    CHECK(summaries.front() == "notice 0");
    CHECK(summaries.back() == "notice 49");
}

TEST_CASE("server: no listening beyond loopback without a token") {
    asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    control::server_options o;
    o.host = "0.0.0.0";
    std::string error;
    CHECK(!control::server::open(io.get_executor(), {control::bus_info{&r, {}, "", nullptr, {}}}, o, error));
    CHECK(error == "--http 0.0.0.0:0 listens beyond this machine: give --http-token TOKEN");
    o.host = "not-an-address";
    o.token = "t";
    CHECK(!control::server::open(io.get_executor(), {control::bus_info{&r, {}, "", nullptr, {}}}, o, error));
    CHECK(error == "--http not-an-address: not an IP address");
    CHECK(control::is_loopback("::1"));
    CHECK(control::is_loopback("localhost"));
    CHECK(!control::is_loopback("192.168.1.10"));
}

TEST_CASE("server: [HOST:]PORT") {
    std::string host;
    std::uint16_t port = 0;
    CHECK(control::parse_listen("8080", host, port));
    CHECK(host == "127.0.0.1");
    CHECK(port == 8080);
    CHECK(control::parse_listen("[::1]:9000", host, port));
    CHECK(host == "::1");
    CHECK(port == 9000);
    CHECK(!control::parse_listen("65536", host, port));
    CHECK(!control::parse_listen(":80", host, port));
    CHECK(!control::parse_listen("host:", host, port));
}
