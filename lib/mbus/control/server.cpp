#include <mbus/control/server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <exception>
#include <functional>
#include <map>

namespace mbus::control {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

} // namespace

struct server::state : std::enable_shared_from_this<server::state> {
    state(const asio::any_io_executor& e, std::vector<bus_info> buses, server_options o)
        : ex(e), routes(std::move(buses)), options(std::move(o)), acceptor(e) {}

    asio::any_io_executor ex;
    api routes;
    server_options options;
    tcp::acceptor acceptor;
    bool stopped{false};
    std::uint64_t next_id{1};
    std::map<std::uint64_t, beast::tcp_stream*> open; // for stop(): every connection's stream
    // Stream connections by the same id: stop() wakes them to send what waits and close, rather
    // than closing their sockets under them.
    std::map<std::uint64_t, std::function<void()>> streams;

    bool authorized(const http::request<http::string_body>& req, std::string_view query) const;
    void finish(http::response<http::string_body>& res, bool api_path) const;

    static asio::awaitable<void> accept_loop(std::shared_ptr<state> st);
    static asio::awaitable<void> http_session(std::shared_ptr<state> st, tcp::socket sock);
    static asio::awaitable<void> stream_session(std::shared_ptr<state> st, beast::tcp_stream stream,
                                                http::request<http::string_body> req,
                                                std::shared_ptr<feed> f);
    static asio::awaitable<void> flush_and_close(std::shared_ptr<state> st,
                                                 websocket::stream<beast::tcp_stream>& ws, subscriber& sub);
};

namespace {

// Registers a connection's stream for stop() while it lives.
class registration {
  public:
    registration(server::state& st, beast::tcp_stream* s) : st_(st), id_(st.next_id++) { st_.open[id_] = s; }
    registration(const registration&) = delete;
    registration& operator=(const registration&) = delete;
    ~registration() {
        st_.open.erase(id_);
        st_.streams.erase(id_);
    }
    void move_to(beast::tcp_stream* s) { st_.open[id_] = s; }
    // A stream: stop() calls `flush` instead of closing the socket.
    void as_stream(std::function<void()> flush) { st_.streams[id_] = std::move(flush); }

  private:
    server::state& st_;
    std::uint64_t id_;
};

std::string token_in(std::string_view query) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        if (part.starts_with("token=")) return std::string(part.substr(6));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

// Compares without stopping at the first difference: how long it takes says nothing about the token.
bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace

bool server::state::authorized(const http::request<http::string_body>& req, std::string_view query) const {
    if (options.token.empty()) return true;
    const auto h = req[http::field::authorization];
    if (h.starts_with("Bearer ") && same_secret(h.substr(7), options.token)) return true;
    // A browser cannot set headers on a WebSocket: the stream takes ?token= too.
    return websocket::is_upgrade(req) && same_secret(token_in(query), options.token);
}

void server::state::finish(http::response<http::string_body>& res, bool api_path) const {
    res.set(http::field::server, "mbus-sim");
    res.set("Content-Security-Policy", "default-src 'self'");
    res.set("X-Content-Type-Options", "nosniff");
    if (api_path) res.set(http::field::cache_control, "no-store");
    if (!options.cors.empty()) {
        res.set(http::field::access_control_allow_origin, options.cors);
        res.set(http::field::vary, "Origin");
    }
    res.prepare_payload();
}

asio::awaitable<void> server::state::accept_loop(std::shared_ptr<state> st) {
    while (!st->stopped) {
        auto [ec, sock] = co_await st->acceptor.async_accept(use_tuple);
        if (st->stopped) break;
        if (ec) {
            // Out of descriptors and the like: wait a little rather than spin.
            asio::steady_timer t(st->ex, std::chrono::milliseconds(50));
            co_await t.async_wait(use_tuple);
            continue;
        }
        if (st->open.size() >= st->options.max_connections) {
            boost::system::error_code ignored;
            sock.close(ignored);
            continue;
        }
        asio::co_spawn(st->ex, http_session(st, std::move(sock)), asio::detached);
    }
}

asio::awaitable<void> server::state::http_session(std::shared_ptr<state> st, tcp::socket sock) {
    beast::tcp_stream stream(std::move(sock));
    registration reg(*st, &stream);
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(st->options.header_limit));
        parser.body_limit(st->options.body_limit);
        stream.expires_after(st->options.read_timeout);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (st->stopped) co_return;
        http_reply reply;
        bool close = false;
        bool api_path = true;
        unsigned version = 11;
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
            break;
        if (ec) {
            // Refused before it was read whole: the connection cannot be trusted for another request.
            close = true;
            if (ec == http::error::body_limit)
                reply = error_reply(413, "body",
                                    fmt::format("a body may have at most {} bytes", st->options.body_limit));
            else if (ec == http::error::header_limit)
                reply =
                    error_reply(431, "header",
                                fmt::format("headers may have at most {} bytes", st->options.header_limit));
            else
                reply = error_reply(400, "request", fmt::format("not an HTTP request: {}", ec.message()));
        } else {
            auto req = parser.release();
            version = req.version();
            close = !req.keep_alive();
            const std::string target(req.target());
            const auto q = target.find('?');
            const std::string_view query =
                q == std::string::npos ? std::string_view{} : std::string_view(target).substr(q + 1);
            api_path = target.starts_with("/api/");
            if (api_path && !st->authorized(req, query)) {
                reply = error_reply(401, "authorization",
                                    "this server wants Authorization: Bearer TOKEN (--http-token)");
                reply.headers.emplace_back("WWW-Authenticate", "Bearer");
            } else if (websocket::is_upgrade(req)) {
                http_reply error;
                auto f = st->routes.stream_feed(target, error);
                if (f) {
                    stream.expires_never();
                    co_await stream_session(st, std::move(stream), std::move(req), std::move(f));
                    co_return;
                }
                reply = error;
                close = true;
            } else if (req.method() == http::verb::options && !st->options.cors.empty()) {
                reply = {204, "text/plain", {}, {}};
                reply.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
                reply.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
            } else {
                try {
                    reply = st->routes.handle(std::string(req.method_string()), target, req.body());
                } catch (const std::exception& e) {
                    // A mistake of ours must not end the process (and with it the bus): say so.
                    reply = error_reply(500, "", fmt::format("internal error: {}", e.what()));
                }
            }
        }
        http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
        if (reply.status != 204) res.set(http::field::content_type, reply.content_type);
        for (const auto& [k, v] : reply.headers)
            res.set(k, v);
        res.body() = std::move(reply.body);
        res.keep_alive(!close);
        st->finish(res, api_path);
        stream.expires_after(st->options.write_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        if (wec || close || st->stopped) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    // A lingering close: what the client still sends (the rest of a refused body or header) is read
    // and dropped for a moment, so that closing does not reset the connection and lose our answer.
    if (!st->stopped) {
        stream.expires_after(std::chrono::seconds(1));
        std::array<char, 4096> sink{};
        for (std::size_t drained = 0; drained < 1024 * 1024;) {
            auto [dec, dn] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
            if (dec) break;
            drained += dn;
        }
    }
    stream.close();
}

asio::awaitable<void> server::state::stream_session(std::shared_ptr<state> st, beast::tcp_stream stream,
                                                    http::request<http::string_body> req,
                                                    std::shared_ptr<feed> f) {
    websocket::stream<beast::tcp_stream> ws(std::move(stream));
    registration reg(*st, &ws.next_layer());
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.set_option(websocket::stream_base::decorator([cors = st->options.cors](websocket::response_type& res) {
        res.set(http::field::server, "mbus-sim");
        if (!cors.empty()) res.set(http::field::access_control_allow_origin, cors);
    }));
    ws.read_message_max(4096);
    // A fixed send buffer (no autotuning up to megabytes): a client that stops reading holds little
    // kernel memory, and loses records from the queue soon, as feed.hpp promises, not minutes later.
    boost::system::error_code no_buffer_size; // the system default then
    ws.next_layer().socket().set_option(asio::socket_base::send_buffer_size(64 * 1024), no_buffer_size);
    auto [aec] = co_await ws.async_accept(req, use_tuple);
    if (aec) co_return;

    // The writer parks on this timer until the feed has something (subscriber's wake cancels it).
    auto signal = std::make_shared<asio::steady_timer>(st->ex, asio::steady_timer::time_point::max());
    auto closed = std::make_shared<bool>(false);
    auto sub = f->subscribe(st->options.stream_queue, [w = std::weak_ptr(signal)] {
        if (auto s = w.lock()) s->cancel();
    });
    // At stop the writer may be inside a write to a client that does not read, which the signal does
    // not wake: the socket is closed under it after `shutdown_flush`, as flush_and_close does.
    auto alive = std::make_shared<bool>(true); // only this frame holds it: the handler checks it
    auto stop_deadline = std::make_shared<asio::steady_timer>(st->ex);
    reg.as_stream([w = std::weak_ptr(signal), stop_deadline, a = std::weak_ptr(alive), &ws,
                   flush = st->options.shutdown_flush] {
        if (auto s = w.lock()) s->cancel();
        stop_deadline->expires_after(flush);
        stop_deadline->async_wait([a, &ws](const boost::system::error_code& ec) {
            if (ec || a.expired()) return;
            boost::system::error_code ignored;
            ws.next_layer().socket().close(ignored);
        });
    });
    // Whatever the client sends is read and thrown away; a close or an error ends the session.
    asio::co_spawn(
        st->ex,
        [&ws, signal, closed]() -> asio::awaitable<void> {
            beast::flat_buffer in;
            for (;;) {
                in.clear();
                auto [ec, n] = co_await ws.async_read(in, use_tuple);
                if (ec) break;
            }
            *closed = true;
            signal->cancel();
        },
        asio::detached);
    ws.text(true);
    // A message goes as one frame: cut in frames of 4 KiB (Beast's default), a busy interval's
    // message was a write operation per frame. Clients see the same messages either way.
    ws.auto_fragment(false);
    // Everything that waits goes as one message (JSON lines), and while records keep coming a write
    // follows the last one only after `stream_flush` (or sooner when the queue is half full): a busy
    // bus costs a subscriber one write per interval, not one per exchange, and the first record
    // after a quiet spell goes at once. After a write the writer waits out the interval whether or
    // not records come meanwhile (only an urgent queue cuts it short), then parks until one comes:
    // one wake-up per message while the bus is busy, one more when it falls quiet.
    auto last_write = asio::steady_timer::clock_type::time_point{};
    bool wrote = false;
    while (!*closed) {
        if (st->stopped) {
            // A clean shutdown: what waits goes out, then a close frame, within `shutdown_flush`
            // (the socket is closed under a client that does not read).
            co_await flush_and_close(st, ws, *sub);
            break;
        }
        const auto due = last_write + st->options.stream_flush;
        if (wrote || (!sub->empty() && !sub->urgent() && asio::steady_timer::clock_type::now() < due)) {
            wrote = false;
            if (!sub->urgent()) {
                sub->wake_when_urgent_only(true);
                signal->expires_at(due);
                co_await signal->async_wait(use_tuple);
                sub->wake_when_urgent_only(false);
            }
            continue;
        }
        if (sub->empty()) {
            signal->expires_at(asio::steady_timer::time_point::max());
            co_await signal->async_wait(use_tuple);
            continue;
        }
        const auto& message = sub->take(); // stays until the next take()
        last_write = asio::steady_timer::clock_type::now();
        auto [ec, n] = co_await ws.async_write(asio::buffer(message), use_tuple);
        if (ec) break;
        wrote = true;
    }
    f->unsubscribe(sub);
    stop_deadline->cancel();
    if (!*closed) {
        boost::system::error_code ignored;
        ws.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
        ws.next_layer().close();
        // The reader ends on the closed socket; wait for it, as it uses `ws`.
        while (!*closed) {
            signal->expires_at(asio::steady_timer::time_point::max());
            co_await signal->async_wait(use_tuple);
        }
    }
}

asio::awaitable<void> server::state::flush_and_close(std::shared_ptr<state> st,
                                                     websocket::stream<beast::tcp_stream>& ws,
                                                     subscriber& sub) {
    asio::steady_timer deadline(st->ex, st->options.shutdown_flush);
    deadline.async_wait([&ws](const boost::system::error_code& ec) {
        if (ec) return; // cancelled: all was sent in time
        boost::system::error_code ignored;
        ws.next_layer().socket().close(ignored);
    });
    bool ok = true;
    if (!sub.empty()) {
        const auto& message = sub.take();
        auto [ec, n] = co_await ws.async_write(asio::buffer(message), use_tuple);
        ok = !ec;
    }
    if (ok) co_await ws.async_close(websocket::close_code::going_away, use_tuple);
    deadline.cancel();
}

bool is_loopback(const std::string& host) {
    if (host == "localhost") return true;
    boost::system::error_code ec;
    const auto a = asio::ip::make_address(host, ec);
    return !ec && a.is_loopback();
}

bool parse_listen(const std::string& text, std::string& host, std::uint16_t& port) {
    std::string h = "127.0.0.1";
    std::string p = text;
    if (const auto colon = text.rfind(':'); colon != std::string::npos) {
        h = text.substr(0, colon);
        p = text.substr(colon + 1);
        if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
        if (h.empty()) return false;
    }
    unsigned v = 0;
    const auto* end = p.data() + p.size();
    if (auto [q, ec] = std::from_chars(p.data(), end, v);
        ec != std::errc{} || q != end || p.empty() || v > 65535)
        return false;
    host = h;
    port = static_cast<std::uint16_t>(v);
    return true;
}

std::unique_ptr<server> server::open(const asio::any_io_executor& ex, std::vector<bus_info> buses,
                                     server_options options, std::string& error) {
    if (!is_loopback(options.host) && options.token.empty()) {
        error = fmt::format("--http {}:{} listens beyond this machine: give --http-token TOKEN", options.host,
                            options.port);
        return nullptr;
    }
    auto st = std::make_shared<state>(ex, std::move(buses), std::move(options));
    boost::system::error_code ec;
    const auto host = st->options.host == "localhost" ? std::string("127.0.0.1") : st->options.host;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) {
        error = fmt::format("--http {}: not an IP address", st->options.host);
        return nullptr;
    }
    const tcp::endpoint at(address, st->options.port);
    st->acceptor.open(at.protocol(), ec);
    if (!ec) st->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) st->acceptor.bind(at, ec);
    if (!ec) st->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        error = fmt::format("--http {}:{}: {}", st->options.host, st->options.port, ec.message());
        return nullptr;
    }
    asio::co_spawn(ex, state::accept_loop(st), asio::detached);
    return std::unique_ptr<server>(new server(std::move(st)));
}

server::~server() { stop(); }

std::string server::bound() const {
    boost::system::error_code ec;
    const auto ep = s_->acceptor.local_endpoint(ec);
    if (ec) return {};
    const auto a = ep.address();
    return a.is_v6() ? fmt::format("[{}]:{}", a.to_string(), ep.port())
                     : fmt::format("{}:{}", a.to_string(), ep.port());
}

void server::stop() {
    if (s_->stopped) return;
    s_->stopped = true;
    boost::system::error_code ignored;
    s_->acceptor.close(ignored);
    for (auto& [id, s] : s_->open) {
        if (const auto stream = s_->streams.find(id); stream != s_->streams.end()) {
            stream->second(); // it sends what waits and closes (flush_and_close)
            continue;
        }
        s->socket().shutdown(tcp::socket::shutdown_both, ignored);
        s->socket().close(ignored);
    }
    s_->routes.detach();
}

} // namespace mbus::control
